"""``casework workflows …``: check procedure files, draw a procedure as a diagram."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated

import typer

from casework.errors import CaseworkError, ProcedureErrors, ProcedureFileError
from casework.learning.quizzes import QuizRegistry
from casework.procedures import diagrams
from casework.procedures.loader import check_directory, check_procedure_file
from casework.procedures.registry import ProcedureRegistry
from casework.procedures.schema import Procedure
from casework.scenarios.schema import ScenarioRegistry
from casework.settings import get_settings

workflows_app = typer.Typer(
    help="Kiểm tra, xem các tệp quy trình (workflows/).", no_args_is_help=True
)


class DiagramFormat(enum.StrEnum):
    mermaid = "mermaid"
    svg = "svg"
    dot = "dot"
    md = "md"
    rst = "rst"


def _shown(path: Path) -> Path:
    """A path relative to the working directory when it is under it (shorter error lines)."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return path


def _load(path: Path) -> tuple[list[Procedure], list[ProcedureFileError]]:
    if path.is_dir():
        return check_directory(path)
    if path.is_file():
        proc, warnings = check_procedure_file(path)
        return [proc], warnings
    raise ProcedureErrors(
        [
            ProcedureFileError(
                file=str(path), path="", line=None, problem="Không có tệp/thư mục này."
            )
        ]
    )


@workflows_app.command("check")
def check(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Tệp hoặc thư mục quy trình (mặc định: thư mục workflows)."),
    ] = None,
    strict: Annotated[
        bool,
        typer.Option("--strict", help="Coi cảnh báo (giá trị chưa có nguồn) là lỗi: mã thoát 1."),
    ] = False,
) -> None:
    """Kiểm tra các tệp thủ tục (và bài trắc nghiệm trong quizzes/, bài thực hành trong scenarios/
    của mỗi thư mục); in mỗi thủ tục một dòng, hoặc từng lỗi kèm tệp và dòng. Giá trị chưa có
    nguồn (mã, thời hạn, phí, hồ sơ, các bước) là cảnh báo: mã thoát vẫn 0, trừ khi --strict."""
    targets = paths or [_shown(get_settings().workflows_dir)]
    procedures: list[Procedure] = []
    errors: list[ProcedureFileError] = []
    warnings: list[ProcedureFileError] = []
    for target in targets:
        try:
            loaded, warned = _load(target)
            procedures.extend(loaded)
            warnings.extend(warned)
            if target.is_dir():
                library = ProcedureRegistry(loaded)
                QuizRegistry.from_directory(target / "quizzes", library)
                ScenarioRegistry.from_directory(target / "scenarios", library)
        except ProcedureErrors as exc:
            errors.extend(exc.errors)
    if errors:
        for err in errors:
            typer.echo(err.message, err=True)
        typer.echo(f"{len(errors)} lỗi. Sửa các lỗi trên rồi chạy lại.", err=True)
        raise typer.Exit(code=1)
    for p in procedures:
        typer.echo(
            f"{p.code}\tv{p.version}\t{len(p.states)} bước\t{len(p.actions)} thao tác\t{p.name}"
        )
    for w in warnings:
        typer.echo(f"Cảnh báo: {w.message}", err=True)
    if warnings:
        typer.echo(
            f"{len(warnings)} cảnh báo: giá trị chưa có nguồn hoặc chưa ghi điều chưa xác minh.",
            err=True,
        )
        if strict:
            raise typer.Exit(code=1)


@workflows_app.command("diagram")
def diagram(
    code: Annotated[str, typer.Argument(help="Mã thủ tục, ví dụ 2.002131.")],
    fmt: Annotated[
        DiagramFormat, typer.Option("--format", "-f", help="Định dạng sơ đồ.")
    ] = DiagramFormat.mermaid,
    directory: Annotated[
        Path | None, typer.Option("--dir", help="Thư mục quy trình (mặc định: workflows).")
    ] = None,
    current: Annotated[
        str | None, typer.Option("--current", help="Tô đậm bước này (svg, dot).")
    ] = None,
) -> None:
    """In sơ đồ trạng thái của một thủ tục: Mermaid, SVG hoặc DOT (Graphviz), bảng md/rst."""
    try:
        registry = ProcedureRegistry.from_directory(directory or get_settings().workflows_dir)
        procedure = registry.get(code)
        if fmt is DiagramFormat.svg:
            typer.echo(diagrams.to_svg(procedure, current=current))
        elif fmt is DiagramFormat.dot:
            typer.echo(diagrams.to_dot(procedure, current=current))
        else:
            typer.echo(format(procedure.machine_class(), fmt.value))
    except CaseworkError as exc:
        typer.echo(exc.message, err=True)
        raise typer.Exit(code=1) from None


@workflows_app.command("export")
def export(
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Thư mục ghi tệp (mặc định: thư mục workflows)."),
    ] = None,
) -> None:
    """Ghi các phiên bản đang có hiệu lực trong cơ sở dữ liệu ra tệp YAML (mỗi thủ tục một tệp,
    giữ tên tệp đang dùng), và bản công bố của mỗi bài thực hành ra scenarios/. Tệp đã đúng
    phiên bản đó thì giữ nguyên (cả chú thích)."""
    from sqlmodel import Session

    from casework.db import engine_for, utcnow
    from casework.dossiers.catalog import current_versions
    from casework.workshop.export import export_published
    from casework.workshop.scenario_store import export_scenarios
    from casework.workshop.startup import files_by_code

    settings = get_settings()
    target = out or settings.workflows_dir
    engine = engine_for(settings)
    try:
        with Session(engine) as session:
            current = current_versions(session, utcnow())
            if not current:
                typer.echo("Cơ sở dữ liệu chưa có thủ tục nào đã công bố.", err=True)
                raise typer.Exit(code=1)
            written, kept = export_published(
                target,
                current,
                existing=files_by_code(settings.workflows_dir),
                workflows_dir=settings.workflows_dir,
            )
            scenarios = export_scenarios(session, target, settings.workflows_dir)
    finally:
        engine.dispose()
    for path in written + scenarios[0]:
        typer.echo(f"Đã ghi {_shown(path)}")
    typer.echo(f"{len(written)} tệp ghi mới, {len(kept)} tệp đã đúng phiên bản công bố.")
    typer.echo(
        f"Bài thực hành: {len(scenarios[0])} tệp ghi mới, {scenarios[1]} tệp đã đúng bản công bố."
    )
