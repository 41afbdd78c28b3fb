"""The calendar sources' part of the access matrix (`tests/security/test_access_matrix.py`): the
builders of confirming a day's basis and removing a package day for `unsafe_requests.BUILDERS`,
each on a day of its own."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session, select

from casework.accounts.models import User
from casework.admin import calendar_service, service
from casework.clock.calendar import _vn_year
from casework.dossiers.models import CalendarOverride
from casework.dossiers.service import default_calendars

#: weekday days off the `holidays` package alone gives (no calendar file covers these years)
PACKAGE_DAYS = [
    date.fromordinal(o)
    for year in range(2031, 2061)
    for o in sorted(_vn_year(year)[0])
    if date.fromordinal(o).weekday() < 5
]


def _row(db: Session, scope: str, day: date) -> CalendarOverride | None:
    return db.exec(
        select(CalendarOverride).where(CalendarOverride.scope == scope, CalendarOverride.day == day)
    ).first()


def confirm_day(k: Any, who: User, mode: str) -> Any:
    """An admin's own unit's day stored without a basis, confirmed."""
    from tests.security.unsafe_requests import Sent

    day = date.fromordinal(date(2032, 3, 1).toordinal() + next(k.counter))
    scope = k.unit_of(who).code
    calendar_service.set_day(
        k.session, service.scope_of(k.session, who), default_calendars(),
        {"day": day.isoformat(), "kind": "day_off", "name": "Nghỉ chưa có căn cứ", "scope": "unit"},
    )  # fmt: skip

    def stored(db: Session, r: Any) -> str:
        row = _row(db, scope, day)
        ok = row is not None and row.instrument.startswith("Quyết định số 5/QĐ-UBND")
        return "" if ok and row.confirmed_by == who.username else "the basis is not stored"

    form = {"day": day.isoformat(), "scope": "unit",
            "instrument": "Quyết định số 5/QĐ-UBND ngày 01/02/2032", "source": "Quyết định"}  # fmt: skip
    return Sent("/admin/calendar/days/confirm", form, status=200, stored=stored)


def reject_day(k: Any, who: User, mode: str) -> Any:
    """A day of the package removed from the national calendar (the ministry's admin)."""
    from tests.security.unsafe_requests import Sent

    day = PACKAGE_DAYS[next(k.counter) % len(PACKAGE_DAYS)]
    while _row(k.session, "*", day) is not None:  # used by an earlier request
        day = PACKAGE_DAYS[next(k.counter) % len(PACKAGE_DAYS)]

    def stored(db: Session, r: Any) -> str:
        row = _row(db, "*", day)
        ok = row is not None and row.kind == "workday" and row.instrument == "Không có văn bản"
        return "" if ok else "the package day is not removed"

    form = {"day": day.isoformat(), "reason": "Không có văn bản"}
    return Sent("/admin/calendar/days/reject", form, status=200, stored=stored)


BUILDERS = {
    ("POST", "/admin/calendar/days/confirm"): confirm_day,
    ("POST", "/admin/calendar/days/reject"): reject_day,
}
