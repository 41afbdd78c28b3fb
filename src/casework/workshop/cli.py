"""``casework workshop …``: the procedure workshop from the command line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from casework.errors import CaseworkError

if TYPE_CHECKING:
    from casework.workshop.portal_import import PortalDraft

workshop_app = typer.Typer(help="Xưởng thủ tục: bản nháp, nhập từ Cổng DVC.", no_args_is_help=True)


@workshop_app.command("import-portal")
def import_portal(
    file: Annotated[
        Path,
        typer.Argument(help="Trang «Chi tiết thủ tục hành chính» đã lưu (.html), hoặc tệp xuất."),
    ],
    url: Annotated[
        str | None,
        typer.Option("--url", help="Địa chỉ của trang (khi tệp đã lưu không ghi địa chỉ)."),
    ] = None,
    code: Annotated[
        str | None, typer.Option("--code", help="Mã thủ tục, khi trang không ghi mã.")
    ] = None,
    save_as: Annotated[
        str | None,
        typer.Option(
            "--save-as",
            help="Lưu thành bản nháp trong xưởng, đứng tên người dùng này (vai trò biên tập "
            "danh mục).",
        ),
    ] = None,
) -> None:
    """In bản nháp YAML dựng từ bản ghi thủ tục của Cổng DVC quốc gia (hoặc CSDL quốc gia về
    TTHC) và danh sách những gì chưa chuyển được; với --save-as, lưu thành bản nháp mới."""
    from casework.workshop.portal_import import draft_from_portal

    try:
        raw = file.read_bytes()
    except OSError as exc:
        typer.echo(f"Không đọc được tệp {file}: {exc.strerror}.", err=True)
        raise typer.Exit(1) from None
    try:
        result = draft_from_portal(
            raw, source_url=url, filename=file.name, code=code, today=dt.date.today()
        )
    except CaseworkError as exc:
        typer.echo(exc.message, err=True)
        raise typer.Exit(1) from None
    typer.echo(result.yaml_text)
    if result.missing:
        typer.echo("Trang nguồn không ghi: " + ", ".join(result.missing) + ".", err=True)
    for item in result.unmapped:
        raw_text = item.raw.replace("\n", " / ")
        typer.echo(
            f"Chưa chuyển: [{item.field}] {item.label}: {raw_text} — {item.reason}", err=True
        )
    _differences(result)
    if save_as is not None:
        _save(result, save_as)


def _differences(result: PortalDraft) -> None:
    """For a procedure in workflows/: what the portal says that the file does not."""
    from casework.procedures import ProcedureRegistry
    from casework.settings import get_settings
    from casework.workshop.portal_compare import compare

    if not result.code:
        return
    try:
        registry = ProcedureRegistry.from_directory(get_settings().workflows_dir)
    except CaseworkError:
        return
    if result.code not in registry:
        return
    found = compare(result, registry.get(result.code))
    typer.echo(f"So với {result.code} trong workflows/: {len(found)} giá trị khác.", err=True)
    for d in found:
        portal, mine = d.portal.replace("\n", " / "), d.published.replace("\n", " / ")
        typer.echo(f"  {d.label}: trang ghi «{portal}»; tệp ghi «{mine}»", err=True)


def _save(result: PortalDraft, username: str) -> None:
    from sqlmodel import Session, select

    from casework.accounts.models import User
    from casework.cli import _engine
    from casework.settings import get_settings
    from casework.workshop.portal_store import store_portal_draft

    with Session(_engine()) as session:
        actor = session.exec(select(User).where(User.username == username)).first()
        if actor is None:
            typer.echo(f"Không có người dùng «{username}».", err=True)
            raise typer.Exit(1)
        try:
            draft = store_portal_draft(
                session, actor=actor, result=result, workflows_dir=get_settings().workflows_dir
            )
        except CaseworkError as exc:
            typer.echo(exc.message, err=True)
            raise typer.Exit(1) from None
        typer.echo(f"Đã lưu bản nháp số {draft.id} (mã {draft.code}).", err=True)
