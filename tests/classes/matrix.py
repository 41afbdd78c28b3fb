"""The classes' part of the access matrix (`tests/security/test_access_matrix.py`): a class for
the GET routes, and one builder per POST route for `unsafe_requests.BUILDERS`, each on a fresh
class (and a fresh commune of Hà Nội) made through the real services."""

from __future__ import annotations

import re
from typing import Any

from sqlmodel import Session, select

from casework.accounts.models import User
from casework.certificates.models import Certificate
from casework.classes import demand, service
from casework.classes.models import ClassDemand, ClassSeat, TrainingClass

FIELD = "Đo lường"


def _class(session: Session, admin: User, title: str = "Lớp của ma trận quyền") -> TrainingClass:
    values = {
        "title": title, "field": FIELD, "mode": "online", "place": "",
        "start_date": "2026-12-10", "end_date": "2026-12-11", "capacity": "5",
    }  # fmt: skip
    return service.open_class(session, actor=admin, values=values)


def matrix_class(session: Session, admin: User) -> int:
    """An open class for the matrix's GET routes (its id)."""
    klass = _class(session, admin)
    assert klass.id is not None
    return klass.id


def _filled(k: Any, *, marked: bool = False) -> tuple[TrainingClass, ClassSeat]:
    """A fresh class filled with one named officer of a fresh commune of Hà Nội."""
    admin = k.people["bo.admin"]
    klass = _class(k.session, admin, k.fresh("Lớp "))
    commune = k.commune(k.units["HNI"])
    officer = k.user(commune, ["handler"])
    assert klass.id is not None
    row = demand.save_demand(
        k.session, actor=k.people["hni.admin"], class_id=klass.id,
        values={"commune": str(commune.id), "seats": "1"}, officer_ids=[str(officer.id)],
    )  # fmt: skip
    assert row is not None and row.id is not None
    klass = service.fill(
        k.session, actor=admin, class_id=klass.id, demand_ids=[row.id], version=klass.version,
        ranks={},
    )  # fmt: skip
    seat = service.seats_of(k.session, klass.id or 0)[0]
    if marked:
        klass = service.record_attendance(
            k.session, actor=admin, class_id=klass.id or 0, marks={seat.id or 0: "present"},
            version=klass.version,
        )  # fmt: skip
    return klass, seat


def create_class(k: Any, who: User, mode: str) -> Any:
    from tests.security.unsafe_requests import Sent

    title = k.fresh("Lớp mới ")
    form = {
        "title": title, "field": FIELD, "mode": "in_person", "place": "Hải Phòng",
        "start_date": "2026-12-10", "end_date": "2026-12-11", "capacity": "30",
    }  # fmt: skip

    def stored(db: Session, r: Any) -> str:
        found = re.search(r"/classes/(\d+)", r.headers.get("location", ""))
        row = db.get(TrainingClass, int(found.group(1))) if found else None
        return "" if row is not None and row.title == title else "no such class"

    return Sent("/classes", form, location=r"^/classes/\d+\?done=opened$", stored=stored)


def save_demand(k: Any, who: User, mode: str) -> Any:
    from tests.security.unsafe_requests import Sent

    klass = _class(k.session, k.people["bo.admin"], k.fresh("Lớp "))
    commune = k.commune(k.units["HNI"])

    def stored(db: Session, r: Any) -> str:
        row = db.exec(select(ClassDemand).where(ClassDemand.commune_id == commune.id)).first()
        return "" if row is not None and row.seats == 2 else "no demand stored"

    url = f"/classes/{klass.id}/demand"
    form = {"commune": str(commune.id), "seats": "2", "note": "Cần gấp"}
    return Sent(url, form, location=rf"^{url}\?saved=1$", stored=stored)


def fill(k: Any, who: User, mode: str) -> Any:
    from tests.security.unsafe_requests import Sent

    klass = _class(k.session, k.people["bo.admin"], k.fresh("Lớp "))
    commune = k.commune(k.units["HNI"])
    row = demand.save_demand(
        k.session, actor=k.people["hni.admin"], class_id=klass.id or 0,
        values={"commune": str(commune.id), "seats": "2"}, officer_ids=[],
    )  # fmt: skip
    assert row is not None

    def stored(db: Session, r: Any) -> str:
        seats = db.exec(select(ClassSeat).where(ClassSeat.class_id == klass.id)).all()
        return "" if len(seats) == 2 else f"{len(seats)} seats instead of 2"

    url = f"/classes/{klass.id}/fill"
    form = {"demand": str(row.id), "version": str(klass.version)}
    return Sent(url, form, location=rf"^/classes/{klass.id}\?done=filled$", stored=stored)


def attendance(k: Any, who: User, mode: str) -> Any:
    from tests.security.unsafe_requests import Sent

    klass, seat = _filled(k)

    def stored(db: Session, r: Any) -> str:
        row = db.get(ClassSeat, seat.id)
        return "" if row is not None and row.attendance == "present" else "not marked"

    form = {f"seat-{seat.id}": "present", "version": str(klass.version)}
    url = f"/classes/{klass.id}/attendance"
    return Sent(url, form, location=rf"^/classes/{klass.id}\?done=attendance$", stored=stored)


def complete(k: Any, who: User, mode: str) -> Any:
    from tests.security.unsafe_requests import Sent

    klass, seat = _filled(k, marked=True)

    def stored(db: Session, r: Any) -> str:
        cert = db.exec(select(Certificate).where(Certificate.class_id == klass.id)).first()
        return "" if cert is not None and cert.user_id == seat.user_id else "no certificate"

    url = f"/classes/{klass.id}/complete"
    form = {"version": str(klass.version)}
    return Sent(url, form, location=rf"^/classes/{klass.id}\?done=completed$", stored=stored)


def cancel(k: Any, who: User, mode: str) -> Any:
    from tests.security.unsafe_requests import Sent

    klass = _class(k.session, k.people["bo.admin"], k.fresh("Lớp "))

    def stored(db: Session, r: Any) -> str:
        row = db.get(TrainingClass, klass.id)
        return "" if row is not None and row.status == "cancelled" else "not cancelled"

    url = f"/classes/{klass.id}/cancel"
    form = {"version": str(klass.version)}
    return Sent(url, form, location=rf"^/classes/{klass.id}\?done=cancelled$", stored=stored)


def name_seat(k: Any, who: User, mode: str) -> Any:
    from tests.security.unsafe_requests import Sent

    admin = k.people["bo.admin"]
    klass = _class(k.session, admin, k.fresh("Lớp "))
    commune = k.commune(k.units["HNI"])
    officer = k.user(commune, ["handler"])
    row = demand.save_demand(
        k.session, actor=k.people["hni.admin"], class_id=klass.id or 0,
        values={"commune": str(commune.id), "seats": "1"}, officer_ids=[],
    )  # fmt: skip
    assert row is not None and row.id is not None
    klass = service.fill(
        k.session, actor=admin, class_id=klass.id or 0, demand_ids=[row.id],
        version=klass.version, ranks={},
    )  # fmt: skip
    seat = service.seats_of(k.session, klass.id or 0)[0]

    def stored(db: Session, r: Any) -> str:
        found = db.get(ClassSeat, seat.id)
        return "" if found is not None and found.user_id == officer.id else "seat not named"

    url = f"/classes/{klass.id}/seats/{seat.id}"
    form = {"user": str(officer.id), "version": str(klass.version)}
    return Sent(url, form, location=rf"^/classes/{klass.id}\?done=named$", stored=stored)


BUILDERS = {
    ("POST", "/classes"): create_class,
    ("POST", "/classes/{class_id}/demand"): save_demand,
    ("POST", "/classes/{class_id}/fill"): fill,
    ("POST", "/classes/{class_id}/attendance"): attendance,
    ("POST", "/classes/{class_id}/complete"): complete,
    ("POST", "/classes/{class_id}/cancel"): cancel,
    ("POST", "/classes/{class_id}/seats/{seat_id}"): name_seat,
}
