"""What review tells people in their notifications (computed on read, like every notification):

- a **trainee** is told of mentors' comments, scores and verdicts on runs they worked on
  (`trainee_notes`);
- a **mentor** is told of trainees' replies in the threads of practice runs they reviewed (a
  comment by an officer who worked on the run, on a run of the mentor's units where the mentor
  commented, scored or gave a verdict: `mentor_replies`), linking to the thread;
- a **mentor** is reminded of submitted runs of their units that have waited more than
  `REMIND_AFTER_DAYS` working days for a verdict (`mentor_reminders`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, func
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from casework.accounts.models import Role, Unit, User
from casework.dossiers import access
from casework.dossiers.clockwork import CalendarSource
from casework.dossiers.models import Dossier, Event, Mode
from casework.reviews.models import ReviewKind
from casework.reviews.runs import MENTOR_KINDS, WORK_KINDS
from casework.reviews.waiting import (
    REMIND_AFTER_DAYS,
    waited_days,
    waited_more_than,
    waiting_submission,
    working_cutoff,
)


@dataclass(frozen=True)
class ReviewNote:
    """A mentor's comment, score or verdict on a dossier the user worked on."""

    event: Event
    dossier: Dossier
    new: bool


def trainee_clause(user: User) -> Any:
    """Review events by someone else on dossiers where `user` opened or acted."""
    mine = aliased(Event)
    return and_(
        col(Event.kind).in_([k.value for k in ReviewKind]),
        col(Event.actor_id) != user.id,
        exists().where(
            col(mine.dossier_id) == col(Event.dossier_id),
            col(mine.actor_id) == user.id,
            col(mine.kind).in_(WORK_KINDS),
        ),
    )


def trainee_notes(
    session: Session,
    *,
    user: User,
    visible: Any,
    seen_at: datetime | None,
    limit: int = 50,
) -> tuple[list[ReviewNote], int, int]:
    """The latest review events for the user (up to `limit`), their total, and how many are new
    (after `seen_at`). `visible` is the user's `access.visible_filter`."""
    where = [trainee_clause(user), visible]
    base = select(Event, Dossier).join(Dossier, col(Dossier.id) == Event.dossier_id).where(*where)
    rows = session.exec(base.order_by(col(Event.at).desc(), col(Event.id).desc()).limit(limit))
    notes = [ReviewNote(e, d, seen_at is None or e.at > seen_at) for e, d in rows.all()]
    count = (
        select(func.count()).select_from(Event).join(Dossier, col(Dossier.id) == Event.dossier_id)
    )
    total = int(session.exec(count.where(*where)).one())
    new = (
        total
        if seen_at is None
        else int(session.exec(count.where(*where, col(Event.at) > seen_at)).one())
    )
    return notes, total, new


# ---- the mentor's replies ---------------------------------------------------------------------


def reply_clause(user: User) -> Any:
    """Comments by someone other than `user` who worked on the run (its trainees), on dossiers
    where `user` commented, scored or gave a verdict."""
    mine = aliased(Event)
    work = aliased(Event)
    return and_(
        col(Event.kind) == ReviewKind.comment.value,
        col(Event.actor_id) != user.id,
        exists().where(
            col(mine.dossier_id) == col(Event.dossier_id),
            col(mine.actor_id) == user.id,
            col(mine.kind).in_(sorted(MENTOR_KINDS)),
        ),
        exists().where(
            col(work.dossier_id) == col(Event.dossier_id),
            col(work.actor_id) == col(Event.actor_id),
            col(work.kind).in_(WORK_KINDS),
        ),
    )


def mentor_replies(
    session: Session, *, user: User, seen_at: datetime | None, limit: int = 50
) -> tuple[list[ReviewNote], int, int]:
    """Trainees' replies on the practice runs of the mentor's units they reviewed: the latest (up
    to `limit`), their total, and how many are new (after `seen_at`)."""
    if not user.is_active or not user.has_role(Role.mentor):
        return [], 0, 0
    where = [reply_clause(user), access.mentor_filter(user), col(Dossier.mode) == Mode.practice]
    return _notes(session, where, seen_at, limit)


def _notes(
    session: Session, where: list[Any], seen_at: datetime | None, limit: int
) -> tuple[list[ReviewNote], int, int]:
    count = (
        select(func.count()).select_from(Event).join(Dossier, col(Dossier.id) == Event.dossier_id)
    )
    total = int(session.exec(count.where(*where)).one())
    new = (
        total
        if seen_at is None
        else int(session.exec(count.where(*where, col(Event.at) > seen_at)).one())
    )
    if not total or limit <= 0:
        return [], total, new
    base = select(Event, Dossier).join(Dossier, col(Dossier.id) == Event.dossier_id).where(*where)
    rows = session.exec(base.order_by(col(Event.at).desc(), col(Event.id).desc()).limit(limit))
    return [ReviewNote(e, d, seen_at is None or e.at > seen_at) for e, d in rows.all()], total, new


# ---- the mentor's reminders -------------------------------------------------------------------


@dataclass(frozen=True)
class Reminder:
    """A submitted run of the mentor's units waiting more than `REMIND_AFTER_DAYS` working days.
    New when it crossed that line after the mentor last marked notifications as seen."""

    dossier: Dossier
    submitted: Event
    trainee: User | None
    unit: Unit | None
    waited: float
    new: bool


def mentor_reminders(
    session: Session,
    *,
    user: User,
    calendars: CalendarSource,
    now: datetime,
    seen_at: datetime | None,
    limit: int = 50,
) -> tuple[list[Reminder], int, int]:
    """The runs (oldest submission first, up to `limit`), their total, and how many are new.

    Computed on read, nothing stored: a run is one entry for as long as it waits, whatever the
    number of visits, and it is "new" once — from the instant it passes two working days until
    the mentor marks notifications as seen (a later submission of the same run, after a redo,
    waits anew). Every mentor assigned to the run's unit (or above) is reminded."""
    if not user.is_active or not user.has_role(Role.mentor):
        return [], 0, 0
    days = REMIND_AFTER_DAYS
    since = col(Dossier.waiting_since)  # the waiting submission's instant, kept on the dossier
    where = [
        access.mentor_filter(user),
        col(Dossier.mode) == Mode.practice,
        since.is_not(None),
        waited_more_than(session, calendars, since, days, now),
    ]
    count = select(func.count()).select_from(Dossier)
    total = int(session.exec(count.where(*where)).one())
    if seen_at is None:
        new = total
    else:
        then = waited_more_than(session, calendars, since, days, seen_at)
        new = int(session.exec(count.where(*where, ~then)).one())
    if not total or limit <= 0:
        return [], total, new
    sub, on = waiting_submission()  # (its event, for the trainee: only the rows shown)
    rows = session.exec(
        select(Dossier, sub)
        .join(sub, on)
        .where(*where)
        .order_by(since, col(Dossier.id))
        .limit(limit)
    ).all()
    people = {r[1].actor_id for r in rows}
    users = {u.id: u for u in session.exec(select(User).where(col(User.id).in_(people))).all()}
    unit_ids = {r[0].handling_unit_id for r in rows}
    units = {u.id: u for u in session.exec(select(Unit).where(col(Unit.id).in_(unit_ids))).all()}
    out = []
    for d, ev in rows:
        cal = calendars.for_unit(session, d.handling_unit_id)
        fresh = seen_at is None or ev.at >= working_cutoff(cal, seen_at, days)
        out.append(
            Reminder(
                dossier=d,
                submitted=ev,
                trainee=users.get(ev.actor_id),
                unit=units.get(d.handling_unit_id),
                waited=waited_days(cal, ev.at, now),
                new=fresh,
            )
        )
    return out, total, new
