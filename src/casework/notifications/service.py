"""In-app notifications (no e-mail) for a signed-in staff member.

What a user is told about, always limited to dossiers they may see (`visible_filter`):

- **overdue** and **due soon** dossiers of *their own unit* (received or handled there), with the
  work-queue clauses of `dossiers.queries` and `soon` = one working day from now on the unit's
  calendar — the same numbers as the queue tabs;
- **waiting for me**: the "mine" queue (open dossiers whose current step one of their roles works).

"Seen" is one instant per user (`NotificationSeen.seen_at`), set when the user presses "Đánh dấu
đã xem". The badge counts the distinct dossiers that became relevant *after* that instant:

- overdue since: ``due_at > seen_at`` (it was not yet overdue when they looked);
- due soon since: ``due_at > soon(seen_at)`` (it was not yet within one working day then);
- arrived since: ``step_entered_at > seen_at`` (it entered its current step after they looked).

- **comments and verdicts** (mentor review): a mentor's comment, checklist score or verdict on a
  dossier the user opened or acted on (`reviews.notes.trainee_notes`); new when written after
  ``seen_at``. The badge adds these events to the dossiers above.
- **replies** (mentors): a trainee's reply in the thread of a practice run the mentor reviewed
  (`reviews.notes.mentor_replies`), linking to the thread; new when written after ``seen_at``.
- **reminders** (mentors): practice runs of their units submitted for review that have waited
  more than two working days for a verdict (`reviews.notes.mentor_reminders`, the unit's
  calendar); new when the run passed two working days after ``seen_at``. Computed here on read
  like everything else, so nothing is sent twice: a run is one line while it waits.

A dossier that is both overdue and waiting for the user counts once. Someone who never marked
anything as seen has everything counted. Viewing the page does not mark it seen by itself: the
button does, and it carries the instant the page was drawn, so what arrived meanwhile stays new.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from casework.accounts.models import Unit, User
from casework.clock import step_due
from casework.db import utcnow
from casework.dossiers import queries
from casework.dossiers.access import visible_filter
from casework.dossiers.clockwork import CalendarSource
from casework.dossiers.models import Dossier
from casework.notifications.models import NotificationSeen
from casework.reviews.notes import (
    Reminder,
    ReviewNote,
    mentor_reminders,
    mentor_replies,
    trainee_notes,
)

LIST_LIMIT = 50
KINDS = ("overdue", "due_soon", "mine")
KIND_LABELS = {
    "overdue": "Quá hạn",
    "due_soon": "Sắp đến hạn (còn không quá 1 ngày làm việc)",
    "mine": "Việc đang chờ tôi",
}


@dataclass(frozen=True)
class Item:
    dossier: Dossier
    new: bool


@dataclass(frozen=True)
class Section:
    kind: str
    label: str
    items: list[Item]
    total: int
    new: int


@dataclass(frozen=True)
class Notifications:
    sections: list[Section]
    seen_at: datetime | None
    new_count: int
    now: datetime
    #: mentors' comments, scores and verdicts on the user's dossiers, newest first
    reviews: list[ReviewNote] = field(default_factory=list)
    reviews_total: int = 0
    reviews_new: int = 0
    #: a mentor's submitted runs waiting too long for a verdict, oldest first
    reminders: list[Reminder] = field(default_factory=list)
    reminders_total: int = 0
    reminders_new: int = 0
    #: trainees' replies in the threads of runs a mentor reviewed, newest first
    replies: list[ReviewNote] = field(default_factory=list)
    replies_total: int = 0
    replies_new: int = 0


def seen_at(session: Session, *, user: User) -> datetime | None:
    row = session.get(NotificationSeen, user.id)
    return row.seen_at if row is not None else None


class _Clauses:
    """The WHERE clauses of the three kinds, and of "new since seen" for each."""

    def __init__(
        self, session: Session, user: User, calendars: CalendarSource, now: datetime
    ) -> None:
        cal = calendars.for_unit(session, user.unit_id)
        soon = step_due(now, 1, cal, explain=False).due
        unit = session.get(Unit, user.unit_id)
        own_unit = or_(
            col(Dossier.handling_unit_id) == user.unit_id,
            col(Dossier.receiving_unit_id) == user.unit_id,
        )
        self.base: list[Any] = [visible_filter(user, unit), own_unit] if unit else []
        self.kind = {q: queries.queue_clause(session, user, q, now=now, soon=soon) for q in KINDS}
        self.seen = seen_at(session, user=user)
        self.now = now
        self.new: dict[str, Any] = {}
        self.soon_then: datetime | None = None
        if self.seen is not None:
            self.soon_then = step_due(self.seen, 1, cal, explain=False).due
            self.new = {
                "overdue": col(Dossier.due_at) > self.seen,
                "due_soon": col(Dossier.due_at) > self.soon_then,
                "mine": col(Dossier.step_entered_at) > self.seen,
            }

    def item_is_new(self, kind: str, d: Dossier) -> bool:
        """The same test as `is_new`, on a loaded row."""
        if self.seen is None or self.soon_then is None:
            return True
        if kind == "overdue":
            return d.due_at is not None and d.due_at > self.seen
        if kind == "due_soon":
            return d.due_at is not None and d.due_at > self.soon_then
        return d.step_entered_at is not None and d.step_entered_at > self.seen

    def is_new(self, kind: str) -> Any:
        clause = self.kind[kind]
        return clause & self.new[kind] if kind in self.new else clause

    def any_new(self) -> Any:
        return or_(*(self.is_new(k) for k in KINDS))


ORDER: dict[str, list[Any]] = {
    "overdue": [col(Dossier.due_at), col(Dossier.id)],
    "due_soon": [col(Dossier.due_at), col(Dossier.id)],
    "mine": [col(Dossier.step_entered_at).desc(), col(Dossier.id).desc()],
}


def _count(session: Session, where: list[Any]) -> int:
    return int(session.exec(select(func.count()).select_from(Dossier).where(*where)).one())


def badge_count(
    session: Session, *, user: User, calendars: CalendarSource, now: datetime | None = None
) -> int:
    """How many dossiers became overdue / due soon, or arrived for the user, since last seen."""
    c = _Clauses(session, user, calendars, now or utcnow())
    if not c.base:
        return 0
    _, _, reviews_new = trainee_notes(
        session, user=user, visible=c.base[0], seen_at=c.seen, limit=0
    )
    _, _, reminders_new = mentor_reminders(
        session, user=user, calendars=calendars, now=c.now, seen_at=c.seen, limit=0
    )
    _, _, replies_new = mentor_replies(session, user=user, seen_at=c.seen, limit=0)
    return _count(session, [*c.base, c.any_new()]) + reviews_new + reminders_new + replies_new


def collect(
    session: Session,
    *,
    user: User,
    calendars: CalendarSource,
    now: datetime | None = None,
    limit: int = LIST_LIMIT,
) -> Notifications:
    """The notifications page: each kind's first `limit` dossiers, totals, and what is new."""
    now = now or utcnow()
    c = _Clauses(session, user, calendars, now)
    sections = []
    for kind in KINDS:
        if not c.base:
            sections.append(Section(kind, KIND_LABELS[kind], [], 0, 0))
            continue
        where = [*c.base, c.kind[kind]]
        rows = session.exec(select(Dossier).where(*where).order_by(*ORDER[kind]).limit(limit))
        items = [Item(d, c.item_is_new(kind, d)) for d in rows.all()]
        total = _count(session, where)
        new = _count(session, [*c.base, c.is_new(kind)])
        sections.append(Section(kind, KIND_LABELS[kind], items, total, new))
    new_count = _count(session, [*c.base, c.any_new()]) if c.base else 0
    reviews: list[ReviewNote] = []
    reviews_total = reviews_new = 0
    if c.base:
        reviews, reviews_total, reviews_new = trainee_notes(
            session, user=user, visible=c.base[0], seen_at=c.seen, limit=limit
        )
    reminders, reminders_total, reminders_new = mentor_reminders(
        session, user=user, calendars=calendars, now=now, seen_at=c.seen, limit=limit
    )
    replies, replies_total, replies_new = mentor_replies(
        session, user=user, seen_at=c.seen, limit=limit
    )
    return Notifications(
        sections=sections,
        seen_at=c.seen,
        new_count=new_count + reviews_new + reminders_new + replies_new,
        replies=replies,
        replies_total=replies_total,
        replies_new=replies_new,
        now=now,
        reviews=reviews,
        reviews_total=reviews_total,
        reviews_new=reviews_new,
        reminders=reminders,
        reminders_total=reminders_total,
        reminders_new=reminders_new,
    )


def mark_seen(
    session: Session, *, user: User, at: datetime | None = None, now: datetime | None = None
) -> datetime:
    """Record that `user` has seen everything up to `at` (never later than now, never earlier
    than what was recorded before). One transaction."""
    now = now or utcnow()
    at = min(at or now, now)
    assert user.id is not None
    for attempt in range(2):
        row = session.get(NotificationSeen, user.id)
        if row is None:
            row = NotificationSeen(user_id=user.id, seen_at=at)
        else:
            row.seen_at = max(row.seen_at, at)
        session.add(row)
        try:
            session.commit()
        except IntegrityError:  # two tabs inserting the first row at once: update instead
            session.rollback()
            if attempt:
                raise
            continue
        return row.seen_at
    raise AssertionError("unreachable")
