"""Small builders for test data (plain functions, through the real services)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from casework.accounts import service as accounts
from casework.accounts.models import Unit, User
from casework.dossiers import service
from casework.dossiers.models import Dossier
from casework.procedures import Procedure

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


@dataclass
class World:
    """A ministry, two departments (HNI, KHA), a commune under HNI, and staff for each."""

    ministry: Unit
    hni: Unit
    kha: Unit
    commune: Unit
    users: dict[str, User]

    def __getitem__(self, name: str) -> User:
        return self.users[name]


def build_world(session: Session) -> World:
    ministry = accounts.create_unit(session, code="BKHCN", name="Bộ KH&CN", kind="ministry")
    hni = accounts.create_unit(
        session, code="SKHCN.HNI", name="Sở KH&CN Hà Nội", kind="department", parent=ministry
    )
    kha = accounts.create_unit(
        session, code="SKHCN.KHA", name="Sở KH&CN Khánh Hòa", kind="department", parent=ministry
    )
    commune = accounts.create_unit(
        session, code="HNI.BADINH", name="UBND Phường Ba Đình", kind="commune", parent=hni
    )
    spec = {
        "hni.receiver": (hni, ["receiver"]),
        "hni.receiver2": (hni, ["receiver"]),
        "hni.handler": (hni, ["handler"]),
        "hni.leader": (hni, ["leader"]),
        "hni.auditor": (hni, ["auditor"]),
        "kha.receiver": (kha, ["receiver"]),
        "kha.handler": (kha, ["handler"]),
        "bo.auditor": (ministry, ["auditor"]),
        "bo.mentor": (ministry, ["mentor"]),
        "badinh.receiver": (commune, ["receiver", "handler", "leader"]),
    }
    users = {
        name: accounts.create_user(
            session, username=name, full_name=f"Cán bộ {name}", unit=unit, roles=roles
        )
        for name, (unit, roles) in spec.items()
    }
    return World(ministry=ministry, hni=hni, kha=kha, commune=commune, users=users)


def open_xray(
    session: Session,
    procedure: Procedure,
    actor: User,
    *,
    mode: str = "real",
    received_at: datetime | None = None,
    now: datetime | None = None,
    name: str = "Bệnh viện Đa khoa Hồng Ngọc",
) -> Dossier:
    return service.open_dossier(
        session,
        actor=actor,
        procedure=procedure,
        applicant=service.Applicant(name=name, kind="organisation"),
        mode=mode,
        received_at=received_at,
        now=now,
        tz=TZ,
    )


def fire(
    session: Session, actor: User, dossier: Dossier | str, action: str, **data: Any
) -> Dossier:
    code = dossier if isinstance(dossier, str) else dossier.code
    return service.fire_action(session, actor=actor, code=code, action=action, data=data, tz=TZ)


def accepted_xray(session: Session, procedure: Procedure, receiver: User) -> Dossier:
    """An X-ray dossier opened and accepted by `receiver`, committed: at the review step."""
    dossier = open_xray(session, procedure, receiver)
    fire(session, receiver, dossier, "accept")
    session.commit()
    return dossier
