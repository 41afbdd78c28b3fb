"""The demo classes: one completed (its present officers certified), one open with demand."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select

from casework.accounts import service as accounts
from casework.certificates.models import Certificate
from casework.classes.demo import load_demo
from casework.classes.models import ClassDemand, TrainingClass


def test_demo_classes(session, world):
    accounts.create_user(
        session, username="bo.admin", full_name="Quản trị Bộ", unit=world.ministry,
        roles=["admin"],
    )  # fmt: skip
    dth = accounts.create_unit(
        session, code="SKHCN.DTH", name="Sở KH&CN Đồng Tháp", kind="department",
        parent=world.ministry,
    )  # fmt: skip
    for i in range(22):
        unit = accounts.create_unit(
            session, code=f"DTH.X{i:02d}", name=f"UBND Xã {i:02d}", kind="commune", parent=dth
        )
        if i != 13:  # one commune without an officer account: a number of seats only
            accounts.create_user(
                session, username=f"dth.x{i:02d}.handler", full_name=f"Cán bộ xã {i:02d}",
                unit=unit, roles=["handler"],
            )  # fmt: skip
    assert load_demo(session, now=datetime(2026, 12, 5, tzinfo=UTC)) == 2
    classes = session.exec(select(TrainingClass).order_by(TrainingClass.id)).all()
    assert [k.status for k in classes] == ["completed", "open"]
    certs = session.exec(select(Certificate).where(Certificate.class_id == classes[0].id)).all()
    assert len(certs) == 2  # three officers, the first absent
    assert (
        len(session.exec(select(ClassDemand).where(ClassDemand.class_id == classes[1].id)).all())
        == 8
    )
