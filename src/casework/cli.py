"""The `casework` command. Each domain package contributes its own sub-commands."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from sqlmodel import Session, select

from casework.clock import cli as clock_cli
from casework.clock.cli import clock_app
from casework.errors import CaseworkError, ProcedureErrors
from casework.learning.cli import learning_app
from casework.procedures.cli import workflows_app
from casework.settings import get_settings
from casework.workshop.cli import workshop_app

app = typer.Typer(help="casework: theo dõi hồ sơ TTHC KH&CN.", no_args_is_help=True)
app.add_typer(workflows_app, name="workflows", help="Kiểm tra, xem các tệp quy trình (workflows/).")
app.add_typer(clock_app, name="clock", help="Tính thời hạn giải quyết theo lịch làm việc.")
app.add_typer(learning_app, name="learning")
app.add_typer(workshop_app, name="workshop")
calendar_app = typer.Typer(help="Lịch làm việc: ngày nghỉ, ngày làm bù.", no_args_is_help=True)
app.add_typer(calendar_app, name="calendar")
db_app = typer.Typer(help="Cơ sở dữ liệu.", no_args_is_help=True)
demo_app = typer.Typer(help="Dữ liệu mẫu (chỉ môi trường dev).", no_args_is_help=True)
audit_app = typer.Typer(help="Kiểm tra tính toàn vẹn của nhật ký.", no_args_is_help=True)
users_app = typer.Typer(help="Người dùng và mã truy cập API.", no_args_is_help=True)
units_app = typer.Typer(help="Đơn vị: Bộ, Sở KH&CN, UBND cấp xã.", no_args_is_help=True)
reports_app = typer.Typer(help="Báo cáo: số liệu tổng hợp theo tháng.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(demo_app, name="demo")
app.add_typer(audit_app, name="audit")
app.add_typer(users_app, name="users")
app.add_typer(units_app, name="units")
app.add_typer(reports_app, name="reports")


def _fail(message: str, code: int = 1) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(code)


def _engine():  # type: ignore[no-untyped-def]
    """The database of the settings; CLI sessions may write, so they lock for writing."""
    from casework.db import engine_for, write_engine

    settings = get_settings()
    _ensure_sqlite_dir(settings.database_url)
    return write_engine(engine_for(settings))


def _ensure_sqlite_dir(url: str) -> None:
    prefix = "sqlite:///"
    if url.startswith(prefix) and url != "sqlite:///:memory:":
        Path(url[len(prefix) :]).parent.mkdir(parents=True, exist_ok=True)


@app.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    reload: bool = False,
    forwarded_allow_ips: Annotated[
        str | None,
        typer.Option(
            "--forwarded-allow-ips",
            envvar="CASEWORK_FORWARDED_ALLOW_IPS",
            help="Địa chỉ hoặc mạng của reverse proxy được tin các header X-Forwarded-For/-Proto, "
            "cách nhau bằng dấu phẩy, ví dụ 10.0.0.5,172.16.0.0/12. Mặc định của uvicorn: "
            "127.0.0.1,::1 (chỉ proxy trên cùng máy).",
        ),
    ] = None,
) -> None:
    """Chạy máy chủ web (uvicorn)."""
    from casework import serving
    from casework.main import create_app

    try:
        create_app()  # fail fast, before uvicorn, on an invalid procedure or setting
    except ProcedureErrors as exc:
        raise _fail(f"Không khởi động: có tệp quy trình không hợp lệ.\n{exc.message}") from exc
    except ValueError as exc:
        raise _fail(f"Không khởi động: cấu hình sai.\n{exc}") from exc
    typer.echo(f"casework: http://{host}:{port}")
    serving.run(
        "casework.serving:served_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        reload=reload,
        proxy_headers=True,
        forwarded_allow_ips=forwarded_allow_ips,
        log_level="info",
    )


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Chạy các migration đến phiên bản mới nhất, rồi nói đã làm gì."""
    from casework.migrations import upgrade

    settings = get_settings()
    _ensure_sqlite_dir(settings.database_url)
    done = upgrade(settings.database_url, revision)
    latest = " (mới nhất)" if done.after == done.head else ""
    if not done.applied:
        typer.echo(f"Cơ sở dữ liệu đã ở phiên bản {done.after}{latest}: không có gì phải làm.")
        return
    first, last = done.applied[0], done.applied[-1]
    steps = f"chạy {len(done.applied)} migration ({first}{f' → {last}' if last != first else ''})"
    if done.before is None:
        what = "Đã tạo các bảng của cơ sở dữ liệu mới"
    else:
        what = f"Đã nâng cấp cơ sở dữ liệu từ phiên bản {done.before}"
    typer.echo(f"{what}: {steps}, nay ở phiên bản {done.after}{latest}.")


@demo_app.command("load")
def demo_load(
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Không báo lỗi nếu đã có dữ liệu; chỉ bỏ qua.")
    ] = False,
) -> None:
    """Nạp dữ liệu mẫu vào cơ sở dữ liệu trống."""
    from casework import demo
    from casework.dossiers.catalog import sync_procedures
    from casework.procedures import ProcedureRegistry

    settings = get_settings()
    if not settings.demo_allowed:
        raise _fail("Không nạp dữ liệu mẫu ở môi trường production.")
    registry = ProcedureRegistry.from_directory(settings.workflows_dir)
    with Session(_engine(), expire_on_commit=False) as session:
        if not demo.is_empty(session):
            if if_empty:
                typer.echo("Đã có dữ liệu: bỏ qua dữ liệu mẫu.")
                return
            raise _fail("Cơ sở dữ liệu đã có dữ liệu; không nạp dữ liệu mẫu.")
        sync_procedures(session, registry.all())
        counts = demo.load(
            session, registry, ZoneInfo(settings.timezone), upload_dir=settings.upload_dir
        )
    typer.echo(
        f"Đã nạp {counts['units']} đơn vị, {counts['users']} người dùng, "
        f"{counts['dossiers']} hồ sơ. "
        f"Mật khẩu mẫu: {demo.DEMO_PASSWORD}"
    )


@demo_app.command("generate")
def demo_generate(
    dossiers: Annotated[
        int, typer.Option("--dossiers", min=1, help="Số hồ sơ cần sinh, ví dụ 1000000.")
    ],
    months: Annotated[
        int, typer.Option("--months", min=1, max=60, help="Số tháng gần nhất (đến hôm nay).")
    ] = 12,
    communes_per_province: Annotated[
        int,
        typer.Option(
            "--communes-per-province",
            min=0,
            help="Số UBND cấp xã (thật) mỗi tỉnh có cán bộ, hồ sơ.",
        ),
    ] = 100,
    seed: Annotated[int, typer.Option("--seed", help="Cùng seed cho cùng dữ liệu.")] = 1,
    batch: Annotated[
        int, typer.Option("--batch", min=1, help="Số hồ sơ mỗi lô (một giao dịch).")
    ] = 5000,
    workers: Annotated[
        int | None,
        typer.Option("--workers", min=1, help="Số tiến trình ghi (PostgreSQL); mặc định số lõi."),
    ] = None,
    keep_indexes: Annotated[
        bool,
        typer.Option(
            "--keep-indexes",
            help="PostgreSQL: giữ chỉ mục thường và khóa ngoại trong lúc nạp (chậm hơn). Mặc "
            "định từ 50.000 hồ sơ trở lên chúng được gỡ ra khi nạp rồi dựng lại, kiểm tra lại.",
        ),
    ] = False,
) -> None:
    """Sinh dữ liệu giả lập quy mô toàn quốc (đơn vị, cán bộ, hồ sơ, nhật ký) để đo báo cáo.

    Chỉ dùng cho cơ sở dữ liệu thử: không ai khác nên ghi vào trong lúc sinh."""
    from casework.clock import default_calendar
    from casework.demo import DEMO_PASSWORD
    from casework.demo_generate import Options, generate
    from casework.demo_generate.progress import Progress
    from casework.dossiers.clockwork import CalendarSource
    from casework.procedures import ProcedureRegistry

    settings = get_settings()
    if not settings.demo_allowed:
        raise _fail("Không sinh dữ liệu giả lập ở môi trường production.")
    registry = ProcedureRegistry.from_directory(settings.workflows_dir)
    bar: list[Progress] = []

    def stage(text: str) -> None:
        if bar:  # the load is over: end the bar's line first
            bar[0].close()
        typer.echo(text, err=True)

    options = Options(
        dossiers=dossiers, months=months, communes_per_province=communes_per_province,
        seed=seed, batch=batch, workers=workers, bulk=False if keep_indexes else None,
    )  # fmt: skip
    try:
        summary = generate(
            _engine(),
            registry,
            options,
            tz=ZoneInfo(settings.timezone),
            calendars=CalendarSource(default_calendar(settings.workflows_dir)),
            on_total=lambda total: bar.append(Progress(total)),
            progress=lambda n: bar[0].advance(n),
            on_stage=stage,
        )
    except KeyboardInterrupt:
        if bar:
            bar[0].close()
        raise _fail(
            "Đã dừng. Các lô đã ghi còn nguyên vẹn (mỗi lô một giao dịch); chạy "
            "`casework reports rebuild` để tính lại số liệu báo cáo.",
            130,
        ) from None
    if bar:
        bar[0].close()

    def n(value: float) -> str:  # 1.000.000, as Vietnamese writes it
        return f"{value:,.0f}".replace(",", ".")

    typer.echo(
        f"Đã sinh {n(summary.dossiers)} hồ sơ ({n(summary.events)} dòng nhật ký, "
        f"{n(summary.steps)} bước, {n(summary.pauses)} lần dừng đồng hồ, "
        f"{n(summary.attachments)} tệp đính kèm) trong {summary.seconds:.1f} giây; ghi hồ sơ "
        f"{summary.load_seconds:.1f} giây, {n(summary.rate)} hồ sơ/giây, "
        f"{summary.workers} tiến trình."
    )
    if summary.indexes_rebuilt:
        typer.echo(
            f"Đã dựng lại {summary.indexes_rebuilt} chỉ mục và kiểm tra lại "
            f"{summary.foreign_keys_validated} khóa ngoại trong {summary.index_seconds:.1f} giây."
        )
    typer.echo(
        f"Đơn vị: {n(summary.units)} (thêm {n(summary.units_created)}); người dùng: "
        f"{n(summary.users)} (thêm {n(summary.users_created)}, tên gen.<mã đơn vị>.<vai trò>, "
        f"mật khẩu mẫu: {DEMO_PASSWORD}); {n(summary.practice)} hồ sơ làm thử (LT-)."
        + (" Đã nạp dữ liệu mẫu trước." if summary.demo_loaded else "")
    )


@audit_app.command("verify")
def audit_verify(
    dossier: Annotated[
        str | None, typer.Option("--dossier", help="Chỉ kiểm tra một hồ sơ.")
    ] = None,
    checkpoint: Annotated[
        Path | None,
        typer.Option(
            "--checkpoint", help="Kiểm tra thêm với một điểm kiểm chứng đã ký (tệp .json)."
        ),
    ] = None,
    public_key: Annotated[
        Path | None,
        typer.Option("--public-key", help="Khóa công khai tin cậy (mặc định: theo cấu hình)."),
    ] = None,
) -> None:
    """Tính lại chuỗi mã băm của nhật ký, đối chiếu mọi cột của hồ sơ với nhật ký và số liệu
    báo cáo với hồ sơ; với --checkpoint, phát hiện chuỗi bị xóa, cắt hoặc viết lại sau khi ký."""
    from casework.checkpoints import service as checkpoints
    from casework.checkpoints import verify as verifier
    from casework.dossiers import audit

    with Session(_engine()) as session:
        try:
            report = audit.verify(session, code=dossier)
            signed = None
            if checkpoint is not None:
                trusted = checkpoints.trusted_key(get_settings(), public_key)
                signed = verifier.verify(session, verifier.read_file(checkpoint), trusted)
        except CaseworkError as exc:
            raise _fail(exc.message) from exc
    for problem in report.problems:
        typer.echo(f"LỖI {problem}", err=True)
    for signed_problem in signed.problems if signed else []:
        typer.echo(f"LỖI {signed_problem}", err=True)
    summary = f"Đã kiểm tra {report.dossiers} hồ sơ, {report.events} dòng nhật ký"
    if report.counters:
        summary += f", {report.counters} dòng số liệu báo cáo"
    if report.queue_counters:
        summary += f", {report.queue_counters} dòng bộ đếm hàng hồ sơ"
    if report.checks:
        summary += f", {report.checks} lần kiểm tra toàn vẹn đã ghi"
    if report.account_changes:
        summary += f", {report.account_changes} dòng lịch sử tài khoản"
    if signed is not None:
        summary += f"; {signed.chains} chuỗi so với điểm kiểm chứng #{signed.checkpoint_id}"
    count = report.problem_count + (len(signed.problems) if signed else 0)
    if count:
        raise _fail(f"{summary}: {count} lỗi toàn vẹn.")
    typer.echo(f"{summary}: toàn vẹn.")


@audit_app.command("keygen")
def audit_keygen(
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Tệp khóa riêng (mặc định CASEWORK_CHECKPOINT_KEY)."),
    ] = None,
) -> None:
    """Tạo cặp khóa Ed25519 ký điểm kiểm chứng: khóa riêng (quyền 0600) và <tệp>.pub."""
    from casework.checkpoints import keys

    path = out or get_settings().checkpoint_key
    try:
        public = keys.generate(path)
    except CaseworkError as exc:
        raise _fail(exc.message) from exc
    typer.echo(f"Đã ghi khóa riêng {path} (quyền 0600) và khóa công khai {keys.public_path(path)}.")
    typer.echo(f"Dấu vân tay: {keys.grouped(keys.fingerprint(public))}")
    typer.echo(keys.public_pem(public).rstrip())


@audit_app.command("checkpoint")
def audit_checkpoint() -> None:
    """Ký một điểm kiểm chứng (gốc Merkle của mọi chuỗi nhật ký) và ghi ra thư mục cấu hình."""
    from casework.checkpoints import keys
    from casework.checkpoints import service as checkpoints

    settings = get_settings()
    with Session(_engine(), expire_on_commit=False) as session:
        try:
            row = checkpoints.take(
                session, key_path=settings.checkpoint_key, out_dir=settings.checkpoint_dir
            )
        except CaseworkError as exc:
            raise _fail(exc.message) from exc
    typer.echo(
        f"Điểm kiểm chứng #{row.id}: {row.tree_size} chuỗi nhật ký, gốc {row.root}; "
        f"tệp {settings.checkpoint_dir / row.file_name}; khóa {keys.grouped(row.key_fingerprint)}."
    )


@reports_app.command("rebuild")
def reports_rebuild() -> None:
    """Tính lại toàn bộ số liệu tổng hợp của báo cáo và số đếm của các hàng việc từ hồ sơ (sau
    khi nạp dữ liệu hàng loạt hoặc nâng cấp từ phiên bản chưa có báo cáo)."""
    from casework.dossiers import queue_index
    from casework.reports import stats

    with Session(_engine()) as session:
        filled = stats.backfill(session)
        counts = stats.rebuild(session)
        queue = queue_index.rebuild(session)
        session.commit()
    typer.echo(
        f"Đã bổ sung {filled} hồ sơ; số liệu tổng hợp: {counts['stat_dossier']} dòng hồ sơ, "
        f"{counts['stat_elapsed']} dòng thời gian giải quyết, {counts['stat_step']} dòng theo "
        f"bước; hàng việc: {queue['queue_counter']} dòng đếm ({queue['fixed']} giá trị được sửa)."
    )


@users_app.command("create")
def users_create(
    username: str,
    name: Annotated[str, typer.Option("--name", help="Họ và tên.")],
    unit: Annotated[str, typer.Option("--unit", help="Mã đơn vị, ví dụ SKHCN.HNI.")],
    role: Annotated[
        list[str], typer.Option("--role", help="Vai trò; lặp lại để có nhiều vai trò.")
    ],
    password: Annotated[
        str | None, typer.Option("--password", help="Mật khẩu (bỏ trống để nhập ẩn).")
    ] = None,
) -> None:
    """Tạo người dùng thuộc một đơn vị, với một hoặc nhiều vai trò (ghi vào lịch sử tài khoản)."""
    from casework.accounts import service as accounts
    from casework.admin import operator

    if password is None and sys.stdin.isatty():
        password = typer.prompt("Mật khẩu", hide_input=True, confirmation_prompt=True)
    with Session(_engine(), expire_on_commit=False) as session:
        try:
            user = operator.create_user(
                session,
                username=username,
                full_name=name,
                unit=accounts.get_unit(session, unit),
                roles=role,
                password=password,
            )
        except CaseworkError as exc:
            fields = "; ".join(f"{k}: {v}" for k, v in exc.details.get("fields", {}).items())
            raise _fail(f"{exc.message} {fields}".strip()) from exc
    typer.echo(f"Đã tạo người dùng {user.username} ({', '.join(user.roles)}) tại {unit}.")
    if password is None:
        typer.echo("Chưa đặt mật khẩu: tài khoản chỉ dùng được mã truy cập API (users token).")


@users_app.command("token")
def users_token(
    username: str,
    label: Annotated[str, typer.Option("--label", help="Ghi chú mã dùng cho việc gì.")] = "",
) -> None:
    """Tạo mã truy cập API cá nhân (in ra một lần; chỉ lưu mã băm; ghi vào lịch sử)."""
    from casework.accounts import service as accounts
    from casework.admin import operator

    with Session(_engine(), expire_on_commit=False) as session:
        try:
            token = operator.issue_token(
                session, user=accounts.get_user(session, username), label=label
            )
        except CaseworkError as exc:
            raise _fail(exc.message) from exc
    typer.echo(token)


@calendar_app.command("show")
def calendar_show(
    year: Annotated[int, typer.Argument(help="Năm, ví dụ 2026.")],
    calendar: Annotated[
        Path | None,
        typer.Option("--calendar", help="Chỉ dùng tệp lịch TOML này (không dùng cơ sở dữ liệu)."),
    ] = None,
    unit: Annotated[
        str | None, typer.Option("--unit", help="Lịch riêng của đơn vị (mã đơn vị).")
    ] = None,
) -> None:
    """Liệt kê ngày nghỉ và ngày làm bù trong năm, gồm cả các thay đổi quản trị đã lưu."""
    from casework.accounts import service as accounts
    from casework.dossiers.clockwork import CalendarSource

    if calendar is not None:
        clock_cli.print_year(clock_cli._load_calendar(calendar), year)
        return
    with Session(_engine()) as session:
        try:
            unit_id = accounts.get_unit(session, unit).id if unit else None
        except CaseworkError as exc:
            raise _fail(exc.message) from exc
        cal = CalendarSource().for_unit(session, unit_id)
    clock_cli.print_year(cal, year)


def _set_day(day: str, kind: str, name: str, unit: str | None, by: str) -> None:
    from casework.dossiers import calendars
    from casework.dossiers.clockwork import CalendarSource

    parsed = _parse_day(day)
    with Session(_engine(), expire_on_commit=False) as session:
        try:
            moved = calendars.set_day(
                session, day=parsed, kind=kind, name=name, unit_code=unit, by=by,  # type: ignore[arg-type]
                calendars=CalendarSource(),
            )  # fmt: skip
        except CaseworkError as exc:
            raise _fail(exc.message) from exc
    _report_moved(moved)


def _parse_day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _fail(f"Lỗi DATE: ngày phải có dạng 2026-01-02, nhận được {value!r}.", 2) from None


def _report_moved(moved) -> None:  # type: ignore[no-untyped-def]
    tz = ZoneInfo(get_settings().timezone)
    typer.echo(f"Đã lưu. {len(moved)} hồ sơ đang mở được tính lại hạn.")
    for m in moved:
        old = m.old_due.astimezone(tz).strftime("%H:%M %d/%m/%Y") if m.old_due else "—"
        typer.echo(f"  {m.code}: {old} → {m.new_due.astimezone(tz).strftime('%H:%M %d/%m/%Y')}")


UnitOpt = Annotated[
    str | None, typer.Option("--unit", help="Chỉ lịch của đơn vị này (bỏ trống: toàn quốc).")
]
ByOpt = Annotated[str, typer.Option("--by", help="Người thay đổi (ghi vào lịch sử).")]


@calendar_app.command("add-day-off")
def calendar_add_day_off(
    day: Annotated[str, typer.Argument(metavar="DATE", help="Ngày, ví dụ 2026-01-02.")],
    name: Annotated[str, typer.Option("--name", help="Tên / lý do của ngày nghỉ.")],
    unit: UnitOpt = None,
    by: ByOpt = "",
) -> None:
    """Thêm một ngày nghỉ; hạn của các hồ sơ đang mở được tính lại."""
    _set_day(day, "day_off", name, unit, by)


@calendar_app.command("add-workday")
def calendar_add_workday(
    day: Annotated[str, typer.Argument(metavar="DATE", help="Ngày, ví dụ 2026-01-10.")],
    name: Annotated[str, typer.Option("--name", help="Tên / lý do của ngày làm bù.")],
    unit: UnitOpt = None,
    by: ByOpt = "",
) -> None:
    """Thêm một ngày làm việc (ví dụ thứ Bảy làm bù); hạn các hồ sơ đang mở được tính lại."""
    _set_day(day, "workday", name, unit, by)


@calendar_app.command("remove")
def calendar_remove(
    day: Annotated[str, typer.Argument(metavar="DATE", help="Ngày, ví dụ 2026-01-02.")],
    unit: UnitOpt = None,
    by: ByOpt = "",
) -> None:
    """Bỏ một thay đổi lịch đã thêm; hạn các hồ sơ đang mở được tính lại."""
    from casework.dossiers import calendars
    from casework.dossiers.clockwork import CalendarSource

    parsed = _parse_day(day)
    with Session(_engine(), expire_on_commit=False) as session:
        try:
            moved = calendars.remove_day(
                session, day=parsed, unit_code=unit, by=by, calendars=CalendarSource()
            )
        except CaseworkError as exc:
            raise _fail(exc.message) from exc
    _report_moved(moved)


@units_app.command("create")
def units_create(
    code: Annotated[str, typer.Argument(help="Mã đơn vị, ví dụ SKHCN.HNI hoặc HNI.BADINH.")],
    name: Annotated[str, typer.Option("--name", help="Tên đơn vị.")],
    kind: Annotated[str, typer.Option("--kind", help="ministry | department | commune")],
    parent: Annotated[str | None, typer.Option("--parent", help="Mã đơn vị cấp trên.")] = None,
    province: Annotated[str | None, typer.Option("--province", help="Tỉnh/thành phố.")] = None,
) -> None:
    """Tạo một đơn vị trong cây Bộ → Sở → xã."""
    from casework.accounts import service as accounts

    with Session(_engine(), expire_on_commit=False) as session:
        try:
            parent_unit = accounts.get_unit(session, parent) if parent else None
            unit = accounts.create_unit(
                session, code=code, name=name, kind=kind, parent=parent_unit, province=province
            )
        except CaseworkError as exc:
            raise _fail(exc.message) from exc
        except ValueError:
            raise _fail("Lỗi --kind: phải là ministry, department hoặc commune.", 2) from None
    typer.echo(f"Đã tạo đơn vị {unit.code} — {unit.name}.")


@units_app.command("import")
def units_import() -> None:
    """Nhập hoặc cập nhật cây đơn vị chính thức (34 tỉnh, 3.321 xã) từ gói vietnam-provinces."""
    from casework.units import service, source

    with Session(_engine(), expire_on_commit=False) as session:
        report = service.import_tree(session, tree=source.load())
    typer.echo(
        f"Nguồn: {report.source}. Thêm {report.created}, đổi tên {report.renamed}, "
        f"chuyển tỉnh {report.moved}, gắn mã {report.linked}, không còn trong danh mục "
        f"{report.absent}, có lại {report.returned}, giữ nguyên {report.unchanged} "
        f"({report.seconds:.1f} giây)."
    )


@units_app.command("list")
def units_list() -> None:
    """Liệt kê các đơn vị theo cây."""
    from casework.accounts import service as accounts

    with Session(_engine()) as session:
        for unit in accounts.list_units(session):
            depth = unit.path.count("/") - 2
            typer.echo(f"{'  ' * depth}{unit.code}\t{unit.kind}\t{unit.name}")


@users_app.command("list")
def users_list(
    unit: Annotated[
        str | None, typer.Option("--unit", help="Chỉ người dùng của đơn vị này.")
    ] = None,
) -> None:
    """Liệt kê người dùng (tên đăng nhập, vai trò, đơn vị, trạng thái)."""
    from casework.accounts import service as accounts
    from casework.accounts.models import Unit

    with Session(_engine()) as session:
        try:
            unit_row = accounts.get_unit(session, unit) if unit else None
        except CaseworkError as exc:
            raise _fail(exc.message) from exc
        codes = {u.id: u.code for u in session.exec(select(Unit)).all()}
        for user in accounts.list_users(session, unit=unit_row):
            state = "" if user.is_active else "\tĐÃ KHÓA"
            typer.echo(
                f"{user.username}\t{','.join(user.roles)}\t{codes.get(user.unit_id, '')}"
                f"\t{user.full_name}{state}"
            )


def _set_active(username: str, active: bool) -> None:
    from casework.accounts import service as accounts
    from casework.admin import operator

    with Session(_engine(), expire_on_commit=False) as session:
        try:
            user = operator.set_active(
                session, user=accounts.get_user(session, username), active=active
            )
        except CaseworkError as exc:
            raise _fail(exc.message) from exc
    typer.echo(f"{'Đã mở khóa' if active else 'Đã khóa'} tài khoản {user.username}.")


@users_app.command("deactivate")
def users_deactivate(username: str) -> None:
    """Khóa tài khoản: đăng nhập và phiên kết thúc, mã truy cập API bị thu hồi."""
    _set_active(username, False)


@users_app.command("activate")
def users_activate(username: str) -> None:
    """Mở khóa tài khoản."""
    _set_active(username, True)


@users_app.command("revoke-tokens")
def users_revoke_tokens(username: str) -> None:
    """Thu hồi mọi mã truy cập API của một người dùng (ghi vào lịch sử tài khoản)."""
    from casework.accounts import service as accounts
    from casework.admin import operator

    with Session(_engine(), expire_on_commit=False) as session:
        try:
            count = operator.revoke_tokens(session, user=accounts.get_user(session, username))
        except CaseworkError as exc:
            raise _fail(exc.message) from exc
    typer.echo(f"Đã thu hồi {count} mã truy cập của {username}.")


@workflows_app.command("diff")
def workflows_diff(
    code: Annotated[str, typer.Argument(help="Mã thủ tục, ví dụ 2.002131.")],
    v1: Annotated[int, typer.Argument(help="Phiên bản cũ.")],
    v2: Annotated[int, typer.Argument(help="Phiên bản mới.")],
) -> None:
    """So sánh hai phiên bản đã công bố của một thủ tục. Tệp đã sửa trong thư mục workflows không
    thành phiên bản mới ở đây: nó được nhập thành bản nháp của xưởng thủ tục (như khi khởi động)."""
    from casework.dossiers.catalog import procedure_of_version, stored_version
    from casework.procedures import ProcedureRegistry
    from casework.procedures.diff import diff
    from casework.workshop.startup import sync_repository

    settings = get_settings()
    with Session(_engine()) as session:
        try:
            sync_repository(
                session,
                ProcedureRegistry.from_directory(settings.workflows_dir).all(),
                settings.workflows_dir,
            )
            old = procedure_of_version(stored_version(session, code, v1))
            new = procedure_of_version(stored_version(session, code, v2))
        except CaseworkError as exc:
            raise _fail(exc.message) from exc
    changes = diff(old, new)
    typer.echo(f"{code}: phiên bản {v1} → {v2}")
    for line in changes or ["Không có thay đổi."]:
        typer.echo(f"  {line}")


def main() -> None:
    try:
        get_settings()
    except ValueError as exc:  # pydantic's ValidationError: a bad CASEWORK_* variable
        typer.echo(f"Cấu hình sai (biến môi trường CASEWORK_*):\n{exc}", err=True)
        raise SystemExit(1) from None
    app()


@app.command("backup")
def backup_command(
    dest_dir: Annotated[Path, typer.Argument(help="Thư mục chứa các bản sao lưu.")],
) -> None:
    """Sao lưu cơ sở dữ liệu và tệp đính kèm vào một thư mục mới casework-backup-<thời điểm>
    (SQLite: sao chép trực tuyến, an toàn khi ứng dụng đang ghi; PostgreSQL: pg_dump)."""
    from casework import backup

    settings = get_settings()
    try:
        done = backup.backup(
            settings.database_url,
            settings.upload_dir,
            dest_dir,
            sqlite_timeout=settings.sqlite_timeout,
        )
    except backup.BackupError as exc:
        raise _fail(f"Sao lưu thất bại: {exc.message}\nKhông có bản sao lưu nào được tạo.") from exc
    counts, revision = done.manifest["counts"], done.manifest["alembic_revision"]
    uploads = sum(1 for f in done.manifest["files"] if f["path"].startswith("uploads/"))
    typer.echo(
        f"Đã sao lưu vào {done.path}\n"
        f"  cơ sở dữ liệu {done.manifest['backend']}, phiên bản {revision}: "
        f"{counts['dossiers']} hồ sơ, {counts['events']} dòng nhật ký, "
        f"{counts['attachments']} tệp đính kèm\n"
        f"  {uploads} tệp trong thư mục tải lên; mã SHA-256 của mọi tệp ở manifest.json"
    )


@app.command("restore")
def restore_command(
    src: Annotated[Path, typer.Argument(help="Thư mục bản sao lưu (casework-backup-…).")],
    force: Annotated[
        bool,
        typer.Option("--force", help="Ghi đè cơ sở dữ liệu và thư mục tệp đính kèm đã có dữ liệu."),
    ] = False,
) -> None:
    """Khôi phục một bản sao lưu vào CASEWORK_DATABASE_URL và CASEWORK_UPLOAD_DIR (dừng ứng dụng
    trước). Kiểm tra mã SHA-256 của mọi tệp trước khi ghi."""
    from casework import backup

    settings = get_settings()
    try:
        done = backup.restore(
            src,
            settings.database_url,
            settings.upload_dir,
            force=force,
            sqlite_timeout=settings.sqlite_timeout,
        )
    except backup.BackupError as exc:
        raise _fail(f"Khôi phục thất bại: {exc.message}") from exc
    counts = done.counts
    typer.echo(
        f"Đã khôi phục vào {done.database}: {counts['dossiers']} hồ sơ, "
        f"{counts['events']} dòng nhật ký, {counts['attachments']} tệp đính kèm (khớp manifest).\n"
        f"Tệp đính kèm: {done.upload_dir}"
    )
    if done.previous_uploads is not None:
        typer.echo(f"Thư mục tệp đính kèm cũ được giữ ở {done.previous_uploads}")
    typer.echo("Bước tiếp theo: chạy `casework audit verify` để kiểm tra chuỗi nhật ký.")
