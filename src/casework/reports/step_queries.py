"""The per-step report: closed steps against their allotments (Mẫu 06), from `stat_step`.

Grouped by (procedure, step), by direct child unit of the chosen unit, or by the officer who
handed the step on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col
from sqlmodel import select as select_rows

from casework.accounts.models import Unit, User
from casework.procedures import ProcedureRegistry
from casework.reports.models import StatStep, counter_names
from casework.reports.queries import Scope, child_of, sum_counters

STEP_GROUPS = {"step": "Theo bước", "unit": "Theo đơn vị trực thuộc", "officer": "Theo cán bộ"}


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
    sums = sum_counters(StatStep, STEP_COUNTERS)
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
