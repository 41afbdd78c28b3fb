"""The legal clock applied to stored dossiers (DESIGN §5, docs/legal-clock.md).

`casework.clock` is pure; this module keeps a dossier's clock columns, pause rows and step rows
right, inside the caller's transaction, and explains them on request:

- the clock starts at receipt (`on_valid_dossier`) or when an action with `starts_clock` records
  the fee payment (`on_fee_paid`); the due instant is computed then and goes on the receipt slip;
- entering a `clock: paused` state opens a pause row (reason, legal basis, actor); leaving it
  closes the row and moves the due later by the paused working time;
- an action with the slip `supplement_request` counts a supplement request; one with
  `apology_extension` (Mẫu 04) records a new appointment, never moving the legal due;
- each state change closes the current step row and opens the next (Mẫu 06);
- the end of processing F is the first entry into a state with national status 3, 7, 8, 9 or 10,
  and fixes the result bucket.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import chain
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, col, select

from casework.accounts.models import Unit
from casework.caching.kept import Kept
from casework.caching.service import cached, row_by_id
from casework.clock import (
    Bucket,
    CalendarEntry,
    DueResult,
    PartDue,
    Pause,
    WorkCalendar,
    compute_due_parts,
    default_calendar,
    finished_bucket,
    open_bucket,
    step_due,
    step_status,
)
from casework.clock.standing import NOT_STARTED, Standing, standing
from casework.db import forget, memo
from casework.dossiers.models import CalendarOverride, ClockPause, Dossier, StepRecord
from casework.procedures import Procedure, StateDef, TransitionDef
from casework.reports import stats

#: National status codes that end processing (DESIGN §5: result ready, returned, refused at
#: reception, withdrawn, stopped).
END_STATUSES = frozenset({3, 7, 8, 9, 10})
NATIONAL_SCOPE = "*"


class CalendarSource:
    """The calendar of a unit: the project calendar + national overrides + the unit's own."""

    def __init__(self, base: WorkCalendar | None = None) -> None:
        self.base = base or default_calendar()

    def overrides(self, session: Session, scopes: list[str]) -> list[CalendarOverride]:
        rows = session.exec(
            select(CalendarOverride).where(col(CalendarOverride.scope).in_(scopes))
        ).all()
        # national first, the unit's own after: later entries win
        return sorted(rows, key=lambda r: (r.scope != NATIONAL_SCOPE, r.day))

    def for_unit(self, session: Session, unit_id: int | None) -> WorkCalendar:
        """The calendar of a unit; `None` gives the national one (no unit overrides). Read once
        per transaction, and again after a calendar day of this session was written."""

        def read() -> WorkCalendar:
            unit = row_by_id(session, Unit, unit_id) if unit_id is not None else None
            scopes = [NATIONAL_SCOPE] + ([unit.code] if unit is not None else [])
            rows = self.overrides(session, scopes)
            if not rows:
                return self.base
            entries = (CalendarEntry(r.day, r.kind, r.name) for r in rows)  # type: ignore[arg-type]
            return self.base.with_entries(entries)

        # per process until a calendar day or a unit is written (`casework.caching`); the read
        # runs without autoflush: a calendar never depends on a dossier's pending changes
        key = (CALENDAR_MEMO, self, unit_id)
        with session.no_autoflush:
            return memo(session, key, lambda: cached(session, key, read))


CALENDAR_MEMO = "calendar"


@event.listens_for(OrmSession, "after_flush")
def _calendar_written(session: OrmSession, _context: Any) -> None:
    """A calendar day added, changed or removed in this session: read the calendars again."""
    touched = chain(session.new, session.dirty, session.deleted)
    if any(isinstance(obj, CalendarOverride) for obj in touched):
        forget(session, CALENDAR_MEMO)


def pauses_of(session: Session, dossier: Dossier) -> list[ClockPause]:
    return list(
        session.exec(
            select(ClockPause)
            .where(ClockPause.dossier_id == dossier.id)
            .order_by(col(ClockPause.started_at))
        ).all()
    )


def pauses_known(
    session: Session, dossier: Dossier, procedure: Procedure, steps: list[StepRecord]
) -> list[ClockPause]:
    """`pauses_of`, without the read when none can exist: a pause row is opened only on
    entering a `clock: paused` state, which opens a step row in that state (`on_transition`, a
    mentor's redo), so a dossier none of whose steps is in such a state has none."""
    paused = {sid for sid, state in procedure.states.items() if state.paused}
    if not any(step.state in paused for step in steps):
        return []
    return pauses_of(session, dossier)


def legal_due(
    dossier: Dossier,
    procedure: Procedure,
    pauses: list[ClockPause],
    cal: WorkCalendar,
    *,
    now: datetime | None = None,
    explain: bool = False,
) -> DueResult | None:
    """The legal due from the clock start and the pauses (an open one is closed at `now`)."""
    if dossier.clock_started_at is None:
        return None
    spans = [
        Pause(p.started_at, p.ended_at, p.reason)
        for p in pauses
        if p.ended_at is not None or now is not None
    ]
    if explain and all(p.end is not None for p in spans):
        # With every pause closed the due and its trace do not depend on `now`: a page view
        # reuses the ones worked out for the same inputs on the same calendar (issue 19).
        started, parts = dossier.clock_started_at, procedure.limit.parts
        kept = cal.kept(_DUE_KEPT, lambda: Kept(DUES_KEPT))
        found: DueResult = kept.get_or_make(
            (started, parts, tuple(spans)),
            lambda: compute_due_parts(started, parts, cal, pauses=spans),
        )
        return found
    return compute_due_parts(
        dossier.clock_started_at,
        procedure.limit.parts,
        cal,
        pauses=spans,
        now=now,
        explain=explain,
    )


#: Dues with their traces kept per calendar object (a calendar change makes a new object).
_DUE_KEPT = "casework_dues_kept"
#: the calendar's kept step dues (`_bucket_at`), by (entered, allot)
_STEP_DUE_KEPT = "casework_step_dues_kept"
DUES_KEPT = 2_000


STEPS_MEMO = "steps"


def steps_of(session: Session, dossier: Dossier) -> list[StepRecord]:
    """The dossier's step rows in order, read once per transaction; the steps this transaction
    opens are appended (`_open_step`), so the open one and the count need no further read."""

    def read() -> list[StepRecord]:
        query = (
            select(StepRecord)
            .where(StepRecord.dossier_id == dossier.id)
            .order_by(col(StepRecord.ordinal))
        )
        return list(session.exec(query).all())

    return memo(session, (STEPS_MEMO, dossier.id), read)


def _open_step(
    session: Session, dossier: Dossier, state: StateDef, state_id: str, at: datetime,
    actor_id: int | None, cal: WorkCalendar, ordinal: int,
) -> None:  # fmt: skip
    due = step_due(at, state.allot, cal, explain=False).due if state.allot else None
    assert dossier.id is not None
    step = StepRecord(
        dossier_id=dossier.id,
        ordinal=ordinal,
        state=state_id,
        entered_at=at,
        entered_by_id=actor_id,
        allot=state.allot,
        due_at=due,
    )
    session.add(step)
    steps = session.info.get("casework_memo", {}).get((STEPS_MEMO, dossier.id))
    if steps is not None:  # keep the transaction's list whole
        steps.append(step)
    dossier.step_entered_at = at
    dossier.step_due_at = due
    dossier.step_count = ordinal


def _start_clock(dossier: Dossier, procedure: Procedure, at: datetime, cal: WorkCalendar) -> None:
    dossier.clock_started_at = at
    result = legal_due(dossier, procedure, [], cal)
    assert result is not None
    dossier.due_at = result.due
    dossier.appointment_at = result.due


def on_open(
    session: Session, *, dossier: Dossier, procedure: Procedure, actor_id: int | None,
    now: datetime, cal: WorkCalendar,
) -> dict[str, Any]:  # fmt: skip
    """Clock columns of a new dossier; returns what the opening event should record."""
    if procedure.clock_starts == "on_valid_dossier":
        _start_clock(dossier, procedure, dossier.received_at, cal)
    initial = procedure.states[procedure.initial_state]
    _open_step(session, dossier, initial, procedure.initial_state, now, actor_id, cal, 1)
    stats.dossier_received(session, dossier, cal)
    return {"due": _iso(dossier.due_at, cal)}


def on_transition(
    session: Session,
    *,
    dossier: Dossier,
    procedure: Procedure,
    transition: TransitionDef,
    before: str,
    data: dict[str, Any],
    actor_id: int | None,
    now: datetime,
    cal: WorkCalendar,
) -> dict[str, Any]:
    """Apply one fired action to the clock; returns a summary for the action's event payload."""
    source, target = procedure.states[before], procedure.states[dossier.state]
    changed = dossier.state != before
    summary: dict[str, Any] = {}
    due_before = dossier.due_at

    if transition.starts_clock and dossier.clock_started_at is None:
        _start_clock(dossier, procedure, now, cal)
        summary["clock_started"] = _iso(now, cal)
    if changed and source.paused:
        pause = session.exec(
            select(ClockPause).where(
                ClockPause.dossier_id == dossier.id, col(ClockPause.ended_at).is_(None)
            )
        ).first()
        if pause is not None:
            pause.ended_at = now
            pause.closed_by_id = actor_id
            session.add(pause)
            session.flush()
        dossier.paused_since = None
        summary["pause_closed"] = True
    if changed and target.paused:
        assert dossier.id is not None
        session.add(
            ClockPause(
                dossier_id=dossier.id,
                state=dossier.state,
                kind=pause_kind(transition, target),
                started_at=now,
                reason=str(data.get("reason") or transition.label),
                legal_basis=target.clock_basis or "",
                opened_by_id=actor_id,
            )
        )
        dossier.paused_since = now
        summary["pause_opened"] = True
    if transition.slip == "supplement_request" and dossier.clock_started_at is not None:
        # a request at the completeness check, before the clock runs (fee-first procedures),
        # is guidance on an incomplete dossier, not a supplement request of processing (766)
        dossier.supplement_requests += 1
    if transition.slip == "apology_extension" and "new_appointment" in data:
        dossier.extensions += 1
        dossier.appointment_at = datetime.fromisoformat(data["new_appointment"])
        summary["appointment"] = data["new_appointment"]
    if summary.get("pause_closed") and dossier.clock_started_at is not None:
        result = legal_due(dossier, procedure, pauses_of(session, dossier), cal)
        assert result is not None
        dossier.due_at = result.due
        if dossier.extensions == 0:
            dossier.appointment_at = result.due
    if changed:
        _close_step(session, dossier, transition.action, actor_id, now, cal)
        _open_step(
            session, dossier, target, dossier.state, now, actor_id, cal,
            _step_count(session, dossier) + 1,
        )  # fmt: skip
    if (
        changed
        and dossier.processing_ended_at is None
        and (target.national_status in END_STATUSES or target.final)
    ):
        dossier.processing_ended_at = now
        if dossier.due_at is not None:
            dossier.result_bucket = finished_bucket(
                dossier.due_at, now, supplement_requests=dossier.supplement_requests, calendar=cal
            ).value
        stats.processing_ended(session, dossier, procedure, target.national_status, cal)
        summary["processing_ended"] = _iso(now, cal)
    if dossier.due_at != due_before:
        summary["due"] = _iso(dossier.due_at, cal)
    return summary


def extension_possible(dossier: Dossier, transition: TransitionDef) -> bool:
    """An apology and new appointment (Mẫu 04) needs a running clock to apologise for."""
    return transition.slip != "apology_extension" or dossier.clock_started_at is not None


def pause_kind(transition: TransitionDef, target: StateDef) -> str:
    """Why the clock stopped: a supplement request, a fee notice (national status 6), or other."""
    if transition.slip == "supplement_request":
        return "supplement"
    if target.national_status == 6:
        return "fee"
    return "other"


def _step_count(session: Session, dossier: Dossier) -> int:
    """The highest step ordinal: kept on the dossier; counted on a row written without it."""
    if dossier.step_count:
        return dossier.step_count
    return max((s.ordinal for s in steps_of(session, dossier)), default=0)


def _close_step(
    session: Session, dossier: Dossier, action: str, actor_id: int | None, now: datetime,
    cal: WorkCalendar,
) -> None:  # fmt: skip
    step = next((s for s in reversed(steps_of(session, dossier)) if s.left_at is None), None)
    if step is None:
        return
    step.left_at = now
    step.left_by_id = actor_id
    step.left_action = action
    if step.allot:
        step.bucket = step_status(step.entered_at, step.allot, left=now, calendar=cal).bucket.value
    stats.step_closed(session, dossier, step, cal)
    session.add(step)  # written with the dossier at the flush


def _iso(value: datetime | None, cal: WorkCalendar) -> str | None:
    """Instants in event payloads are written in the calendar's local time, with the offset."""
    return value.astimezone(cal.tz).isoformat() if value else None


# ---- reading the clock ----------------------------------------------------------------------


@dataclass
class StepView:
    ordinal: int
    state: str
    label: str
    entered_at: datetime
    left_at: datetime | None
    left_action: str | None
    allot: float | None
    due_at: datetime | None
    bucket: str | None


@dataclass
class ClockView:
    """Everything the dossier page and the API show about the clock, computed at `now`."""

    started_at: datetime | None
    due_at: datetime | None
    appointment_at: datetime | None
    extended: bool
    status: Bucket | None
    waiting_on_applicant: bool
    paused: bool
    paused_working_minutes: int
    supplement_requests: int
    extensions: int
    processing_ended_at: datetime | None
    trace: list[str]
    pauses: list[ClockPause] = field(default_factory=list)
    steps: list[StepView] = field(default_factory=list)
    effective_receipt_day: Any = None
    standing: Standing = field(default_factory=lambda: Standing(NOT_STARTED))
    #: a limit in two parts (`limit.first`): each part's words and end; () for one part
    parts: tuple[PartDue, ...] = ()


def _step_view(s: StepRecord, procedure: Procedure, bucket: str | None) -> StepView:
    return StepView(
        ordinal=s.ordinal,
        state=s.state,
        label=procedure.states[s.state].label if s.state in procedure.states else s.state,
        entered_at=s.entered_at,
        left_at=s.left_at,
        left_action=s.left_action,
        allot=s.allot,
        due_at=s.due_at,
        bucket=bucket,
    )


def _judged_at_view(s: StepRecord) -> bool:
    """An open step with an allotment and no bucket yet: its Mẫu 06 row is judged at `now`."""
    return not s.bucket and bool(s.allot) and s.left_at is None


def _bucket_at(s: StepRecord, now: datetime, cal: WorkCalendar) -> str | None:
    """The bucket of a step judged at `now` (`_judged_at_view`): `step_status`, with the step's
    due (which does not depend on `now`: a step's due counts no pause) kept per calendar object
    like the legal due (a calendar change is a new object; ~0.1 ms a dossier page, issue 19)."""
    entered, allot = s.entered_at, s.allot
    if not allot:
        return None
    kept = cal.kept(_STEP_DUE_KEPT, lambda: Kept(DUES_KEPT))
    due: datetime = kept.get_or_make(
        (entered, allot), lambda: step_due(entered, allot, cal, now=now, explain=False).due
    )
    return open_bucket(due, now, calendar=cal).value


def fixed_step_views(procedure: Procedure, rows: Sequence[StepRecord]) -> list[StepView | None]:
    """The Mẫu 06 rows of `rows` that are the same at any time of view (None for those judged
    at `now`), to keep with the rows: the dossier page keeps them per process (fifty rows were
    ~5% of a page's CPU, py-spy, issue 19). Shared between views: read them, never change them."""
    return [
        None if _judged_at_view(s) else _step_view(s, procedure, s.bucket or None) for s in rows
    ]


def clock_view(
    session: Session, *, dossier: Dossier, procedure: Procedure, cal: WorkCalendar, now: datetime,
    pauses: list[ClockPause] | None = None, steps: list[StepRecord] | None = None,
    fixed_steps: Sequence[StepView | None] | None = None,
) -> ClockView:  # fmt: skip
    """`pauses`, `steps`: the dossier's rows as already read (an action's answer, a cache);
    `fixed_steps`: `fixed_step_views(procedure, steps)`, kept with them."""
    pauses = pauses_of(session, dossier) if pauses is None else pauses
    rows = steps_of(session, dossier) if steps is None else steps
    result = legal_due(dossier, procedure, pauses, cal, now=now, explain=True)
    status: Bucket | None = None
    waiting = False
    if dossier.processing_ended_at is not None and dossier.result_bucket:
        status = Bucket(dossier.result_bucket)
    elif result is not None and dossier.due_at is not None:
        open_pause = next((p for p in pauses if p.ended_at is None), None)
        if open_pause and open_pause.kind == "supplement" and dossier.supplement_requests == 1:
            # Decision 766: waiting on the applicant after a single request — the request is F.
            waiting = True
            status = finished_bucket(
                dossier.due_at, open_pause.started_at, supplement_requests=1, calendar=cal
            )
        else:
            status = open_bucket(
                result.due, now, supplement_requests=dossier.supplement_requests, calendar=cal
            )
    fixed = fixed_steps if fixed_steps is not None else fixed_step_views(procedure, rows)
    views = [
        view if view is not None else _step_view(s, procedure, _bucket_at(s, now, cal))
        for s, view in zip(rows, fixed, strict=True)
    ]
    trace = list(result.trace) if result else ["Chưa bắt đầu tính thời hạn (chờ nộp phí, lệ phí)."]
    where = standing(
        due=result.due if result else None, now=now, ended=dossier.processing_ended_at is not None,
        result_bucket=dossier.result_bucket, paused=dossier.paused_since is not None,
        supplement_requests=dossier.supplement_requests, calendar=cal,
    )  # fmt: skip
    return ClockView(
        started_at=dossier.clock_started_at,
        due_at=result.due if result else None,
        appointment_at=dossier.appointment_at,
        extended=dossier.extensions > 0,
        status=status,
        waiting_on_applicant=waiting,
        paused=dossier.paused_since is not None,
        paused_working_minutes=result.paused_working_minutes if result else 0,
        supplement_requests=dossier.supplement_requests,
        extensions=dossier.extensions,
        processing_ended_at=dossier.processing_ended_at,
        trace=trace,
        pauses=pauses,
        steps=views,
        effective_receipt_day=result.effective_receipt_day if result else None,
        standing=where,
        parts=result.parts if result else (),
    )
