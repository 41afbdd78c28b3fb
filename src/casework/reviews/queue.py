"""The mentor's review queue (`/reviews`) and the bulk "pass".

**Tabs** (`status`): ``submitted`` (default) — runs a trainee submitted ("Nộp để nhận xét") and no
verdict has followed, oldest submission first; ``pending`` — every run without a current verdict,
submitted or not (the old default); ``reviewed`` — the latest verdict is current; ``all``.

**Filters**: the handling unit (the unit picker's code: that unit and every unit below it; other
text is matched, accents and case ignored, against the code, name and province of the units that
have practice runs in the mentor's scope; no list of 3,300 units),
the procedure, the trainee (name or user name of anyone who did the run's work or submitted it),
and the waiting time ("more than N working days" on the unit's calendar, `waiting`; it keeps only
waiting runs). Everything is one SQL query with a count, so paging is exact. The waiting runs
are the dossiers with `waiting_since` (their waiting submission's instant, kept by every event:
`dossiers.events.record_event`), read through its partial index.

**Bulk pass**: several runs, one common comment. Each run is its own transaction: lock, check,
write its own ``review`` event (pass), commit — so a run is passed whole or not at all, and a
refusal of one run does not undo the others. The answer names every run: passed, or refused with
the reason (not found in the mentor's units, a real dossier, not submitted or already judged since
its submission, not finished). A run counts as finished when its scenario feedback says so
(`scenarios.service.feedback`: every expected step taken) or, for a practice dossier without a
scenario, when it stands in a final state.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import exists, false, func
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from casework.accounts.models import Role, Unit, User
from casework.db import utcnow
from casework.dossiers import access
from casework.dossiers.catalog import procedure_of
from casework.dossiers.clockwork import CalendarSource
from casework.dossiers.models import Dossier, Event, Mode
from casework.dossiers.queries import timeline
from casework.dossiers.service import default_calendars
from casework.errors import (
    ActionNotAllowed,
    CaseworkError,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from casework.ids import parse_int
from casework.learning.levels import Catalog
from casework.paging import Page
from casework.procedures import Procedure
from casework.reviews.models import ReviewKind
from casework.reviews.runs import WORK_KINDS, RunStatus, run_status, trainee_ids
from casework.reviews.service import MAX_TEXT, _lock_for_review, write_pass
from casework.reviews.trainees import trainee_clause
from casework.reviews.waiting import (
    REMIND_AFTER_DAYS,
    waited_days,
    waited_more_than,
)
from casework.scenarios import service as scenario_service
from casework.scenarios.schema import ScenarioRegistry
from casework.text import fold

log = logging.getLogger("casework.access")
PER_PAGE = 20
MAX_BULK = 100
STATUS_LABELS = {
    "submitted": "Chờ nhận xét",
    "pending": "Tất cả đang làm",
    "reviewed": "Đã nhận xét",
    "all": "Tất cả",
}
WAITING_LABELS = {
    1: "Chờ quá 1 ngày làm việc",
    2: "Chờ quá 2 ngày làm việc",
    5: "Chờ quá 5 ngày làm việc",
}


@dataclass(frozen=True)
class Filters:
    status: str = "submitted"
    unit: str = ""
    procedure: str = ""
    trainee: str = ""
    waiting: int = 0
    page: int = 1

    @classmethod
    def parse(cls, values: dict[str, str]) -> Filters:
        """From the address or a form; what is not understood falls back to the default."""
        status = values.get("status", "")
        waiting = values.get("waiting", "")
        page = values.get("page", "")
        return cls(
            status=status if status in STATUS_LABELS else "submitted",
            unit=values.get("unit", "").strip()[:100],
            procedure=values.get("procedure", "").strip()[:64],
            trainee=values.get("trainee", "").strip()[:100],
            waiting=w if (w := parse_int(waiting)) in WAITING_LABELS else 0,
            page=parse_int(page, 1, 999_999) or 1,
        )

    def query(self, **changes: Any) -> str:
        """The address's query string of these filters (defaults left out), with `changes`."""
        values: dict[str, Any] = {
            "status": self.status if self.status != "submitted" else "",
            "unit": self.unit,
            "procedure": self.procedure,
            "trainee": self.trainee,
            "waiting": self.waiting or "",
            "page": self.page if self.page > 1 else "",
        }
        values.update(changes)
        return urlencode({k: v for k, v in values.items() if v not in ("", None)})


def reviewed_clause() -> Any:
    """A verdict exists and no work (opened/action event) came after it."""
    verdict = aliased(Event)
    work = aliased(Event)
    later_work = exists().where(
        col(work.dossier_id) == col(verdict.dossier_id),
        col(work.kind).in_(WORK_KINDS),
        col(work.seq) > col(verdict.seq),
    )
    return exists().where(
        col(verdict.dossier_id) == col(Dossier.id),
        col(verdict.kind) == ReviewKind.review.value,
        ~later_work,
    )


def _practice_of(user: User) -> list[Any]:
    return [access.mentor_filter(user), col(Dossier.mode) == Mode.practice]


def unit_by_code(session: Session, text: str) -> Unit | None:
    """The unit whose code is `text` (any case): what the unit picker sends once one is picked."""
    text = text.strip()
    if not text:
        return None
    return session.exec(select(Unit).where(func.upper(Unit.code) == text.upper())).first()


def _unit_clause(session: Session, user: User, text: str) -> Any:
    """A unit's code (the picker's choice): that unit and every unit below it. Other text: the
    handling units whose code, name or province contain it (accents and case ignored)."""
    exact = unit_by_code(session, text)
    if exact is not None:
        below = select(Unit.id).where(col(Unit.path).startswith(exact.path))
        return col(Dossier.handling_unit_id).in_(below)
    needle = fold(text)
    handled = select(Dossier.handling_unit_id).where(*_practice_of(user)).distinct()
    rows = session.exec(
        select(Unit.id, Unit.code, Unit.name, Unit.province).where(col(Unit.id).in_(handled))
    ).all()
    ids = [uid for uid, code, name, prov in rows if needle in fold(f"{code} {name} {prov or ''}")]
    return col(Dossier.handling_unit_id).in_(ids) if ids else false()


def review_queue(
    session: Session,
    *,
    user: User,
    filters: Filters | None = None,
    calendars: CalendarSource | None = None,
    now: datetime | None = None,
    per_page: int = PER_PAGE,
) -> tuple[Page[Dossier], Filters]:
    """One page of the queue, and the filters as applied (the page number within range)."""
    if not user.has_role(Role.mentor):
        raise PermissionDenied("Hàng góp ý dành cho cán bộ hướng dẫn.")
    f = filters or Filters()
    now = now or utcnow()
    where = _practice_of(user)
    waiting = f.status == "submitted" or f.waiting > 0
    if f.status == "pending":
        where.append(~reviewed_clause())
    elif f.status == "reviewed":
        where.append(reviewed_clause())
    if f.unit:
        where.append(_unit_clause(session, user, f.unit))
    if f.procedure:
        where.append(col(Dossier.procedure_code) == f.procedure)
    if f.trainee:
        where.append(trainee_clause(session, f.trainee))
    if f.waiting:
        cals = calendars or default_calendars()
        where.append(waited_more_than(session, cals, Dossier.waiting_since, f.waiting, now))
    rows = select(Dossier)
    count = select(func.count()).select_from(Dossier)
    order: list[Any] = [col(Dossier.updated_at).desc(), col(Dossier.id).desc()]
    if waiting:  # the partial index of the waiting runs, oldest submission first
        where.append(col(Dossier.waiting_since).is_not(None))
        order = [col(Dossier.waiting_since), col(Dossier.id)]
    total = int(session.exec(count.where(*where)).one())
    pages = max(1, -(-total // per_page))
    f = replace(f, page=min(f.page, pages))
    items = session.exec(
        rows.where(*where).order_by(*order).offset((f.page - 1) * per_page).limit(per_page)
    ).all()
    return Page(items=list(items), total=total, page=f.page, per_page=per_page), f


# ---- the cards ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scored:
    """What the scenario feedback says of a run (title and score None: not a scenario run)."""

    title: str | None
    score: int | None
    finished: bool


def scored(
    session: Session,
    dossier: Dossier,
    procedure: Procedure,
    scenarios: ScenarioRegistry,
    calendars: CalendarSource,
    events: list[Event] | None = None,
) -> Scored:
    try:
        scenario, fb = scenario_service.feedback(
            session, dossier=dossier, scenarios=scenarios, calendars=calendars, events=events
        )
    except NotFound:  # not a scenario run (or its scenario is gone): finished at a final state
        state = procedure.states.get(dossier.state)
        return Scored(None, None, state is not None and state.final)
    return Scored(scenario.title, fb.score, fb.finished)


@dataclass(frozen=True)
class Card:
    dossier: Dossier
    procedure: Procedure
    unit: Unit | None
    trainees: list[User]  # the latest submitter first, then the others who did the work
    run: RunStatus
    scored: Scored
    waited: float | None = None  # working days, while the run waits
    late: bool = False  # waiting more than REMIND_AFTER_DAYS working days


def cards(
    session: Session,
    dossiers: Sequence[Dossier],
    *,
    scenarios: ScenarioRegistry,
    calendars: CalendarSource,
    now: datetime | None = None,
) -> list[Card]:
    now = now or utcnow()
    ids = [d.id for d in dossiers if d.id is not None]
    events: dict[int, list[Event]] = {i: [] for i in ids}
    for ev in session.exec(
        select(Event)
        .where(col(Event.dossier_id).in_(ids))
        .order_by(col(Event.dossier_id), col(Event.seq))
    ).all():
        events[ev.dossier_id].append(ev)
    people: dict[int, list[int]] = {}
    for d in dossiers:
        run = run_status(events[d.id or 0])
        first = [run.submitted.actor_id] if run.submitted and run.submitted.actor_id else []
        people[d.id or 0] = list(dict.fromkeys(first + trainee_ids(events[d.id or 0])))
    user_ids = {u for v in people.values() for u in v}
    users = {u.id: u for u in session.exec(select(User).where(col(User.id).in_(user_ids))).all()}
    unit_ids = {d.handling_unit_id for d in dossiers}
    units = {u.id: u for u in session.exec(select(Unit).where(col(Unit.id).in_(unit_ids))).all()}
    out = []
    for d in dossiers:
        _, procedure = procedure_of(session, d)
        run = run_status(events[d.id or 0])
        waited = None
        if run.waiting and run.submitted is not None:
            cal = calendars.for_unit(session, d.handling_unit_id)
            waited = waited_days(cal, run.submitted.at, now)
        out.append(
            Card(
                dossier=d,
                procedure=procedure,
                unit=units.get(d.handling_unit_id),
                trainees=[users[u] for u in people[d.id or 0] if u in users],
                run=run,
                scored=scored(session, d, procedure, scenarios, calendars, events[d.id or 0]),
                waited=waited,
                late=waited is not None and waited > REMIND_AFTER_DAYS,
            )
        )
    return out


# ---- bulk pass ---------------------------------------------------------------------------------


@dataclass
class BulkResult:
    passed: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (code, why)


def pass_clean(
    session: Session,
    *,
    actor: User,
    code: str,
    note: str,
    scenarios: ScenarioRegistry,
    calendars: CalendarSource,
    now: datetime | None = None,
    levels: Catalog | None = None,
) -> Event:
    """Pass one submitted, finished run (one transaction; see the module doc)."""
    dossier = _lock_for_review(session, actor, code)
    if dossier.mode != Mode.practice:
        raise ActionNotAllowed("hồ sơ thật, không nhận xét đạt.")
    status = run_status(timeline(session, dossier))
    if not status.waiting:
        if status.submitted is None:
            raise ActionNotAllowed("học viên chưa nộp để nhận xét.")
        raise ActionNotAllowed("đã có nhận xét sau lần nộp cuối; chờ học viên nộp lại.")
    _, procedure = procedure_of(session, dossier)
    found = scored(session, dossier, procedure, scenarios, calendars)
    if not found.finished:
        score = f" (điểm hiện tại {found.score}/100)" if found.score is not None else ""
        raise ActionNotAllowed(f"chưa làm xong{score}; mở hồ sơ để nhận xét riêng.")
    return write_pass(session, dossier, actor, note, now or utcnow(), levels)


def bulk_pass(
    session: Session,
    *,
    actor: User,
    codes: Sequence[str],
    note: str,
    scenarios: ScenarioRegistry,
    calendars: CalendarSource,
    now: datetime | None = None,
    levels: Catalog | None = None,
) -> BulkResult:
    """Pass each of `codes` with the common `note`; the result names every run."""
    if not actor.has_role(Role.mentor):
        raise PermissionDenied("Chỉ cán bộ hướng dẫn mới nhận xét hồ sơ làm thử.")
    wanted = list(dict.fromkeys(c.strip() for c in codes if c.strip()))
    note = (note or "").strip()
    errors = {}
    if not wanted:
        errors["code"] = "Đánh dấu ít nhất một hồ sơ."
    elif len(wanted) > MAX_BULK:
        errors["code"] = f"Mỗi lần nhận xét tối đa {MAX_BULK} hồ sơ."
    if not note or len(note) > MAX_TEXT:
        errors["note"] = f"Nhập nhận xét chung (1–{MAX_TEXT} ký tự): mọi hồ sơ đã chọn nhận nó."
    if errors:
        raise ValidationFailed("Chưa nhận xét được hồ sơ nào.", fields=errors)
    now = now or utcnow()
    result = BulkResult()
    for code in wanted:
        try:
            pass_clean(
                session, actor=actor, code=code, note=note, scenarios=scenarios,
                calendars=calendars, now=now, levels=levels,
            )  # fmt: skip
        except CaseworkError as exc:
            session.rollback()
            if isinstance(exc, NotFound | PermissionDenied):  # logged like a refused request
                log.warning(
                    "access_refused status=%s path=bulk-pass:%s user=%s reason=%s",
                    exc.status, code, actor.username, exc.code,
                )  # fmt: skip
            result.refused.append((code, exc.message))
        else:
            result.passed.append(code)
    return result
