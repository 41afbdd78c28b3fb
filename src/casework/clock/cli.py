"""`casework clock …` and `casework calendar …` (read-only; the database commands come later).

`casework clock due` is called by other tools: one JSON object on stdout, exit code 2 with a
one-line message on stderr naming the bad argument.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from casework.clock.calendar import (
    WEEKDAY_VI,
    CalendarFileError,
    WorkCalendar,
    default_calendar,
    fmt_date,
)
from casework.clock.deadlines import LimitUnit, Pause, compute_due, finished_bucket

clock_app = typer.Typer(help="Tính thời hạn giải quyết theo lịch làm việc.", no_args_is_help=True)
calendar_app = typer.Typer(help="Lịch làm việc: ngày nghỉ, ngày làm bù.", no_args_is_help=True)


@clock_app.callback()
def _clock() -> None:
    """Tính thời hạn giải quyết (thời hạn pháp định) của hồ sơ."""


@calendar_app.callback()
def _calendar() -> None:
    """Xem lịch làm việc."""


def _bad(argument: str, problem: str) -> NoReturn:
    typer.echo(f"Lỗi {argument}: {problem}", err=True)
    raise typer.Exit(code=2)


def _parse_instant(argument: str, value: str, cal: WorkCalendar) -> datetime:
    try:
        t = datetime.fromisoformat(value.strip())
    except ValueError:
        _bad(argument, f"không phải thời điểm ISO 8601 hợp lệ: {value!r}")
    if t.tzinfo is None:
        t = t.replace(tzinfo=cal.tz)
    return t


def _load_calendar(path: Path | None) -> WorkCalendar:
    try:
        return WorkCalendar.from_toml(path) if path is not None else default_calendar()
    except CalendarFileError as exc:
        _bad("--calendar", exc.message.replace("\n", " "))


CalendarOpt = Annotated[
    Path | None,
    typer.Option(
        "--calendar",
        help="Tệp lịch TOML (chỉ dùng tệp này và base của nó). Mặc định: lịch của dự án.",
    ),
]


@clock_app.command("due")
def due(
    received: Annotated[
        str | None,
        typer.Option(help="Thời điểm nhận hồ sơ, ISO 8601; không có múi giờ = giờ Việt Nam."),
    ] = None,
    limit: Annotated[str | None, typer.Option(help="Thời hạn N (số, có thể lẻ).")] = None,
    unit: Annotated[str | None, typer.Option(help="working_days | days | hours")] = None,
    calendar: CalendarOpt = None,
    pause: Annotated[
        list[str] | None,
        typer.Option(help="Khoảng tạm dừng START/END (ISO); END trống = đang tạm dừng."),
    ] = None,
    finished: Annotated[
        str | None, typer.Option(help="Thời điểm kết thúc xử lý (để xếp loại).")
    ] = None,
    supplement_requests: Annotated[
        str | None, typer.Option(help="Số lần yêu cầu bổ sung hồ sơ.")
    ] = None,
) -> None:
    """Tính hạn giải quyết; in một đối tượng JSON."""
    if received is None:
        _bad("--received", "thiếu thời điểm nhận hồ sơ")
    if limit is None:
        _bad("--limit", "thiếu thời hạn")
    if unit is None:
        _bad("--unit", "thiếu đơn vị (working_days | days | hours)")
    try:
        limit_unit = LimitUnit(unit)
    except ValueError:
        _bad("--unit", f"phải là working_days, days hoặc hours, không phải {unit!r}")
    try:
        n = float(limit.replace(",", "."))
    except ValueError:
        _bad("--limit", f"không phải số: {limit!r}")
    if not n >= 0 or n == float("inf"):
        _bad("--limit", f"phải là số không âm: {limit!r}")
    if limit_unit is LimitUnit.DAYS and n != int(n):
        _bad("--limit", "thời hạn theo ngày (days) phải là số nguyên")
    k = 0
    if supplement_requests is not None:
        try:
            k = int(supplement_requests)
        except ValueError:
            k = -1
        if k < 0:
            _bad("--supplement-requests", f"phải là số nguyên không âm: {supplement_requests!r}")
    cal = _load_calendar(calendar)
    t0 = _parse_instant("--received", received, cal)
    pauses: list[Pause] = []
    for raw in pause or []:
        if raw.count("/") != 1:
            _bad("--pause", f"phải có dạng START/END: {raw!r}")
        a, b = raw.split("/")
        start = _parse_instant("--pause", a, cal)
        end = _parse_instant("--pause", b, cal) if b.strip() else None
        if end is not None and end < start:
            _bad("--pause", f"kết thúc trước khi bắt đầu: {raw!r}")
        pauses.append(Pause(start, end))
    end_time = _parse_instant("--finished", finished, cal) if finished is not None else None
    now = datetime.now(cal.tz)
    result = compute_due(t0, n, limit_unit, cal, pauses=pauses, now=now)
    out: dict[str, object] = {
        "effective_receipt_day": result.effective_receipt_day.isoformat(),
        "due": result.due.isoformat(timespec="seconds"),
        "paused_working_minutes": result.paused_working_minutes,
    }
    if end_time is not None:
        out["bucket"] = finished_bucket(
            result.due, end_time, supplement_requests=k, calendar=cal
        ).value
    out["trace"] = list(result.trace)
    typer.echo(json.dumps(out, ensure_ascii=False, indent=2))


@calendar_app.command("show")
def show(
    year: Annotated[int, typer.Argument(help="Năm, ví dụ 2026.")],
    calendar: CalendarOpt = None,
) -> None:
    """Liệt kê ngày nghỉ và ngày làm bù (cuối tuần đi làm) trong năm."""
    print_year(_load_calendar(calendar), year)


def print_year(cal: WorkCalendar, year: int) -> None:
    """Print the days off and the working weekend days of `year` (shared with the app's CLI)."""
    if not 1900 <= year <= 2200:
        _bad("YEAR", f"năm ngoài khoảng 1900–2200: {year}")
    days = cal.special_days(year)
    typer.echo(f"{cal.name} — năm {year}")
    typer.echo("Ngày nghỉ:")
    for d in days:
        if not d.working:
            typer.echo(f"  {fmt_date(d.date)}  {WEEKDAY_VI[d.date.weekday()]:<9} {d.name}")
    worked = [d for d in days if d.working]
    typer.echo("Ngày làm việc bù (cuối tuần đi làm):" if worked else "Không có ngày làm bù.")
    for d in worked:
        typer.echo(f"  {fmt_date(d.date)}  {WEEKDAY_VI[d.date.weekday()]:<9} {d.name}")
