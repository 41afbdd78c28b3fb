"""A commune with an inspection team to choose from: certified, uncertified and expired."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlmodel import Session

from casework.accounts import service as accounts
from casework.accounts.models import User
from casework.certificates.models import Certificate
from casework.db import utcnow
from casework.dossiers.models import Dossier
from casework.inspections import plans, service
from casework.inspections.service import Establishment, TeamLine
from casework.text import fold
from tests.factories import TZ, World

DL = "XA-DL-KTNN"


@dataclass
class Team:
    leader: User  # Chủ tịch: signs the decision
    head: User  # certified
    tech: User  # certified
    member: User  # no certificate: refused even as a plain member (the commune's own staff)
    expired: User  # certificate ended
    seconded: User  # of the department above, certified


def certify(session: Session, user: User, *, until: date | None = None, number: str = "") -> None:
    session.add(
        Certificate(
            user_id=user.id or 0,
            field="Đo lường",
            course="Bồi dưỡng nghiệp vụ kiểm tra nhà nước về đo lường",
            issuer="Ủy ban Tiêu chuẩn Đo lường Chất lượng quốc gia",
            number=number or f"DL-{user.username}",
            issued_on=date(2025, 9, 1),
            valid_until=until,
        )
    )
    session.commit()


def build_team(session: Session, world: World) -> Team:
    def user(name: str, roles: list[str], unit: Any = None) -> User:
        login = fold(name).replace(" ", ".")
        return accounts.create_user(
            session, username=login, full_name=name, unit=unit or world.commune, roles=roles
        )

    team = Team(
        leader=user("Chủ tịch Lê Văn Lãnh", ["leader"]),
        head=user("Trần Thị Trưởng", ["handler"]),
        tech=user("Phạm Văn Kỹ", ["handler"]),
        member=user("Hoàng Thị Mới", ["handler"]),
        expired=user("Vũ Văn Cũ", ["handler"]),
        seconded=user("Đỗ Thị Sở", ["handler"], world.hni),
    )
    certify(session, team.head)
    certify(session, team.tech)
    certify(session, team.seconded)
    certify(session, team.expired, until=date(2026, 3, 31), number="DL-2024-017")
    return team


def open_planned(
    session: Session, registry: Any, actor: User, name: str = "Chợ Ngọc Hà"
) -> Dossier:
    procedures = registry.all()
    plan = plans.create_plan(
        session,
        actor=actor,
        procedures=procedures,
        year=2026,
        number="15/KH-UBND",
        approved_on=date(2026, 1, 10),
        approved_by="Lê Văn Lãnh",
    )
    item = plans.add_plan_item(
        session,
        actor=actor,
        procedures=procedures,
        plan_id=plan.id or 0,
        procedure_code=DL,
        month=12,
        establishment=Establishment(name, "Phố Ngọc Hà, Ba Đình", "01A8012345", "Rau quả, thịt"),
    )
    return service.open_inspection(
        session,
        actor=actor,
        procedures=procedures,
        procedure_code="",
        establishment=Establishment(""),
        plan_item_id=item.id,
        tz=TZ,
    )


def decide(
    session: Session,
    actor: User,
    dossier: Dossier,
    lines: list[tuple[User, str]],
    *,
    at: datetime | None = None,
    now: datetime | None = None,
) -> Dossier:
    return service.issue_decision(
        session,
        actor=actor,
        code=dossier.code,
        decision_number="27/QĐ-UBND",
        inspection_at=at or utcnow() + timedelta(hours=2),
        place="Chợ Ngọc Hà, Ba Đình",
        team=[TeamLine(u.id, role) for u, role in lines],
        tz=TZ,
        now=now,
    )
