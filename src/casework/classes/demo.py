"""Demo classes (issue 15, C2): one class taught and completed (its officers now certified) and
one open for enrolment with the demand of Đồng Tháp and Hà Nội, ready for the ministry to fill
from the priority list. Made through the services; call after `demo_communes.load`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from casework.accounts.models import Unit, User
from casework.classes import demand, service

MEASUREMENT = "Đo lường"


def _handler(session: Session, unit: Unit) -> User | None:
    return session.exec(
        select(User)
        .where(User.unit_id == unit.id, col(User.username).like("%.handler"))
        .order_by(col(User.id))
    ).first()


def _class(session: Session, admin: User, title: str, start: datetime, capacity: int) -> int:
    values = {
        "title": title, "field": MEASUREMENT, "mode": "in_person",
        "place": title.rsplit("— ", 1)[-1], "start_date": start.date().isoformat(),
        "end_date": (start + timedelta(days=1)).date().isoformat(), "capacity": str(capacity),
        "note": "Lớp hai ngày của Ủy ban Tiêu chuẩn Đo lường Chất lượng quốc gia.",
    }  # fmt: skip
    klass = service.open_class(session, actor=admin, values=values)
    assert klass.id is not None
    return klass.id


def _ask(session: Session, admin: User, class_id: int, units: list[Unit]) -> list[int]:
    ids = []
    for unit in units:
        officer = _handler(session, unit)
        row = demand.save_demand(
            session, actor=admin, class_id=class_id,
            values={"commune": str(unit.id), "seats": "" if officer else "1",
                    "note": "Xã chưa có cán bộ được đào tạo."},
            officer_ids=[str(officer.id)] if officer else [],
        )  # fmt: skip
        if row is not None and row.id is not None:
            ids.append(row.id)
    return ids


def load_demo(session: Session, *, now: datetime) -> int:
    """Two classes; returns how many. Needs the ministry's admin `bo.admin`."""
    admin = session.exec(select(User).where(User.username == "bo.admin")).first()
    dth = session.exec(select(Unit).where(Unit.code == "SKHCN.DTH")).first()
    if admin is None or dth is None:
        return 0
    communes = list(
        session.exec(
            select(Unit).where(Unit.parent_id == dth.id).order_by(col(Unit.official_code))
        ).all()
    )
    done = _class(session, admin, "Lớp nghiệp vụ kiểm tra đo lường — Hải Phòng",
                  now - timedelta(days=40), 4)  # fmt: skip
    chosen = _ask(session, admin, done, communes[10:13])
    klass = service.fill(
        session, actor=admin, class_id=done, demand_ids=chosen, version=1, ranks={}
    )
    named = [s for s in service.seats_of(session, done) if s.user_id]
    marks = {s.id or 0: "present" if i else "absent" for i, s in enumerate(named)}  # one absent
    klass = service.record_attendance(
        session, actor=admin, class_id=done, marks=marks, version=klass.version
    )
    service.complete(session, actor=admin, class_id=done, version=klass.version)
    upcoming = _class(session, admin, "Lớp nghiệp vụ kiểm tra đo lường — Tây Ninh",
                      now + timedelta(days=20), 6)  # fmt: skip
    _ask(session, admin, upcoming, communes[13:21])
    badinh = session.exec(select(Unit).where(Unit.code == "HNI.BADINH")).first()
    hni_admin = session.exec(select(User).where(User.username == "hni.admin")).first()
    if badinh is not None and hni_admin is not None:
        _ask(session, hni_admin, upcoming, [badinh])
    return 2
