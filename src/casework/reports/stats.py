"""The monthly counters behind every report, kept in the caller's transaction.

Each hook below is called where the change it counts happens (dossier service and clockwork),
inside the same transaction, so a report never disagrees with the dossiers it summarises. A hook
is an upsert (`INSERT … ON CONFLICT DO UPDATE SET n = n + excluded.n`) on one counter row.
Practice dossiers set their own columns but are never counted.

`rebuild` recomputes every counter from the dossier and step columns with SQL aggregations (for
bulk loads, after a migration, or to check the incremental counters: the tests compare both).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Integer, delete, func, insert, literal_column, select
from sqlmodel import Session, SQLModel, col

from casework import clock
from casework.clock import WorkCalendar, default_calendar
from casework.db import add_to_counter
from casework.dossiers.models import Channel, Dossier, Mode, StepRecord
from casework.procedures import Procedure
from casework.reports.models import StatDossier, StatElapsed, StatStep, counter_names

#: National statuses that end processing with a result (Decision 766 indicator 2.2's base).
RESULT_STATUSES = frozenset({9, 10})
#: The applicant's rating at the hand-over (the `satisfaction` field's choices) → stored value.
SATISFACTION = {"Hài lòng": 1, "Bình thường": 0, "Không hài lòng": -1}


def month_of(at: datetime, cal: WorkCalendar | None = None) -> date:
    """The first day of the local month of `at` (the calendar's time zone)."""
    local = at.astimezone((cal or default_calendar()).tz)
    return date(local.year, local.month, 1)


def _bump(
    session: Session, model: type[SQLModel], key: dict[str, Any], inc: dict[str, Any]
) -> None:
    add_to_counter(session, model, key, inc)


def tenths_of(elapsed: float) -> int:
    """The histogram bin of a processing time: tenths of its unit, halves rounded up."""
    return int(elapsed * 10 + 0.5)


def _counted(dossier: Dossier) -> bool:
    return dossier.mode == Mode.real


def _dossier_key(dossier: Dossier, month: date) -> dict[str, Any]:
    return {
        "unit_id": dossier.handling_unit_id,
        "procedure_code": dossier.procedure_code,
        "month": month,
    }


# ---- hooks, called inside the transaction that makes the change -------------------------------


def dossier_received(session: Session, dossier: Dossier, cal: WorkCalendar) -> None:
    if _counted(dossier):
        inc = {"received": 1, "online": int(dossier.channel == Channel.online)}
        _bump(session, StatDossier, _dossier_key(dossier, month_of(dossier.received_at, cal)), inc)


def documents_changed(
    session: Session, dossier: Dossier, procedure: Procedure, document_keys: Iterable[str]
) -> None:
    """After files were attached: the dossier is digitised once every required document of the
    procedure has a file (Decision 766 indicator 4.2), counted in the month of receipt."""
    if dossier.digitised:
        return
    required = {d.key for d in procedure.documents if d.required}
    if not required <= set(document_keys):
        return
    dossier.digitised = True
    if _counted(dossier):
        key = _dossier_key(dossier, month_of(dossier.received_at))
        _bump(session, StatDossier, key, {"digitised": 1})


def processing_ended(
    session: Session, dossier: Dossier, procedure: Procedure, status: int, cal: WorkCalendar
) -> None:
    """At the end of processing F (`dossier.processing_ended_at` and `result_bucket` are set)."""
    assert dossier.processing_ended_at is not None
    _set_end(dossier, procedure, status, cal)
    resolved = status in RESULT_STATUSES
    if not _counted(dossier):
        return
    month = month_of(dossier.processing_ended_at, cal)
    inc: dict[str, Any] = {
        "finished": 1,
        "resolved": int(resolved),
        "supplement_requests": dossier.supplement_requests,
        "extensions": dossier.extensions,
    }
    if dossier.result_bucket in ("early", "on_time", "late"):
        inc[dossier.result_bucket] = 1
    if resolved and dossier.elapsed is not None:
        inc["elapsed_sum"] = dossier.elapsed
        key = {**_dossier_key(dossier, month), "tenths": tenths_of(dossier.elapsed)}
        _bump(session, StatElapsed, key, {"n": 1})
    _bump(session, StatDossier, _dossier_key(dossier, month), inc)


def _set_end(dossier: Dossier, procedure: Procedure, status: int, cal: WorkCalendar) -> None:
    """The end status, and the processing time of a dossier that ended with a result."""
    dossier.end_status = status
    if status in RESULT_STATUSES and dossier.due_at and dossier.processing_ended_at:
        dossier.elapsed = clock.elapsed(
            dossier.due_at,
            dossier.processing_ended_at,
            procedure.limit.value,
            procedure.limit.unit,
            cal,
        )


def step_closed(session: Session, dossier: Dossier, step: StepRecord, cal: WorkCalendar) -> None:
    """After a step row got its `left_at` (and `bucket` when it has an allotment)."""
    assert step.left_at is not None
    if step.allot and step.due_at is not None:
        step.spent = clock.elapsed(step.due_at, step.left_at, step.allot, "working_days", cal)
    if not _counted(dossier):
        return
    inc: dict[str, Any] = {"n": 1}
    if step.allot:
        inc |= {"allotted": 1, "spent_sum": step.spent or 0.0, "allot_sum": step.allot}
        if step.bucket in ("early", "on_time", "late"):
            inc[step.bucket] = 1
    key = {
        "unit_id": dossier.handling_unit_id,
        "procedure_code": dossier.procedure_code,
        "state": step.state,
        "officer_id": step.left_by_id or 0,
        "month": month_of(step.left_at, cal),
    }
    _bump(session, StatStep, key, inc)


def rated(session: Session, dossier: Dossier, choice: str, at: datetime) -> None:
    """The applicant's rating given when the result is handed over."""
    value = SATISFACTION[choice]
    dossier.satisfaction = value
    if _counted(dossier):
        inc = {"rated": 1, "satisfied": int(value == 1), "dissatisfied": int(value == -1)}
        _bump(session, StatDossier, _dossier_key(dossier, month_of(at)), inc)


# ---- rebuild -------------------------------------------------------------------------------------


def _month_expr(session: Session, column: Any, cal: WorkCalendar) -> Any:
    """SQL for the first day of the local month of a UTC column (fixed-offset zones, as VN)."""
    offset = cal.tz.utcoffset(datetime(2026, 1, 1)) or timedelta(0)
    hours = int(offset.total_seconds() // 3600)
    if session.get_bind().dialect.name == "postgresql":
        return func.date_trunc("month", column + literal_column(f"interval '{hours} hours'"))
    return func.date(column, f"{hours:+d} hours", "start of month")


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


@dataclass
class Counters:
    """Every counter row as `rebuild` would write it: dicts of the stat tables' columns."""

    dossier: list[dict[str, Any]]
    elapsed: list[dict[str, Any]]
    step: list[dict[str, Any]]


def rebuild(session: Session, cal: WorkCalendar | None = None) -> dict[str, int]:
    """Recompute every counter from the dossier and step columns (the caller commits)."""
    counters = compute(session, cal)
    for model in (StatDossier, StatElapsed, StatStep):
        session.execute(delete(model))
    for model, rows in (
        (StatDossier, counters.dossier),
        (StatElapsed, counters.elapsed),
        (StatStep, counters.step),
    ):
        for start in range(0, len(rows), 5000):
            session.execute(insert(model), rows[start : start + 5000])
    return {
        "stat_dossier": len(counters.dossier),
        "stat_elapsed": len(counters.elapsed),
        "stat_step": len(counters.step),
    }


def compute(
    session: Session, cal: WorkCalendar | None = None, *, units: Iterable[int] | None = None
) -> Counters:
    """Every counter row, recomputed from the dossier and step columns without writing (the
    integrity check compares them with the stored ones); `units`: only those handling units.

    Each part is one GROUP BY in the database; only the grouped rows come back."""
    cal = cal or default_calendar()
    real = col(Dossier.mode) == Mode.real
    if units is not None:
        real = real & col(Dossier.handling_unit_id).in_(list(units))
    unit, proc = col(Dossier.handling_unit_id), col(Dossier.procedure_code)
    counters: dict[tuple[Any, ...], dict[str, Any]] = defaultdict(dict)

    def merge(rows: Iterable[Any]) -> None:
        for row in rows:
            values = dict(row)
            key = (values.pop("unit_id"), values.pop("procedure_code"), _as_date(values.pop("m")))
            for name, value in values.items():
                if value:
                    counters[key][name] = counters[key].get(name, 0) + value

    def grouped(month_col: Any, *columns: Any, where: Any) -> Iterable[Any]:
        m = _month_expr(session, month_col, cal).label("m")
        query = select(unit.label("unit_id"), proc.label("procedure_code"), m, *columns)
        return session.execute(query.where(real, where).group_by(unit, proc, m)).mappings()

    def n_if(condition: Any, label: str) -> Any:
        return func.count().filter(condition).label(label)

    merge(
        grouped(
            col(Dossier.received_at),
            func.count().label("received"),
            n_if(col(Dossier.channel) == Channel.online, "online"),
            n_if(col(Dossier.digitised), "digitised"),
            where=True,
        )
    )
    resolved = col(Dossier.end_status).in_(RESULT_STATUSES)
    merge(
        grouped(
            col(Dossier.processing_ended_at),
            func.count().label("finished"),
            n_if(resolved, "resolved"),
            *(n_if(col(Dossier.result_bucket) == b, b) for b in ("early", "on_time", "late")),
            func.coalesce(func.sum(Dossier.elapsed).filter(resolved), 0.0).label("elapsed_sum"),
            func.sum(Dossier.supplement_requests).label("supplement_requests"),
            func.sum(Dossier.extensions).label("extensions"),
            where=col(Dossier.processing_ended_at).is_not(None),
        )
    )
    merge(
        grouped(
            col(Dossier.finished_at),
            func.count().label("rated"),
            n_if(col(Dossier.satisfaction) == 1, "satisfied"),
            n_if(col(Dossier.satisfaction) == -1, "dissatisfied"),
            where=col(Dossier.satisfaction).is_not(None) & col(Dossier.finished_at).is_not(None),
        )
    )

    half_up = col(Dossier.elapsed) * 10 + 0.5  # as tenths_of(): never negative, so floor
    if session.get_bind().dialect.name == "postgresql":
        tenths = func.floor(half_up).label("tenths")
    else:
        tenths = func.cast(half_up, Integer).label("tenths")
    elapsed_rows = session.execute(
        select(
            unit,
            proc,
            _month_expr(session, col(Dossier.processing_ended_at), cal).label("m"),
            tenths,
            func.count(),
        )
        .where(real, resolved, col(Dossier.elapsed).is_not(None))
        .group_by(unit, proc, literal_column("m"), tenths)
    ).all()

    s_month = _month_expr(session, col(StepRecord.left_at), cal).label("m")
    officer = func.coalesce(col(StepRecord.left_by_id), 0).label("officer_id")
    allotted = col(StepRecord.allot) > 0
    step_rows = session.execute(
        select(
            unit.label("unit_id"),
            proc.label("procedure_code"),
            col(StepRecord.state).label("state"),
            officer,
            s_month,
            func.count().label("n"),
            n_if(allotted, "allotted"),
            *(n_if(col(StepRecord.bucket) == b, b) for b in ("early", "on_time", "late")),
            func.coalesce(func.sum(StepRecord.spent).filter(allotted), 0.0).label("spent_sum"),
            func.coalesce(func.sum(StepRecord.allot).filter(allotted), 0.0).label("allot_sum"),
        )
        .join(Dossier, col(Dossier.id) == col(StepRecord.dossier_id))
        .where(real, col(StepRecord.left_at).is_not(None))
        .group_by(unit, proc, col(StepRecord.state), officer, s_month)
    ).mappings()
    steps = [
        {**{k: v for k, v in row.items() if k != "m"}, "month": _as_date(row["m"])}
        for row in step_rows
    ]

    zero = dict.fromkeys(counter_names(StatDossier), 0)
    dossier_rows = [
        {"unit_id": u, "procedure_code": p, "month": m, **zero, **values}
        for (u, p, m), values in counters.items()
    ]
    elapsed_dicts = [
        {"unit_id": u, "procedure_code": p, "month": _as_date(m), "tenths": int(t), "n": n}
        for u, p, m, t, n in elapsed_rows
    ]
    return Counters(dossier=dossier_rows, elapsed=elapsed_dicts, step=steps)


def backfill(session: Session, calendars: Any = None, batch: int = 1000) -> int:
    """Fill `end_status`, `elapsed` and step `spent` of dossiers finished before these columns
    existed (migration 0009). Returns how many dossiers were filled."""
    from sqlmodel import select as sm_select

    from casework.dossiers.catalog import procedure_of
    from casework.dossiers.clockwork import CalendarSource

    source = calendars or CalendarSource()
    filled, last_id = 0, 0
    while True:
        rows = session.exec(
            sm_select(Dossier)
            .where(
                col(Dossier.id) > last_id,
                col(Dossier.processing_ended_at).is_not(None),
                col(Dossier.end_status).is_(None),
            )
            .order_by(col(Dossier.id))
            .limit(batch)
        ).all()
        if not rows:
            return filled
        for dossier in rows:
            _, procedure = procedure_of(session, dossier)
            cal = source.for_unit(session, dossier.handling_unit_id)
            _set_end(dossier, procedure, dossier.national_status, cal)
            for step in session.exec(
                sm_select(StepRecord).where(
                    StepRecord.dossier_id == dossier.id,
                    col(StepRecord.left_at).is_not(None),
                    col(StepRecord.spent).is_(None),
                )
            ):
                if step.allot and step.due_at is not None and step.left_at is not None:
                    step.spent = clock.elapsed(
                        step.due_at, step.left_at, step.allot, "working_days", cal
                    )
                    session.add(step)
            session.add(dossier)
            filled += 1
        last_id = rows[-1].id or last_id
        session.flush()
