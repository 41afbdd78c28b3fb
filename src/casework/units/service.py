"""`casework units import`: bring the unit tree in line with the official list, idempotently.

- A province is matched to its Sở KH&CN by official code, else by our unit code (`SKHCN.HNI`,
  for trees made before the import); a commune likewise (`HNI.BADINH`). A matched unit keeps its
  id and code; its official code, official name, division type and province are set.
- A new name in the list renames the unit and records a `UnitChange` (old and new name); a
  commune under another province is moved (recorded); a unit absent from the list is marked
  (`absent_since`, recorded) and never deleted, so its dossiers and users stay; one that comes
  back is unmarked (recorded).
- Running it again with the same list changes nothing and records nothing.

New units are written in bulk (a multi-row INSERT … RETURNING, one UPDATE for their paths), so
the whole tree (3,355 units) takes about a second on either database.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import String, cast, insert, update
from sqlmodel import Session, SQLModel, col, select

from casework.accounts.models import Unit, UnitKind
from casework.caching.service import bump
from casework.db import utcnow
from casework.units.models import UnitChange, UnitChangeKind
from casework.units.source import Division, Tree

MINISTRY = ("BKHCN", "Bộ Khoa học và Công nghệ")


@dataclass
class ImportReport:
    source: str
    created: int = 0
    renamed: int = 0
    moved: int = 0
    absent: int = 0
    returned: int = 0
    linked: int = 0
    unchanged: int = 0
    seconds: float = 0.0
    #: official code → unit id of every unit of the list (departments and communes apart)
    departments: dict[int, int] = field(default_factory=dict)
    communes: dict[int, int] = field(default_factory=dict)

    @property
    def changed(self) -> int:
        return self.created + self.renamed + self.moved + self.absent + self.returned + self.linked


class _Run:
    def __init__(self, session: Session, tree: Tree, now: datetime) -> None:
        self.session = session
        self.tree = tree
        self.now = now
        self.report = ImportReport(source=tree.label)
        self.changes: list[dict[str, Any]] = []
        units = session.exec(select(Unit)).all()
        self.by_official = {(u.kind, u.official_code): u for u in units if u.official_code}
        self.by_code = {u.code: u for u in units}
        self.taken = set(self.by_code)  # codes in use, and those given out in this run

    def record(self, unit: Unit, change: UnitChangeKind, old: str = "", new: str = "") -> None:
        self.changes.append(
            {
                "unit_id": unit.id,
                "change": change.value,
                "old_value": old[:255],
                "new_value": new[:255],
                "source": self.tree.label[:64],
                "at": self.now,
            }
        )
        setattr(self.report, change.value, getattr(self.report, change.value) + 1)

    def match(self, kind: str, d: Division) -> Unit | None:
        unit = self.by_official.get((kind, d.official_code))
        if unit is not None:
            return unit
        unit = self.by_code.get(d.code)
        if unit is not None and unit.kind == kind and unit.official_code is None:
            return unit
        return None

    def free_code(self, code: str, official_code: int) -> str:
        return code if code not in self.taken else f"{code}.{official_code}"

    def update(self, unit: Unit, d: Division, parent: Unit) -> None:
        """Bring one matched unit in line with `d`, recording what an officer would care about."""
        before = (unit.official_code, unit.official_name, unit.name, unit.parent_id)
        if unit.official_code is None:
            unit.official_code = d.official_code
            self.record(unit, UnitChangeKind.linked, "", str(d.official_code))
        if unit.official_name != d.official_name or unit.name != d.name:
            if unit.official_name is not None and unit.official_name != d.official_name:
                self.record(unit, UnitChangeKind.renamed, unit.official_name, d.official_name)
            elif unit.name != d.name:
                self.record(unit, UnitChangeKind.renamed, unit.name, d.name)
            unit.official_name = d.official_name
            unit.name = d.name
        if unit.division_type != d.division_type:
            unit.division_type = d.division_type
        if unit.province != d.province:
            unit.province = d.province
        if unit.parent_id != parent.id:
            old_parent = self.session.get(Unit, unit.parent_id) if unit.parent_id else None
            self.record(
                unit, UnitChangeKind.moved, old_parent.code if old_parent else "", parent.code
            )
            unit.parent_id = parent.id
            unit.path = f"{parent.path}{unit.id}/"
        if unit.absent_since is not None:
            unit.absent_since = None
            self.record(unit, UnitChangeKind.returned)
        after = (unit.official_code, unit.official_name, unit.name, unit.parent_id)
        if before == after:
            self.report.unchanged += 1

    def level(self, kind: str, divisions: Iterable[Division], parent_of: Any) -> dict[int, int]:
        """Match or create the units of one level; official code → unit id."""
        ids: dict[int, int] = {}
        new: list[tuple[Division, Unit]] = []
        for d in divisions:
            parent = parent_of(d)
            unit = self.match(kind, d)
            if unit is not None:
                self.update(unit, d, parent)
                assert unit.id is not None
                ids[d.official_code] = unit.id
            else:
                new.append((d, parent))
        self.session.flush()
        if not new:
            return ids
        rows = []
        for d, parent in new:
            code = self.free_code(d.code, d.official_code)
            self.taken.add(code)
            rows.append(
                {
                    "code": code,
                    "name": d.name,
                    "kind": kind,
                    "parent_id": parent.id,
                    "province": d.province,
                    "path": "/",
                    "official_code": d.official_code,
                    "official_name": d.official_name,
                    "division_type": d.division_type,
                }
            )
        made = self.session.execute(
            insert(Unit).returning(col(Unit.id), sort_by_parameter_order=True), rows
        ).scalars()
        for (d, _), unit_id in zip(new, made, strict=True):
            ids[d.official_code] = unit_id
        # every new unit's path in one statement: its parent's path, its id, "/"
        table = SQLModel.metadata.tables["unit"]
        parent = table.alias("parent")
        parent_path = select(parent.c.path).where(parent.c.id == table.c.parent_id)
        self.session.execute(
            update(table)
            .where(table.c.path == "/", table.c.parent_id.is_not(None))
            .values(path=parent_path.scalar_subquery() + cast(table.c.id, String) + "/")
        )
        bump(self.session)  # units written with Core: the process caches must read them again
        self.report.created += len(new)
        return ids

    def mark_absent(self, kind: str, present: set[int]) -> None:
        for (k, code), unit in self.by_official.items():
            if k == kind and code not in present and unit.absent_since is None:
                unit.absent_since = self.now
                self.record(unit, UnitChangeKind.absent)


def ministry(session: Session) -> Unit:
    """The root ministry unit, made if the tree is empty."""
    root = session.exec(
        select(Unit).where(Unit.kind == UnitKind.ministry).order_by(col(Unit.id))
    ).first()
    if root is None:
        root = Unit(code=MINISTRY[0], name=MINISTRY[1], kind=UnitKind.ministry)
        session.add(root)
        session.flush()
        root.path = f"/{root.id}/"
    return root


def import_tree(
    session: Session,
    *,
    tree: Tree,
    provinces: set[int] | None = None,
    communes: set[int] | None = None,
    now: datetime | None = None,
    commit: bool = True,
) -> ImportReport:
    """Import `tree` (every province, or only `provinces` by official code; every commune of
    them, or only `communes`). Marking units absent happens only for a whole-tree import."""
    started = time.perf_counter()
    root = ministry(session)
    run = _Run(session, tree, now or utcnow())
    depts = [p for p in tree.provinces if provinces is None or p.official_code in provinces]
    run.report.departments = run.level(UnitKind.department, depts, lambda d: root)
    dept_units = {
        code: session.get(Unit, unit_id) for code, unit_id in run.report.departments.items()
    }
    wards = [
        c
        for c in tree.communes
        if c.parent_official_code in dept_units
        and (communes is None or c.official_code in communes)
    ]
    run.report.communes = run.level(
        UnitKind.commune, wards, lambda d: dept_units[d.parent_official_code]
    )
    if provinces is None and communes is None:
        run.mark_absent(UnitKind.department, {p.official_code for p in tree.provinces})
        run.mark_absent(UnitKind.commune, {c.official_code for c in tree.communes})
    session.flush()
    if run.changes:
        session.execute(insert(UnitChange), run.changes)
    if commit:
        session.commit()
    run.report.seconds = time.perf_counter() - started
    return run.report
