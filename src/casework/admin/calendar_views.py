"""The admin's calendar page (/admin/calendar) and its changes.

Thin views over `admin.calendar_service`. Every change answers with the page itself (no
redirect), because its result is the list of open dossiers whose due moved; a rejected form is
shown again (422) with what was typed and the reason next to each field, in the row it was sent
from. htmx swaps the `calendar` block.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlmodel import Session

from casework.accounts.models import User
from casework.admin import calendar_service as cal_service
from casework.admin import service
from casework.admin.pages import base, texts
from casework.clock.calendar import fmt_date
from casework.db import utcnow
from casework.dossiers import calendars
from casework.dossiers.clockwork import CalendarSource
from casework.errors import NotFound, ValidationFailed
from casework.ids import parse_int
from casework.web.auth import PageUser, verify_csrf
from casework.web.deps import CalendarsDep, SessionDep, TzDep
from casework.web.templating import is_htmx, render

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])

Change = Callable[..., list[calendars.Moved]]


def _calendar_page(
    request: Request,
    session: Session,
    scope: service.Scope,
    admin: User,
    source: CalendarSource,
    tz: ZoneInfo,
    year: int,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    target: tuple[str, str] | None = None,
    moved: list[calendars.Moved] | None = None,
    message: str | None = None,
    message_kind: str = "notice",
    status_code: int = 200,
) -> Response:
    this_year = utcnow().astimezone(tz).year
    years = list(range(min(year, this_year) - 1, max(year, this_year) + 3))
    rows = cal_service.calendar_rows(session, scope, source, year)
    add_values = values if values is not None and target is None else {}
    context = {
        **base(scope, "calendar"),
        "year": year,
        "years": years,
        "rows": rows,
        "unconfirmed": [r for r in rows if not r.confirmed],
        "other_years": {
            y: n
            for y, n in cal_service.unconfirmed_years(session, scope, source, years).items()
            if y != year
        },
        "national": scope.national,
        "values": add_values or {"kind": "day_off", "scope": "unit"},
        # the confirm / reject form of one row that was sent back: (day, "confirm" | "reject")
        "target": target,
        "row_values": values if target is not None else {},
        "errors": errors or {},
        "moved": moved,
        "message": message,
        "message_kind": message_kind,
        "kind_labels": calendars.KIND_LABELS,
    }
    blocks = ["calendar"] if is_htmx(request) else None
    return render(
        request,
        "admin/calendar.html",
        context,
        user=admin,
        status_code=status_code,
        block_names=blocks,
    )


@router.get("/admin/calendar")
def calendar_page(
    request: Request,
    session: SessionDep,
    user: PageUser,
    calendars_: CalendarsDep,
    tz: TzDep,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
) -> Response:
    scope = service.scope_of(session, user)
    year = year or utcnow().astimezone(tz).year
    return _calendar_page(request, session, scope, user, calendars_, tz, year)


def _year_of(values: dict[str, Any], tz: ZoneInfo) -> int:
    try:
        return date.fromisoformat(str(values.get("day", ""))).year
    except ValueError:
        year = parse_int(str(values.get("year", "")), 2000, 2100)
        return year if year is not None else utcnow().astimezone(tz).year


def _moved_message(moved: list[calendars.Moved], what: str) -> str:
    if not moved:
        return f"{what} Không hồ sơ đang giải quyết nào đổi hạn."
    return f"{what} {len(moved)} hồ sơ đang giải quyết đã được tính lại hạn (xem danh sách)."


def _day_text(values: dict[str, Any]) -> str:
    return fmt_date(date.fromisoformat(str(values["day"]).strip()))


async def _change(
    request: Request,
    session: Session,
    user: User,
    source: CalendarSource,
    tz: ZoneInfo,
    change: Change,
    done: Callable[[dict[str, Any]], str],
    *,
    form: str | None = None,
) -> Response:
    """Read the form, make the change (one transaction), answer with the page: the moved
    dossiers, or the form again with its errors (`form`: the row form it came from)."""
    scope = service.scope_of(session, user)
    values = texts(await request.form())
    year = _year_of(values, tz)
    try:
        moved = change(session, scope, source, values)
    except (ValidationFailed, NotFound) as exc:
        session.rollback()
        fields = exc.fields if isinstance(exc, ValidationFailed) else {}
        target = (str(values.get("day", "")).strip(), form) if form else None
        return _calendar_page(
            request, session, scope, user, source, tz, year, values=values, errors=fields,
            target=target, message=exc.message, message_kind="error", status_code=422,
        )  # fmt: skip
    return _calendar_page(
        request, session, scope, user, source, tz, year, moved=moved,
        message=_moved_message(moved, done(values)),
    )  # fmt: skip


@router.post("/admin/calendar/days")
async def add_day(
    request: Request, session: SessionDep, user: PageUser, calendars_: CalendarsDep, tz: TzDep
) -> Response:
    def done(v: dict[str, Any]) -> str:
        return f"Đã lưu {calendars.KIND_LABELS[v['kind']]} {_day_text(v)}."

    return await _change(request, session, user, calendars_, tz, cal_service.set_day, done)


@router.post("/admin/calendar/days/remove")
async def remove_day(
    request: Request, session: SessionDep, user: PageUser, calendars_: CalendarsDep, tz: TzDep
) -> Response:
    def done(v: dict[str, Any]) -> str:
        return "Đã bỏ thay đổi lịch của ngày này."

    return await _change(request, session, user, calendars_, tz, cal_service.remove_day, done)


@router.post("/admin/calendar/days/confirm")
async def confirm_day(
    request: Request, session: SessionDep, user: PageUser, calendars_: CalendarsDep, tz: TzDep
) -> Response:
    def done(v: dict[str, Any]) -> str:
        return f"Đã xác nhận căn cứ của ngày {_day_text(v)}."

    return await _change(
        request, session, user, calendars_, tz, cal_service.confirm_day, done, form="confirm"
    )


@router.post("/admin/calendar/days/reject")
async def reject_day(
    request: Request, session: SessionDep, user: PageUser, calendars_: CalendarsDep, tz: TzDep
) -> Response:
    def done(v: dict[str, Any]) -> str:
        return f"Đã bỏ ngày {_day_text(v)} khỏi lịch nghỉ."

    return await _change(
        request, session, user, calendars_, tz, cal_service.reject_day, done, form="reject"
    )
