"""Demo data for `make run`: the real unit tree (the ministry, the 34 provincial departments and
their 3,321 communes), one user per role per demo unit (demo mode only), dossiers in several
states, and the commune tier of Đồng Tháp for the readiness map (`demo_communes`).

Dossiers are made through the real services, so their events and hash chains are genuine.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from casework import demo_communes
from casework.accounts import service as accounts
from casework.accounts.models import Role, Unit, User
from casework.certificates import demo as certificates_demo
from casework.classes import demo as classes_demo
from casework.db import utcnow
from casework.dossiers import service as dossiers
from casework.dossiers.models import Channel, Dossier, Mode
from casework.errors import CaseworkError
from casework.inspections import demo as inspections_demo
from casework.procedures import Procedure, ProcedureRegistry
from casework.reviews.models import MentorAssignment
from casework.units import service as units_service
from casework.units import source as units_source

DEMO_PASSWORD = "casework-demo"

MINISTRY = ("BKHCN", "Bộ Khoa học và Công nghệ")

#: The communes of the demo users and dossiers (real ones; the whole tree is loaded).
COMMUNES = ["HNI.BADINH", "HNI.HOANKIEM", "KHA.THUANNAM", "DTH.CAOLANH"]

#: username prefix → (unit code, roles). One user per role.
DEMO_USERS: dict[str, tuple[str, list[Role]]] = {
    "bo": ("BKHCN", [Role.mentor, Role.auditor, Role.admin, Role.catalogue_editor]),
    "hni": ("SKHCN.HNI", [Role.receiver, Role.handler, Role.leader, Role.auditor, Role.admin]),
    "kha": ("SKHCN.KHA", [Role.receiver, Role.handler, Role.leader, Role.auditor, Role.admin]),
    "badinh": ("HNI.BADINH", [Role.receiver, Role.handler, Role.leader]),
    "thuannam": ("KHA.THUANNAM", [Role.receiver, Role.handler, Role.leader]),
}

PEOPLE = [
    "Nguyễn Thị Lan", "Trần Văn Minh", "Lê Thu Hà", "Phạm Quốc Huy", "Hoàng Thị Mai",
    "Vũ Đức Thắng", "Đặng Ngọc Anh", "Bùi Văn Nam", "Đỗ Thị Hương", "Ngô Minh Tuấn",
    "Dương Thị Thảo", "Lý Văn Long", "Phan Thanh Bình", "Võ Thị Hồng", "Trịnh Văn Khoa",
    "Hồ Thị Yến", "Mai Văn Tùng", "Tạ Thị Loan", "Đinh Công Sơn", "Cao Thị Nga",
]  # fmt: skip


def is_empty(session: Session) -> bool:
    return session.exec(select(Unit.id)).first() is None


def load_units(session: Session) -> dict[str, Unit]:
    """The real tree (casework.units): the ministry, the 34 provinces' Sở KH&CN and their 3,321
    communes and wards, with the official codes; unit codes as before (`SKHCN.HNI`,
    `HNI.BADINH`), so the demo users keep their units."""
    units_service.import_tree(session, tree=units_source.load(), commit=False)
    return {u.code: u for u in session.exec(select(Unit)).all()}


def load_users(session: Session, units: dict[str, Unit]) -> list[User]:
    users = []
    names = iter(PEOPLE)
    for prefix, (unit_code, roles) in DEMO_USERS.items():
        for role in roles:
            users.append(
                accounts.create_user(
                    session,
                    username=f"{prefix}.{role.value}",
                    full_name=next(names),
                    unit=units[unit_code],
                    roles=[role.value],
                    password=DEMO_PASSWORD,
                    commit=False,
                    demo=True,  # the shared demo password is allowed for demo data only
                )
            )
    return users


#: The procedure of the demo dossiers at each level.
DEMO_PROCEDURE = {"province": "2.002131", "commune": "XA-DL-KTNN"}


@dataclass(frozen=True)
class DemoCase:
    unit: str
    procedure_level: str
    applicant: str
    steps: int  # how many actions of the main path to take
    mode: str = Mode.real
    branch: str | None = None  # an action to take after the steps (e.g. a refusal)


DEMO_CASES = [
    DemoCase("SKHCN.HNI", "province", "Bệnh viện Đa khoa Hồng Ngọc", 0),
    DemoCase("SKHCN.HNI", "province", "Phòng khám Nha khoa Việt Mỹ", 1),
    DemoCase(
        "SKHCN.HNI",
        "province",
        "Công ty TNHH Thiết bị Y tế Minh An",
        1,
        branch="request_supplement",
    ),
    DemoCase("SKHCN.HNI", "province", "Bệnh viện Mắt Sài Gòn – Hà Nội", 99),
    DemoCase("SKHCN.HNI", "province", "Phòng khám Đa khoa Thái Hà", 0, branch="refuse_reception"),
    DemoCase("SKHCN.HNI", "province", "Trung tâm Y tế phường (làm thử)", 1, mode=Mode.practice),
    DemoCase("SKHCN.KHA", "province", "Bệnh viện Đa khoa tỉnh Khánh Hòa", 2),
    DemoCase("HNI.BADINH", "commune", "Chợ Ngọc Hà — kiểm tra cân", 1),
    DemoCase("KHA.THUANNAM", "commune", "Chợ Thuận Nam — kiểm tra cân", 99),
]


def _demo_value(procedure: Procedure, key: str, now: datetime) -> Any:
    spec = procedure.field_spec(key)
    if spec.type == "documents":
        return [procedure.documents[0].key] if procedure.documents else []
    if spec.type == "datetime":
        return (now + timedelta(days=7)).isoformat()
    if spec.type == "date":
        return now.date().isoformat()
    if spec.type == "number":
        return 1
    if spec.type == "choice":
        return (spec.choices or [""])[0]
    return f"{spec.label} (dữ liệu mẫu)"


#: Actions that leave the straight path (side branches and early ends); the generator's too.
SIDE_ACTIONS = frozenset(
    {
        "refuse_reception",
        "withdraw",
        "stop",
        "extend",
        "request_supplement",
        "refuse",
        "send_back",
        "cancel_inspection",
    }
)


def _main_path(procedure: Procedure) -> list[str]:
    """The actions of the straight path to a final state, skipping side branches."""
    side = SIDE_ACTIONS
    path, state, seen = [], procedure.initial_state, set()
    while state not in procedure.final_states and state not in seen:
        seen.add(state)
        options = [
            t
            for t in procedure.transitions_from(state)
            if t.action not in side and t.target != state
        ]
        if not options:
            break
        path.append(options[0].action)
        state = options[0].target
    return path


def _act(
    session: Session,
    actor_for: dict[str, User],
    dossier: Dossier,
    procedure: Procedure,
    action: str,
    now: datetime,
    tz: ZoneInfo,
) -> None:
    transition = procedure.transition(dossier.state, action)
    if transition is None:
        return
    actor = next(actor_for[r] for r in transition.roles if r in actor_for)
    data = {key: _demo_value(procedure, key, now) for key in transition.requires}
    dossiers.fire_action(
        session, actor=actor, code=dossier.code, action=action, data=data, tz=tz, now=now
    )


def load_dossiers(session: Session, registry: ProcedureRegistry, tz: ZoneInfo) -> int:
    count = 0
    base = utcnow() - timedelta(days=3)
    for i, case in enumerate(DEMO_CASES):
        unit = session.exec(select(Unit).where(Unit.code == case.unit)).one()
        staff = session.exec(select(User).where(User.unit_id == unit.id)).all()
        actor_for = {u.roles[0]: u for u in staff}
        procedure = registry.get(DEMO_PROCEDURE[case.procedure_level])
        opener_role = procedure.states[procedure.initial_state].roles[0]
        now = base + timedelta(hours=2 * i)
        dossier = dossiers.open_dossier(
            session,
            actor=actor_for[opener_role],
            procedure=procedure,
            applicant=dossiers.Applicant(
                name=case.applicant, kind="organisation", phone="0243 826 1234"
            ),
            mode=case.mode,
            channel=Channel.online if i % 3 == 0 else Channel.in_person,
            received_at=now,
            tz=tz,
            now=now,
        )
        for step, action in enumerate(_main_path(procedure)[: case.steps]):
            _act(
                session,
                actor_for,
                dossier,
                procedure,
                action,
                now + timedelta(minutes=30 * (step + 1)),
                tz,
            )
        if case.branch:
            _act(
                session,
                actor_for,
                dossier,
                procedure,
                case.branch,
                now + timedelta(hours=1, minutes=50),
                tz,
            )
        count += 1
    return count


def load(
    session: Session, registry: ProcedureRegistry, tz: ZoneInfo, upload_dir: Path | None = None
) -> dict[str, int]:
    """Load everything into an empty database; returns counts. Refuses a non-empty one.
    `upload_dir` takes the demo certificates' evidence files (none without it)."""
    if not is_empty(session):
        raise CaseworkError("Cơ sở dữ liệu đã có dữ liệu; không nạp dữ liệu mẫu.")
    units = load_units(session)
    users = load_users(session, units)
    session.commit()
    mentor = next(u for u in users if u.username == "bo.mentor")
    for code, real in (("SKHCN.HNI", True), ("SKHCN.KHA", False)):
        unit = units[code]
        assert mentor.id is not None
        assert unit.id is not None
        session.add(MentorAssignment(mentor_id=mentor.id, unit_id=unit.id, can_view_real=real))
    officers = demo_communes.load(session, password=DEMO_PASSWORD, mentor=mentor, now=utcnow())
    session.commit()
    count = load_dossiers(session, registry, tz)
    # issue 15's parts: certificates (with evidence files), inspections with their team and
    # finding rows, certificate classes with the provinces' demand
    certificates_demo.load_demo(session, upload_dir=upload_dir)
    count += inspections_demo.load_demo(session, registry, tz)
    classes_demo.load_demo(session, now=utcnow())
    return {"units": len(units), "users": len(users) + officers, "dossiers": count}
