"""Fixtures of the class tests: the ministry's and the departments' admins, communes under Hà Nội
and Khánh Hòa with their officers, and a helper that opens a class."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from sqlmodel import Session

from casework.accounts import service as accounts
from casework.accounts.models import Unit, User
from casework.certificates.models import Certificate
from casework.classes import demand, service
from casework.classes.models import TrainingClass

FIELD = "Đo lường"


@dataclass
class Cast:
    units: dict[str, Unit]
    users: dict[str, User]

    def __getitem__(self, name: str) -> User:
        return self.users[name]


def make_cast(session: Session, world: Any) -> Cast:
    units = {"BO": world.ministry, "HNI": world.hni, "KHA": world.kha, "BADINH": world.commune}
    for code, name, parent in (
        ("HOANKIEM", "UBND Phường Hoàn Kiếm", world.hni),
        ("TAYHO", "UBND Phường Tây Hồ", world.hni),
        ("NHATRANG", "UBND Phường Nha Trang", world.kha),
    ):
        units[code] = accounts.create_unit(
            session, code=f"T.{code}", name=name, kind="commune", parent=parent
        )
    users = dict(world.users)
    spec = {
        "bo.admin": ("BO", ["admin"]),
        "hni.admin": ("HNI", ["admin"]),
        "kha.admin": ("KHA", ["admin"]),
        "badinh.admin": ("BADINH", ["admin"]),
        "badinh.a": ("BADINH", ["handler"]),
        "badinh.b": ("BADINH", ["handler"]),
        "hoankiem.a": ("HOANKIEM", ["handler"]),
        "tayho.a": ("TAYHO", ["handler"]),
        "nhatrang.a": ("NHATRANG", ["handler"]),
    }
    for name, (unit, roles) in spec.items():
        users[name] = accounts.create_user(
            session, username=name, full_name=f"Cán bộ {name}", unit=units[unit], roles=roles
        )
    return Cast(units, users)


@pytest.fixture
def cast(session: Session, world: Any) -> Cast:
    return make_cast(session, world)


def open_class(session: Session, cast: Cast, *, capacity: int = 3, **over: Any) -> TrainingClass:
    values = {
        "title": "Lớp nghiệp vụ kiểm tra đo lường — Hải Phòng", "field": FIELD,
        "mode": "in_person", "place": "Hải Phòng", "start_date": "2026-12-10",
        "end_date": "2026-12-11", "capacity": str(capacity), **over,
    }  # fmt: skip
    return service.open_class(session, actor=cast["bo.admin"], values=values)


def ask(
    session: Session, cast: Cast, klass: TrainingClass, commune: str, *,
    officers: tuple[str, ...] = (), seats: int = 0, by: str = "hni.admin",
) -> Any:  # fmt: skip
    assert klass.id is not None
    return demand.save_demand(
        session, actor=cast[by], class_id=klass.id,
        values={"commune": str(cast.units[commune].id), "seats": str(seats), "note": ""},
        officer_ids=[str(cast[o].id) for o in officers],
    )  # fmt: skip


def certify(session: Session, user: User, field: str = FIELD, number: str = "CC-1") -> None:
    assert user.id is not None
    session.add(
        Certificate(
            user_id=user.id,
            field=field,
            course="Lớp cũ",
            issuer="Bộ KH&CN",
            number=number,
            issued_on=date(2025, 1, 1),
        )
    )
    session.commit()
