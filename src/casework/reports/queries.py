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

from casework.accounts.models import Unit
from casework.clock import LimitUnit, WorkCalendar
from casework.dossiers.models import Dossier, Mode
from casework.procedures import ProcedureRegistry
from casework.reports import progress
from casework.reports.models import StatDossier, StatElapsed, counter_names

BUCKETS = ("early", "on_time", "late")
GROUPS = {"procedure": "Theo thủ tục", "unit": "Theo đơn vị trực thuộc"}


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

    def stat_filter(self, model: Any, *, since_start: bool = False) -> list[ColumnElement[bool]]:
        """The counter rows of the scope's months (`since_start`: of every month up to the
        period's last)."""
        clauses = [model.unit_id.in_(self.units()), model.month <= self.period.last]
        if not since_start:
            clauses.append(model.month >= self.period.first)
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
    """One row of the timeliness report: the period's counters, the dossiers carried over from
    before it, and the dossiers in progress at its end by state (`reports.progress`)."""

    key: Any
    label: str
    #: received before the period and not finished before it
    carried: int = 0
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
    # in progress at the end of the period (now, if the period reaches today), by state
    on_track: int = 0
    due_soon: int = 0
    overdue: int = 0
    paused: int = 0
    not_started: int = 0
    #: by unit only: the unit's id (its code is the key)
    unit_id: int | None = None
    # per procedure only
    unit_label: str = ""
    limit_unit: str = ""
    limit: float | None = None
    median: float | None = None
    histogram: dict[int, int] = field(default_factory=dict)

    @property
    def to_handle(self) -> int:
        """Carried over + received in the period."""
        return self.carried + self.received

    @property
    def in_progress(self) -> int:
        """From the counters: to handle − finished in the period."""
        return self.to_handle - self.finished

    @property
    def open(self) -> int:
        """From the dossiers: the sum of the states in progress (equals `in_progress`)."""
        return sum(getattr(self, p) for p in progress.PARTS)

    @property
    def bucketed(self) -> int:
        return self.early + self.on_time + self.late

    @property
    def unrated(self) -> int:
        """Finished without a bucket: ended before its clock started (e.g. stopped while the fee
        was awaited), so neither early, on time nor late."""
        return self.finished - self.bucketed

    @property
    def on_time_rate(self) -> float | None:
        return 100.0 * (self.early + self.on_time) / self.bucketed if self.bucketed else None

    @property
    def average(self) -> float | None:
        return self.elapsed_sum / self.resolved if self.resolved and self.unit_label else None

    @property
    def empty(self) -> bool:
        return not (self.carried or self.open or any(getattr(self, n) for n in COUNTERS))

    def add(self, other: Row) -> None:
        for name in ("carried", *COUNTERS, *progress.PARTS):
            setattr(self, name, getattr(self, name) + getattr(other, name))


COUNTERS = counter_names(StatDossier)
due_soon_limit = progress.due_soon_limit


def sum_counters(model: Any, names: Iterable[str]) -> list[Any]:
    return [func.coalesce(func.sum(getattr(model, n)), 0).label(n) for n in names]


def _period_counters(scope: Scope, key: Any) -> Any:
    """The period's counters by `key`, and `carried`: received − finished in every month
    before the period (one pass over the counter rows up to the period's last month)."""
    inside = col(StatDossier.month) >= scope.period.first
    sums = [
        func.coalesce(func.sum(getattr(StatDossier, n)).filter(inside), 0).label(n)
        for n in COUNTERS
    ]
    before = col(StatDossier.received) - col(StatDossier.finished)
    carried = func.coalesce(func.sum(before).filter(~inside), 0).label("carried")
    return (
        select(key.label("k"), carried, *sums)
        .where(*scope.stat_filter(StatDossier, since_start=True))
        .group_by(key)
    )


def progress_at(scope: Scope, now: datetime, cal: WorkCalendar) -> tuple[datetime, bool]:
    """When the report reads the dossiers in progress: the end of the period, or now."""
    return progress.reference(scope.period.bounds(cal)[1], now)


def _open_now(
    session: Session, scope: Scope, key: Any, now: datetime, cal: WorkCalendar
) -> dict[Any, dict[str, int]]:
    at, current = progress_at(scope, now, cal)
    return progress.in_progress(session, scope.dossier_filter(), key, at, current=current, cal=cal)


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
    rows: dict[Any, Row] = {}
    for r in session.execute(_period_counters(scope, key)):
        row = Row(key=r.k, label=str(r.k), carried=int(r.carried))
        for name in COUNTERS:
            setattr(row, name, getattr(r, name))
        rows[r.k] = row
    open_key = col(Dossier.handling_unit_id) if by_unit else col(Dossier.procedure_code)
    for k, counts in _open_now(session, scope, open_key, now, cal).items():
        row = rows.setdefault(k, Row(key=k, label=str(k)))
        for name, value in counts.items():
            setattr(row, name, value)
    rows = {k: row for k, row in rows.items() if not row.empty}
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
            row.limit_unit = LimitUnit(procedure.limit.unit).value
            row.limit = procedure.limit.value
        row.median, row.histogram = medians.get(code, (None, {}))
    return sorted(rows.values(), key=lambda r: (-r.received, r.key)), total


# ---- trends -------------------------------------------------------------------------------------


def monthly(session: Session, scope: Scope) -> list[tuple[date, Row]]:
    """The counters per month of the period (months without data included as zeros), each
    with the dossiers carried over into it (so each month reconciles like the report)."""
    query = (
        select(col(StatDossier.month), *sum_counters(StatDossier, COUNTERS))
        .where(*scope.stat_filter(StatDossier, since_start=True))
        .group_by(col(StatDossier.month))
    )
    found: dict[date, Row] = {}
    carried = 0
    for r in session.execute(query):
        if r.month < scope.period.first:
            carried += r.received - r.finished
            continue
        row = Row(key=r.month, label=f"{r.month:%m/%Y}")
        for name in COUNTERS:
            setattr(row, name, getattr(r, name))
        found[r.month] = row
    out = []
    for m in scope.period.months:
        row = found.get(m) or Row(key=m, label=f"{m:%m/%Y}")
        row.carried = carried
        carried = row.in_progress
        out.append((m, row))
    return out
