"""How long a submitted run has waited for a verdict, in working days of its unit's calendar.

A run handled by a unit waits on that unit's calendar (`CalendarSource.for_unit`: the national
calendar plus the unit's own days off and working Saturdays), office time only: a run submitted
on Friday at 16:00 has waited 2 working days at 16:00 on Tuesday, not 4 days.

"Waited more than N working days" is a WHERE clause on the submission's instant, so the queue
filter, the reminders and their counts are SQL and page like any list: for each calendar in use,
the *cutoff* is the instant before which a submission has more than N working days behind it
(`working_cutoff`). Units with calendar days of their own get their own cutoff; every other unit
shares the national one.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, exists, false, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from casework.accounts.models import Unit
from casework.clock import WorkCalendar, remaining_working_minutes
from casework.dossiers.clockwork import NATIONAL_SCOPE, CalendarSource
from casework.dossiers.models import CalendarOverride, Dossier, Event
from casework.reviews.runs import SUBMITTED, WITHDRAWN

#: A submitted run waiting longer than this (working days) reminds its mentors.
REMIND_AFTER_DAYS = 2
#: Looking back further than this finds no more working time (a calendar always has some).
_MAX_DAYS_BACK = 3660


def working_cutoff(cal: WorkCalendar, now: datetime, days: float) -> datetime:
    """The instant T such that a start strictly before T has more than `days` working days
    (× the calendar's working minutes a day) of office time up to `now`, and a start at or after
    T has no more than that. When the count runs out exactly at the opening of an office window,
    T is the end of the previous window (the time between does not count)."""
    need = float(days * cal.day_minutes * 60)  # seconds of office time
    local = now.astimezone(cal.tz)
    day = local.date()
    limit = local.hour * 3600 + local.minute * 60 + local.second + local.microsecond / 1e6
    for _ in range(_MAX_DAYS_BACK):
        if cal.is_working_day(day):
            midnight = datetime.combine(day, time(0), tzinfo=cal.tz)
            for start_min, end_min in reversed(cal.office_hours):
                start, end = start_min * 60, min(end_min * 60, limit)
                if end <= start:
                    continue
                if need <= 0:  # used up exactly at the opening of the window after this one
                    return midnight + timedelta(seconds=end)
                if end - start > need:
                    return midnight + timedelta(seconds=end - need)
                need -= end - start
        day -= timedelta(days=1)
        limit = 86400
    raise ValueError("lịch không có đủ thời gian làm việc trong mười năm qua")


def waited_days(cal: WorkCalendar, since: datetime, now: datetime) -> float:
    """Working days from `since` to `now` (office time, whole minutes)."""
    return remaining_working_minutes(now, since, cal) / cal.day_minutes


def own_calendar_units(session: Session) -> list[int]:
    """Ids of the units with calendar days of their own."""
    scopes = select(CalendarOverride.scope).where(CalendarOverride.scope != NATIONAL_SCOPE)
    return [
        uid
        for uid in session.exec(select(Unit.id).where(col(Unit.code).in_(scopes.distinct()))).all()
        if uid is not None
    ]


def waited_more_than(
    session: Session, calendars: CalendarSource, at: Any, days: float, now: datetime
) -> Any:
    """A WHERE clause: the instant column `at` (of a dossier's event, or the dossier's
    `waiting_since`) is more than `days` working days before `now` on the calendar of the
    dossier's handling unit."""
    own = own_calendar_units(session)
    national = working_cutoff(calendars.for_unit(session, None), now, days)
    shared = col(at) < national
    if own:
        shared = and_(col(Dossier.handling_unit_id).not_in(own), shared)
    parts = [shared]
    for unit_id in own:
        cutoff = working_cutoff(calendars.for_unit(session, unit_id), now, days)
        parts.append(and_(col(Dossier.handling_unit_id) == unit_id, col(at) < cutoff))
    return or_(*parts) if parts else false()


def waiting_submission() -> tuple[Any, Any]:
    """(alias, join condition): the dossier's latest submission that no verdict (nor its
    withdrawal) followed — one row for a run waiting for a verdict, none for any other."""
    sub = aliased(Event)
    newer = aliased(Event)
    condition = and_(
        col(sub.dossier_id) == col(Dossier.id),
        col(sub.kind) == SUBMITTED,
        ~exists().where(
            col(newer.dossier_id) == col(sub.dossier_id),
            col(newer.kind).in_((SUBMITTED, WITHDRAWN, "review")),
            col(newer.seq) > col(sub.seq),
        ),
    )
    return sub, condition
