"""The units, officers, procedures and calendars the generated dossiers use.

The communes are the real ones (`casework.units`, the official tree); a few per province get
officers, with the user names `gen.<unit code>.<role>[n]`; all officers share one precomputed
password hash (the demo password), so the set-up costs one argon2 run, not thousands.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, col, select

from casework.accounts.models import Role, Unit, UnitKind, User, search_name
from casework.accounts.security import hash_password
from casework.clock import WorkCalendar
from casework.demo import DEMO_PASSWORD
from casework.demo_generate import names
from casework.dossiers.catalog import version_row_for
from casework.dossiers.clockwork import NATIONAL_SCOPE, CalendarSource
from casework.dossiers.models import CalendarOverride
from casework.dossiers.service import LEVEL_FOR_UNIT
from casework.procedures import Procedure, ProcedureRegistry
from casework.units import service as units_service
from casework.units import source as units_source

GEN_PREFIX = "gen."
ACTING = (Role.receiver.value, Role.handler.value, Role.leader.value)
#: Officers per acting role: a department has a few of each, a commune one.
STAFF = {
    UnitKind.department.value: {"receiver": 2, "handler": 4, "leader": 2},
    UnitKind.commune.value: {"receiver": 1, "handler": 1, "leader": 1},
    UnitKind.ministry.value: {"receiver": 1, "handler": 1, "leader": 1},
}
#: Relative size of a province (more dossiers in the big cities).
PROVINCE_WEIGHT = {
    "HNI": 3.0, "HCM": 3.5, "HPH": 1.6, "DNG": 1.4, "CTO": 1.3, "DNA": 1.5, "BNI": 1.4,
    "THO": 1.3, "NAN": 1.3, "HYE": 1.2, "KHA": 1.1, "QNI": 1.2,
}  # fmt: skip
#: Relative popularity of the shipped procedures; others get the default of their level.
PROCEDURE_WEIGHT = {
    "KHCN-TDC-CBHQ": 30.0, "2.002131": 15.0, "KHCN-BX-CP": 8.0, "KHCN-TDC-DDL": 8.0,
    "KHCN-BX-GH": 6.0, "2.002379": 6.0, "1.004473": 4.0, "KHCN-BX-SD": 3.0,
    "1.014445": 3.0, "1.014446": 2.0, "KHCN-BX-UPSC": 2.0,
    "KHCN-VT-GPDV": 1.0, "KHCN-VT-GPDV-SD": 1.0, "KHCN-VTD-ND-CC": 1.5, "KHCN-VTD-ND-GP": 1.5,
    "XA-DL-KTNN": 5.0, "XA-DL-HDGS": 3.0, "XA-CL-HHLT": 3.0,
}  # fmt: skip
DEFAULT_WEIGHT = 2.0
#: Share of all dossiers at each level (renormalised over the levels that have procedures).
LEVEL_SHARE = {"province": 0.70, "commune": 0.30, "ministry": 0.02}


@dataclass(frozen=True)
class UnitInfo:
    id: int
    code: str
    name: str
    kind: str
    level: str
    province: str
    weight: float


@dataclass
class ProcInfo:
    procedure: Procedure
    version_id: int
    version: int
    content_hash: str
    weight: float


@dataclass
class World:
    units: list[UnitInfo]
    procedures: list[ProcInfo]
    #: unit id → role → user ids (active users holding the role)
    staff: dict[int, dict[str, list[int]]]
    national: WorkCalendar
    #: units with calendar overrides of their own
    unit_calendars: dict[int, WorkCalendar] = field(default_factory=dict)
    created_units: int = 0
    created_users: int = 0

    def calendar(self, unit_id: int) -> WorkCalendar:
        return self.unit_calendars.get(unit_id, self.national)


def province_abbr(unit: Unit) -> str:
    """`SKHCN.HNI` → `HNI` (other department codes are used whole)."""
    return unit.code.split(".", 1)[1] if unit.code.startswith("SKHCN.") else unit.code


def ensure_communes(session: Session, per_province: int, seed: int) -> tuple[int, set[int]]:
    """The real tree (`casework units import`, a no-op when it is there) and, per province, the
    communes that get officers and dossiers: every one that already has staff (the demo's), and
    others by official code up to `per_province`, so the same communes every run.

    Returns the units the import added and the ids of the chosen communes.
    """
    report = units_service.import_tree(session, tree=units_source.load(), commit=False)
    units = session.exec(select(Unit).where(col(Unit.absent_since).is_(None))).all()
    staffed = {
        u.unit_id
        for u in session.exec(select(User).where(col(User.is_active))).all()
        if set(u.roles) & set(ACTING)
    }
    by_dept: dict[int, list[Unit]] = defaultdict(list)
    for u in units:
        if u.kind == UnitKind.commune and u.parent_id is not None:
            by_dept[u.parent_id].append(u)
    chosen: set[int] = set()
    for communes in by_dept.values():
        ordered = sorted(
            communes, key=lambda u: (u.id not in staffed, u.official_code or 0, u.code)
        )
        chosen.update(u.id for u in ordered[: max(0, per_province)] if u.id is not None)
        chosen.update(u.id for u in communes if u.id in staffed)  # and all that have staff
    return report.created, chosen


def ensure_staff(session: Session, now: datetime, communes: set[int] | None = None) -> int:
    """Give every department, and the chosen communes (all if None), receivers, handlers and
    leaders."""
    units = [
        u
        for u in session.exec(
            select(Unit).where(col(Unit.kind).in_([UnitKind.department, UnitKind.commune]))
        ).all()
        if u.kind == UnitKind.department or communes is None or u.id in communes
    ]
    users = session.exec(select(User)).all()
    taken = {u.username for u in users}
    have: dict[tuple[int, str], int] = defaultdict(int)
    for u in users:
        if u.is_active:
            for role in u.roles:
                have[(u.unit_id, role)] += 1
    password = hash_password(DEMO_PASSWORD)  # once, shared by every generated officer
    rng = random.Random("officers")
    rows: list[dict[str, Any]] = []
    for unit in sorted(units, key=lambda u: u.code):
        assert unit.id is not None
        for role, wanted in STAFF[unit.kind].items():
            n = have[(unit.id, role)]
            i = 0
            while n < wanted:
                i += 1
                username = f"{GEN_PREFIX}{unit.code.lower()}.{role}{'' if i == 1 else i}"
                if username in taken:
                    continue
                taken.add(username)
                full_name = names.person(rng)
                rows.append(
                    {
                        "username": username,
                        "full_name": full_name,
                        "search_name": search_name(username, full_name),
                        "unit_id": unit.id,
                        "roles": [role],
                        "password_hash": password,
                        "is_active": True,
                        "created_at": now,
                    }
                )
                n += 1
    for start in range(0, len(rows), 2000):
        session.execute(insert(User), rows[start : start + 2000])
    return len(rows)


def load_calendars(session: Session, source: CalendarSource) -> tuple[WorkCalendar, set[str]]:
    """The national calendar, and the codes of the units with calendar overrides of their own
    (their calendars come from `CalendarSource.for_unit`, exactly as the services build them)."""
    scopes = session.exec(select(CalendarOverride.scope).distinct()).all()
    return source.for_unit(session, None), {s for s in scopes if s != NATIONAL_SCOPE}


def load_world(
    session: Session,
    registry: ProcedureRegistry,
    source: CalendarSource,
    seed: int,
) -> World:
    """Everything the generator needs, read once (the workers get a copy when they fork)."""
    units = session.exec(select(Unit).order_by(col(Unit.id))).all()
    by_id = {u.id: u for u in units}
    national, own = load_calendars(session, source)
    infos: list[UnitInfo] = []
    unit_cals: dict[int, WorkCalendar] = {}
    for u in units:
        assert u.id is not None
        if u.code in own:
            unit_cals[u.id] = source.for_unit(session, u.id)
        level = LEVEL_FOR_UNIT[UnitKind(u.kind)]
        dept = u if u.kind != UnitKind.commune else by_id.get(u.parent_id)
        abbr = province_abbr(dept) if dept is not None else u.code
        weight = PROVINCE_WEIGHT.get(abbr, 1.0)
        if u.kind == UnitKind.commune:  # communes differ a lot in size
            weight *= random.Random(f"{seed}:size:{u.code}").lognormvariate(0.0, 0.6)
        infos.append(
            UnitInfo(u.id, u.code, u.name, u.kind, level, u.province or "", round(weight, 6))
        )
    staff: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for user in session.exec(select(User).order_by(col(User.id))).all():
        if not user.is_active:
            continue
        assert user.id is not None
        for role in user.roles:
            if role in ACTING:
                staff[user.unit_id][role].append(user.id)
    procs: list[ProcInfo] = []
    for p in registry.all():
        row = version_row_for(session, p)
        assert row.id is not None
        procs.append(
            ProcInfo(
                procedure=p,
                version_id=row.id,
                version=row.version,
                content_hash=row.content_hash,
                weight=PROCEDURE_WEIGHT.get(p.code, DEFAULT_WEIGHT),
            )
        )
    session.commit()
    return World(
        units=infos,
        procedures=procs,
        staff={k: dict(v) for k, v in staff.items()},
        national=national,
        unit_calendars=unit_cals,
    )
