"""The dossiers still in progress at the end of a report's period, and what state they are in.

A report row reconciles (DESIGN §5, issue 14):

    to handle = carried over from before the period + received in the period
              = finished in the period + in progress at the end of the period
    in progress = clock not started + overdue + paused + due soon + on track

The end of the period is the instant `at` = min(now, end of the last month): for a period that
reaches today it is now, and the states are the live ones (the open dossiers' columns, on the
partial index of open dossiers); for a past period they are read back at its end from the
dossier columns and the pause ledger.

The five parts are disjoint, in this order: a dossier whose clock has not started yet (waiting
for completeness or for the fee, `clock_starts: on_fee_paid` …) has no deadline and is only
"clock not started"; then overdue (also when paused after the due, or after more than one
supplement request, Decision 766); then paused; then due soon (at most one working day left);
the rest is on track.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlmodel import Session, col

from casework.clock import WorkCalendar, compute_due
from casework.dossiers.models import ClockPause, Dossier

#: the parts of "in progress", in the order of the report's columns
PARTS = ("on_track", "due_soon", "overdue", "paused", "not_started")


def due_soon_limit(now: datetime, cal: WorkCalendar) -> datetime:
    """An open dossier is due soon when at most one working day of working time remains
    (DESIGN §5): its due falls at or before this instant."""
    return compute_due(now, cal.day_minutes / 60, "hours", cal, explain=False).due


def reference(end: datetime, now: datetime) -> tuple[datetime, bool]:
    """The instant the in-progress states are read at (the period's end, or now if sooner) and
    whether that is now."""
    return (now, True) if now <= end else (end, False)


def clauses(at: datetime, *, current: bool, cal: WorkCalendar) -> dict[str, ColumnElement[bool]]:
    """ "open" (in progress at `at`) and each part of it; `current` when `at` is now."""
    ended = col(Dossier.processing_ended_at)
    started = col(Dossier.clock_started_at)
    due = col(Dossier.due_at)
    pause_start: Any
    open_: ColumnElement[bool]
    not_started: ColumnElement[bool]
    if current:
        open_ = ended.is_(None)
        not_started = started.is_(None) | due.is_(None)
        pause_start = col(Dossier.paused_since)
    else:
        open_ = (col(Dossier.received_at) < at) & (ended.is_(None) | (ended >= at))
        not_started = started.is_(None) | due.is_(None) | (started >= at)
        pause_start = (
            select(func.min(col(ClockPause.started_at)))
            .where(
                col(ClockPause.dossier_id) == col(Dossier.id),
                col(ClockPause.started_at) < at,
                or_(col(ClockPause.ended_at).is_(None), col(ClockPause.ended_at) >= at),
            )
            .scalar_subquery()
        )
    paused = pause_start.is_not(None)
    # a paused dossier's clock stands still: it is overdue if it already was when it stopped
    overdue = (due < func.coalesce(pause_start, at)) | (col(Dossier.supplement_requests) > 1)
    soon = due <= due_soon_limit(at, cal)
    running = open_ & ~not_started
    return {
        "open": open_,
        "not_started": open_ & not_started,
        "overdue": running & overdue,
        "paused": running & ~overdue & paused,
        "due_soon": running & ~overdue & ~paused & soon,
        "on_track": running & ~overdue & ~paused & ~soon,
    }


def in_progress(
    session: Session,
    where: list[ColumnElement[bool]],
    key: Any,
    at: datetime,
    *,
    current: bool,
    cal: WorkCalendar,
) -> dict[Any, dict[str, int]]:
    """The dossiers in progress at `at` matching `where`, by `key`: how many in each part."""
    parts = clauses(at, current=current, cal=cal)
    query = (
        select(key.label("k"), *(func.count().filter(parts[p]).label(p) for p in PARTS))
        .where(*where, parts["open"])
        .group_by(key)
    )
    return {r.k: {p: int(getattr(r, p)) for p in PARTS} for r in session.execute(query)}
