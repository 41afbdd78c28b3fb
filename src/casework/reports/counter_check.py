"""The report counters compared with what the dossiers say (issue 17, finding 5).

Every report reads the `stat_*` tables, kept incrementally by `reports.stats`. An `UPDATE
stat_dossier SET late = 0` would change every timeliness figure without touching a dossier or an
event. The integrity check recomputes the counters with the same SQL as `casework reports
rebuild` (`stats.compute`, nothing written) and names each counter that differs. The dossier
and step columns those counters are computed from are in turn checked against the events
(`dossiers.derived`), so a report figure is tied to the event chain in two steps.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select as sa_select
from sqlmodel import Session, SQLModel, select

from casework.accounts.models import Unit
from casework.clock import WorkCalendar
from casework.reports import stats
from casework.reports.models import StatDossier, StatElapsed, StatStep, counter_names

#: sums of processing times are compared to this many decimals (summed in another order)
PLACES = 4
KEYS: dict[type[SQLModel], tuple[str, ...]] = {
    StatDossier: ("unit_id", "procedure_code", "month"),
    StatElapsed: ("unit_id", "procedure_code", "month", "tenths"),
    StatStep: ("unit_id", "procedure_code", "state", "officer_id", "month"),
}


@dataclass(frozen=True)
class CounterProblem:
    """A report counter that differs from the same counter recomputed from the dossiers."""

    table: str
    key: str  # "SKHCN.HNI · 2.002131 · 05/2026 · …"
    column: str
    stored: str
    expected: str

    @property
    def problem(self) -> str:
        return (
            f"số liệu báo cáo {self.table} ({self.key}), cột {self.column}: đang ghi "
            f"«{self.stored}», tính lại từ hồ sơ được «{self.expected}»"
        )

    def __str__(self) -> str:
        return self.problem[0].upper() + self.problem[1:]


def compare(
    session: Session, cal: WorkCalendar | None = None, *, units: Iterable[int] | None = None
) -> tuple[int, list[CounterProblem]]:
    """How many counter rows were compared, and every stored counter (of `units`, or all) that
    the recomputation contradicts."""
    wanted = list(units) if units is not None else None
    fresh = stats.compute(session, cal, units=wanted)
    codes = {uid: code for uid, code in session.exec(select(Unit.id, Unit.code)).all() if uid}
    found: list[CounterProblem] = []
    compared = 0
    for model, rows in (
        (StatDossier, fresh.dossier),
        (StatElapsed, fresh.elapsed),
        (StatStep, fresh.step),
    ):
        n, problems = _compare_table(session, model, rows, wanted, codes)
        compared += n
        found += problems
    return compared, found


def _key(model: type[SQLModel], row: Any) -> tuple[Any, ...]:
    get = row.get if isinstance(row, dict) else row._mapping.get
    return tuple(get(k) for k in KEYS[model])


def _compare_table(
    session: Session,
    model: type[SQLModel],
    rows: list[dict[str, Any]],
    units: list[int] | None,
    codes: dict[int, str],
) -> tuple[int, list[CounterProblem]]:
    names = counter_names(model)
    table = model.__table__  # type: ignore[attr-defined]
    query = sa_select(*table.c)
    if units is not None:
        query = query.where(table.c.unit_id.in_(units))
    stored = {_key(model, r): r for r in session.execute(query)}
    expected = {_key(model, r): r for r in rows}
    found: list[CounterProblem] = []
    for key in sorted(stored.keys() | expected.keys(), key=str):
        have, want = stored.get(key), expected.get(key)
        for name in names:
            a = getattr(have, name) if have is not None else 0
            b = want.get(name, 0) if want is not None else 0
            if round(float(a or 0), PLACES) != round(float(b or 0), PLACES):
                found.append(
                    CounterProblem(
                        str(model.__tablename__),
                        _describe(model, key, codes),
                        name,
                        _number(a),
                        _number(b),
                    )  # fmt: skip
                )
    return len(stored.keys() | expected.keys()), found


def _describe(model: type[SQLModel], key: tuple[Any, ...], codes: dict[int, str]) -> str:
    parts = dict(zip(KEYS[model], key, strict=True))
    year, month = str(parts["month"])[:7].split("-")
    out = [codes.get(parts["unit_id"], f"đơn vị #{parts['unit_id']}"), parts["procedure_code"]]
    out.append(f"tháng {month}/{year}")
    if "state" in parts:
        out.append(f"bước {parts['state']}, cán bộ #{parts['officer_id']}")
    if "tenths" in parts:
        out.append(f"{parts['tenths'] / 10:g} đơn vị thời gian")
    return " · ".join(str(p) for p in out)


def _number(value: Any) -> str:
    number = float(value or 0)
    return str(int(number)) if number.is_integer() else f"{number:.2f}"
