"""Report figures: SQL aggregations over the monthly counters, plus the open dossiers now.

Periods are whole local months (`Period`). Every figure counts real dossiers handled in the
chosen unit's subtree; practice dossiers are never in the counters. Each function returns small
aggregated rows; no dossier row is read into Python except on the drill-down page.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlmodel import Session, col
from sqlmodel import select as select_rows

from casework.accounts.models import Unit, User
from casework.clock import LimitUnit, WorkCalendar, compute_due
from casework.dossiers.models import Dossier, Mode
from casework.procedures import ProcedureRegistry
from casework.reports.models import StatDossier, StatElapsed, StatStep, counter_names

BUCKETS = ("early", "on_time", "late")
GROUPS = {"procedure": "Theo thủ tục", "unit": "Theo đơn vị trực thuộc"}
STEP_GROUPS = {"step": "Theo bước", "unit": "Theo đơn vị trực thuộc", "officer": "Theo cán bộ"}


@dataclass(frozen=True)
class Period:
    """Whole local months from `first` to `last` (both the first day of their month)."""

    first: date
    last: date

    @property
    def months(self) -> list[date]:
        out, m = [], self.first
        while m <= self.last:
            out.append(m)
            m = next_month(m)
        return out

    def bounds(self, cal: WorkCalendar) -> tuple[datetime, datetime]:
        """[start, end) as instants: local midnight of the first day, of the day after."""
        start = datetime.combine(self.first, datetime.min.time(), cal.tz)
        end = datetime.combine(next_month(self.last), datetime.min.time(), cal.tz)
        return start, end

    def includes(self, day: date) -> bool:
        return self.first <= day < next_month(self.last)

    @property
    def text(self) -> str:
        if self.first == self.last:
            return f"tháng {self.first:%m/%Y}"
        return f"từ tháng {self.first:%m/%Y} đến tháng {self.last:%m/%Y}"


def next_month(m: date) -> date:
    return date(m.year + (m.month == 12), m.month % 12 + 1, 1)


@dataclass
class Scope:
    """What a report covers: a unit's subtree, a period, some procedures (none = all)."""

    unit: Unit
    period: Period
    procedures: Sequence[str] = ()

    def units(self) -> Any:
        return select(col(Unit.id)).where(col(Unit.path).startswith(self.unit.path))

    def stat_filter(self, model: Any) -> list[ColumnElement[bool]]:
        clauses = [
            model.unit_id.in_(self.units()),
            model.month >= self.period.first,
            model.month <= self.period.last,
        ]
        if self.procedures:
            clauses.append(model.procedure_code.in_(list(self.procedures)))
        return clauses

    def dossier_filter(self) -> list[ColumnElement[bool]]:
        clauses = [
            col(Dossier.mode) == Mode.real,
            col(Dossier.handling_unit_id).in_(self.units()),
        ]
        if self.procedures:
            clauses.append(col(Dossier.procedure_code).in_(list(self.procedures)))
        return clauses


# ---- timeliness ---------------------------------------------------------------------------------


@dataclass
class Row:
    key: Any
    label: str
    received: int = 0
    online: int = 0
    digitised: int = 0
    finished: int = 0
    resolved: int = 0
    early: int = 0
    on_time: int = 0
    late: int = 0
    elapsed_sum: float = 0.0
    supplement_requests: int = 0
    extensions: int = 0
    rated: int = 0
    satisfied: int = 0
    dissatisfied: int = 0
    # open dossiers now
    open: int = 0
    overdue: int = 0
    due_soon: int = 0
    paused: int = 0
    #: by unit only: the unit's id (its code is the key)
    unit_id: int | None = None
    # per procedure only
    unit_label: str = ""
    limit: float | None = None
    median: float | None = None
    histogram: dict[int, int] = field(default_factory=dict)

    @property
    def bucketed(self) -> int:
        return self.early + self.on_time + self.late

    @property
    def on_time_rate(self) -> float | None:
        return 100.0 * (self.early + self.on_time) / self.bucketed if self.bucketed else None

    @property
    def average(self) -> float | None:
        return self.elapsed_sum / self.resolved if self.resolved and self.unit_label else None

    def add(self, other: Row) -> None:
        for name in COUNTERS + OPEN_COUNTERS:
            setattr(self, name, getattr(self, name) + getattr(other, name))


COUNTERS = counter_names(StatDossier)
OPEN_COUNTERS = ("open", "overdue", "due_soon", "paused")


def due_soon_limit(now: datetime, cal: WorkCalendar) -> datetime:
    """An open dossier is due soon when at most one working day of working time remains
    (DESIGN §5): its due falls at or before this instant."""
    return compute_due(now, cal.day_minutes / 60, "hours", cal, explain=False).due


def _sum_counters(model: Any, names: Iterable[str]) -> list[Any]:
    return [func.coalesce(func.sum(getattr(model, n)), 0).label(n) for n in names]


def _open_now(
    session: Session, scope: Scope, key: Any, now: datetime, cal: WorkCalendar
) -> dict[Any, dict[str, int]]:
    """Open real dossiers now, by `key`: total, overdue, due soon, paused (partial index)."""
    soon = due_soon_limit(now, cal)
    paused = col(Dossier.paused_since).is_not(None)
    # a paused dossier's clock stands still: it is overdue if it already was when it stopped
    reference = func.coalesce(col(Dossier.paused_since), now)
    overdue = (col(Dossier.due_at) < reference) | (col(Dossier.supplement_requests) > 1)
    query = (
        select(
            key.label("k"),
            func.count().label("open"),
            func.count().filter(overdue).label("overdue"),
            func.count()
            .filter(~overdue & ~paused & (col(Dossier.due_at) <= soon))
            .label("due_soon"),
            func.count().filter(paused).label("paused"),
        )
        .where(
            *scope.dossier_filter(),
            col(Dossier.processing_ended_at).is_(None),
            col(Dossier.due_at).is_not(None),
        )
        .group_by(key)
    )
    return {r.k: {n: getattr(r, n) for n in OPEN_COUNTERS} for r in session.execute(query)}


def _medians(session: Session, scope: Scope) -> dict[str, tuple[float | None, dict[int, int]]]:
    """Median processing time per procedure (to 0.1 of its unit) from the histogram counters."""
    query = (
        select(
            col(StatElapsed.procedure_code), col(StatElapsed.tenths), func.sum(col(StatElapsed.n))
        )
        .where(*scope.stat_filter(StatElapsed))
        .group_by(col(StatElapsed.procedure_code), col(StatElapsed.tenths))
    )
    hist: dict[str, dict[int, int]] = defaultdict(dict)
    for code, tenths, n in session.execute(query):
        hist[code][int(tenths)] = int(n)
    return {code: (median_of(h), h) for code, h in hist.items()}


def median_of(histogram: dict[int, int]) -> float | None:
    """The median of values given as {tenths: count}, in units (mean of the two middle values
    for an even count)."""
    total = sum(histogram.values())
    if not total:
        return None
    wanted = [(total - 1) // 2, total // 2]
    found: list[int] = []
    seen = 0
    for value in sorted(histogram):
        count = histogram[value]
        while wanted and wanted[0] < seen + count:
            found.append(value)
            wanted.pop(0)
        seen += count
    return sum(found) / len(found) / 10


def child_of(session: Session, root: Unit) -> tuple[dict[int, int], dict[int, Unit]]:
    """Map every unit id under `root` to the direct child of `root` it lies under (or to `root`
    itself), and the children by id."""
    units = session.exec(select_rows(Unit).where(col(Unit.path).startswith(root.path))).all()
    children: dict[int, Unit] = {u.id: u for u in units if u.parent_id == root.id and u.id}
    depth = root.path.count("/")
    mapping: dict[int, int] = {}
    for u in units:
        assert u.id is not None and root.id is not None
        parts = u.path.strip("/").split("/")
        child_id = int(parts[depth - 1]) if len(parts) >= depth else 0
        mapping[u.id] = child_id if child_id in children else 0
    return mapping, children


def timeliness(
    session: Session,
    scope: Scope,
    registry: ProcedureRegistry,
    *,
    group: str,
    now: datetime,
    cal: WorkCalendar,
) -> tuple[list[Row], Row]:
    """Rows by procedure (with its unit of time, average and median) or by direct child unit,
    and the total row."""
    by_unit = group == "unit"
    key: Any = col(StatDossier.unit_id) if by_unit else col(StatDossier.procedure_code)
    query = (
        select(key.label("k"), *_sum_counters(StatDossier, COUNTERS))
        .where(*scope.stat_filter(StatDossier))
        .group_by(key)
    )
    rows: dict[Any, Row] = {}
    for r in session.execute(query):
        row = Row(key=r.k, label=str(r.k))
        for name in COUNTERS:
            setattr(row, name, getattr(r, name))
        rows[r.k] = row
    open_key = col(Dossier.handling_unit_id) if by_unit else col(Dossier.procedure_code)
    for k, counts in _open_now(session, scope, open_key, now, cal).items():
        row = rows.setdefault(k, Row(key=k, label=str(k)))
        for name, value in counts.items():
            setattr(row, name, value)
    total = Row(key=None, label="Tổng cộng")
    for row in rows.values():
        total.add(row)
    if by_unit:
        mapping, children = child_of(session, scope.unit)
        merged: dict[Any, Row] = {}
        for row in rows.values():
            target = mapping.get(row.key, 0)
            unit = children.get(target, scope.unit)
            into = merged.setdefault(target, Row(key=unit.code, label=unit.name, unit_id=unit.id))
            into.add(row)
        ordered = sorted(merged.values(), key=lambda r: r.label)
        return ordered, total
    medians = _medians(session, scope)
    for code, row in rows.items():
        procedure = registry.get(code) if code in registry else None
        if procedure is not None:
            row.label = procedure.name
            row.unit_label = LimitUnit(procedure.limit.unit).label
            row.limit = procedure.limit.value
        row.median, row.histogram = medians.get(code, (None, {}))
    return sorted(rows.values(), key=lambda r: (-r.received, r.key)), total


# ---- per step -----------------------------------------------------------------------------------


@dataclass
class StepRow:
    key: Any
    label: str
    detail: str = ""
    n: int = 0
    allotted: int = 0
    early: int = 0
    on_time: int = 0
    late: int = 0
    spent_sum: float = 0.0
    allot_sum: float = 0.0
    unit_id: int | None = None

    @property
    def late_rate(self) -> float | None:
        done = self.early + self.on_time + self.late
        return 100.0 * self.late / done if done else None

    @property
    def spent_avg(self) -> float | None:
        return self.spent_sum / self.allotted if self.allotted else None

    @property
    def allot_avg(self) -> float | None:
        return self.allot_sum / self.allotted if self.allotted else None

    def add(self, other: StepRow) -> None:
        for name in STEP_COUNTERS:
            setattr(self, name, getattr(self, name) + getattr(other, name))


STEP_COUNTERS = counter_names(StatStep)


def steps(
    session: Session,
    scope: Scope,
    registry: ProcedureRegistry,
    *,
    group: str,
    limit: int = 200,
) -> tuple[list[StepRow], StepRow]:
    """Closed steps by (procedure, step), by direct child unit, or by officer (latest first by
    number of late steps)."""
    if group == "unit":
        keys: tuple[Any, ...] = (StatStep.unit_id,)
    elif group == "officer":
        keys = (StatStep.officer_id,)
    else:
        keys = (StatStep.procedure_code, StatStep.state)
    sums = _sum_counters(StatStep, STEP_COUNTERS)
    # the totals over every group, computed with the groups (a window over the grouped rows), so
    # the officer list can stop at `limit` rows in the database
    totals = [
        func.sum(func.sum(getattr(StatStep, n))).over().label(f"t_{n}") for n in STEP_COUNTERS
    ]
    query = select(*keys, *sums, *totals).where(*scope.stat_filter(StatStep)).group_by(*keys)
    if group == "officer":
        late, n = col(StatStep.late), col(StatStep.n)
        query = query.order_by(func.sum(late).desc(), func.sum(n).desc(), keys[0]).limit(limit)
    rows: list[StepRow] = []
    total = StepRow(key=None, label="Tổng cộng")
    for r in session.execute(query):
        key = tuple(r[: len(keys)])
        row = StepRow(key=key if len(key) > 1 else key[0], label="")
        for name in STEP_COUNTERS:
            setattr(row, name, r._mapping[name])
            grand = r._mapping[f"t_{name}"] or 0  # PostgreSQL sums a sum as numeric
            setattr(total, name, float(grand) if name.endswith("_sum") else int(grand))
        rows.append(row)
    if group == "unit":
        mapping, children = child_of(session, scope.unit)
        merged: dict[Any, StepRow] = {}
        for row in rows:
            target = mapping.get(row.key, 0)
            unit = children.get(target, scope.unit)
            into = merged.setdefault(
                target, StepRow(key=unit.code, label=unit.name, unit_id=unit.id)
            )
            into.add(row)
        return sorted(merged.values(), key=lambda r: (-r.late, r.label)), total
    if group == "officer":
        ids = [r.key for r in rows if r.key]
        found = session.exec(select_rows(User).where(col(User.id).in_(ids))).all() if ids else []
        people = {u.id: u for u in found}
        unit_ids = {u.unit_id for u in found}
        units = {u.id: u for u in session.exec(select_rows(Unit).where(col(Unit.id).in_(unit_ids)))}
        for row in rows:
            person = people.get(row.key)
            row.label = person.full_name if person else "Hệ thống"
            where = units.get(person.unit_id) if person else None
            row.detail = f"{person.username} · {where.name if where else ''}" if person else ""
        return rows, total
    for row in rows:
        code, state = row.key
        procedure = registry.get(code) if code in registry else None
        row.detail = procedure.name if procedure else code
        state_def = procedure.states.get(state) if procedure else None
        row.label = state_def.label if state_def else state
    rows.sort(key=lambda r: (r.detail, r.key))
    return rows, total


# ---- trends -------------------------------------------------------------------------------------


def monthly(session: Session, scope: Scope) -> list[tuple[date, Row]]:
    """The counters per month of the period (months without data included as zeros)."""
    query = (
        select(col(StatDossier.month), *_sum_counters(StatDossier, COUNTERS))
        .where(*scope.stat_filter(StatDossier))
        .group_by(col(StatDossier.month))
    )
    found: dict[date, Row] = {}
    for r in session.execute(query):
        row = Row(key=r.month, label=f"{r.month:%m/%Y}")
        for name in COUNTERS:
            setattr(row, name, getattr(r, name))
        found[r.month] = row
    return [(m, found.get(m, Row(key=m, label=f"{m:%m/%Y}"))) for m in scope.period.months]


# ---- drill-down ----------------------------------------------------------------

DRILL = {
    "received": "Tiếp nhận trong kỳ",
    "finished": "Giải quyết xong trong kỳ",
    "early": "Trước hạn",
    "on_time": "Đúng hạn",
    "late": "Trễ hạn",
    "open": "Đang giải quyết",
    "overdue": "Đang quá hạn",
    "due_soon": "Sắp đến hạn",
    "paused": "Đang tạm dừng",
    "supplement": "Có yêu cầu bổ sung",
    "extended": "Có gia hạn",
}


def drill_filter(
    scope: Scope, kind: str, now: datetime, cal: WorkCalendar
) -> list[ColumnElement[bool]]:
    """The dossiers behind one figure of the timeliness report."""
    start, end = scope.period.bounds(cal)
    clauses = scope.dossier_filter()
    ended = col(Dossier.processing_ended_at)
    in_period = (ended >= start) & (ended < end)
    open_ = ended.is_(None) & col(Dossier.due_at).is_not(None)
    overdue = (col(Dossier.due_at) < func.coalesce(col(Dossier.paused_since), now)) | (
        col(Dossier.supplement_requests) > 1
    )
    paused = col(Dossier.paused_since).is_not(None)
    extra: dict[str, Any] = {
        "received": (col(Dossier.received_at) >= start) & (col(Dossier.received_at) < end),
        "finished": in_period,
        "early": in_period & (col(Dossier.result_bucket) == "early"),
        "on_time": in_period & (col(Dossier.result_bucket) == "on_time"),
        "late": in_period & (col(Dossier.result_bucket) == "late"),
        "open": open_,
        "overdue": open_ & overdue,
        "due_soon": open_ & ~overdue & ~paused & (col(Dossier.due_at) <= due_soon_limit(now, cal)),
        "paused": open_ & paused,
        "supplement": in_period & (col(Dossier.supplement_requests) > 0),
        "extended": in_period & (col(Dossier.extensions) > 0),
    }
    return [*clauses, extra.get(kind, extra["received"])]


def drill_down(
    session: Session,
    scope: Scope,
    kind: str,
    *,
    now: datetime,
    cal: WorkCalendar,
    page: int,
    per_page: int = 50,
    cap: int = 10_000,
) -> tuple[list[Dossier], int, bool]:
    """One page of the dossiers behind a figure, newest first; the total is counted up to
    `cap` (past it the page says "more than")."""
    where = drill_filter(scope, kind, now, cal)
    capped = select(col(Dossier.id)).where(*where).limit(cap + 1).subquery()
    total = session.execute(select(func.count()).select_from(capped)).scalar_one()
    items = session.exec(
        select_rows(Dossier)
        .where(*where)
        .order_by(col(Dossier.received_at).desc(), col(Dossier.id).desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return list(items), min(total, cap), total > cap
