"""Classes on both databases: demand, the priority list from the stored data, filling within
the capacity, a stale fill refused naming who filled, attendance, and completion issuing the
certificates in one transaction."""

from __future__ import annotations

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from casework.certificates.models import Certificate
from casework.classes import demand, issuing, service
from casework.classes.models import ClassDemand, ClassSeat, ClassStatus, TrainingClass
from casework.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from tests.classes.conftest import FIELD, Cast, ask, certify, open_class


def count(session: Session, table: type) -> int:
    n: int = session.exec(select(func.count()).select_from(table)).one()
    return n


# ---- opening ----------------------------------------------------------------------------------


def test_only_the_ministry_opens_a_class(session, cast: Cast):
    klass = open_class(session, cast)
    assert klass.status == ClassStatus.open and klass.version == 1 and klass.field == FIELD
    for name in ("hni.admin", "badinh.a", "bo.auditor"):
        with pytest.raises(PermissionDenied):
            service.open_class(session, actor=cast[name], values={})


def test_a_bad_class_form_names_each_field_and_writes_nothing(session, cast: Cast):
    with pytest.raises(ValidationFailed) as exc:
        open_class(
            session, cast, capacity=0, field="Bức xạ", place="", start_date="2026-12-11",
            end_date="2026-12-10", title="",
        )  # fmt: skip
    assert set(exc.value.fields) == {"title", "field", "place", "end_date", "capacity"}
    session.rollback()
    assert count(session, TrainingClass) == 0


# ---- demand -----------------------------------------------------------------------------------


def test_a_department_registers_demand_for_its_communes(session, cast: Cast):
    klass = open_class(session, cast)
    row = ask(session, cast, klass, "BADINH", officers=("badinh.a",), seats=2)
    assert row is not None and row.seats == 2 and row.officer_ids == [cast["badinh.a"].id]
    # saving again replaces (one row per class and commune); more officers than seats: seats grow
    row = ask(session, cast, klass, "BADINH", officers=("badinh.a", "badinh.b"), seats=1)
    assert row is not None and row.seats == 2
    assert count(session, ClassDemand) == 1
    # nothing asked: removed
    assert ask(session, cast, klass, "BADINH") is None
    assert count(session, ClassDemand) == 0


def test_demand_is_refused_outside_the_province_and_for_foreign_officers(session, cast: Cast):
    klass = open_class(session, cast)
    with pytest.raises(ValidationFailed) as exc:
        ask(session, cast, klass, "NHATRANG", seats=1)  # Khánh Hòa's commune
    assert "commune" in exc.value.fields
    session.rollback()
    with pytest.raises(ValidationFailed) as exc:
        ask(session, cast, klass, "BADINH", officers=("hoankiem.a",))
    assert "officers" in exc.value.fields
    session.rollback()
    with pytest.raises(PermissionDenied):
        ask(session, cast, klass, "BADINH", seats=1, by="badinh.admin")  # a commune's admin
    # the ministry may register for any commune
    assert ask(session, cast, klass, "NHATRANG", seats=1, by="bo.admin") is not None


# ---- the priority list from the stored data -----------------------------------------------------


def test_the_class_priority_ranks_untrained_communes_first(session, cast: Cast, registry):
    klass = open_class(session, cast)
    ask(session, cast, klass, "BADINH", seats=1)  # first to ask, but has a certified officer
    ask(session, cast, klass, "HOANKIEM", seats=1)
    certify(session, cast["badinh.b"])
    certify(session, cast["hoankiem.a"], field="Chất lượng sản phẩm, hàng hóa")  # other field
    prio = demand.class_priority(session, registry, actor=cast["bo.admin"], klass=klass)
    order = [prio.units[r.candidate.commune_id].code for r in prio.ranked]
    assert order == ["T.HOANKIEM", "HNI.BADINH"]
    assert prio.ranked[1].candidate.certified == 1
    assert not prio.establishments_known
    with pytest.raises(NotFound):
        demand.class_priority(session, registry, actor=cast["hni.admin"], klass=klass)


def test_the_field_priority_covers_every_commune_under_the_admin(session, cast: Cast, registry):
    certify(session, cast["badinh.a"])
    prio = demand.field_priority(session, registry, actor=cast["hni.admin"], field=FIELD)
    codes = [prio.units[r.candidate.commune_id].code for r in prio.ranked]
    assert set(codes) == {"HNI.BADINH", "T.HOANKIEM", "T.TAYHO"}
    assert codes[-1] == "HNI.BADINH"
    everywhere = demand.field_priority(session, registry, actor=cast["bo.admin"], field=FIELD)
    assert len(everywhere.ranked) == 4


# ---- filling ----------------------------------------------------------------------------------


def _ranks(session, cast, klass, registry):  # type: ignore[no-untyped-def]
    prio = demand.class_priority(session, registry, actor=cast["bo.admin"], klass=klass)
    return {r.candidate.demand_id: r.position for r in prio.ranked}


def test_fill_within_capacity(session, cast: Cast, registry):
    klass = open_class(session, cast, capacity=3)
    a = ask(session, cast, klass, "BADINH", officers=("badinh.a", "badinh.b"), seats=2)
    b = ask(session, cast, klass, "HOANKIEM", seats=2)  # a number only: unnamed seats
    t = ask(session, cast, klass, "TAYHO", officers=("tayho.a",))
    ranks = _ranks(session, cast, klass, registry)
    with pytest.raises(ValidationFailed) as exc:
        service.fill(
            session, actor=cast["bo.admin"], class_id=klass.id, demand_ids=[a.id, b.id],
            version=klass.version, ranks=ranks,
        )  # fmt: skip
    assert "4 chỗ" in exc.value.message and "3 chỗ" in exc.value.message
    session.rollback()
    assert count(session, ClassSeat) == 0
    filled = service.fill(
        session, actor=cast["bo.admin"], class_id=klass.id, demand_ids=[a.id, t.id],
        version=klass.version, ranks=ranks,
    )  # fmt: skip
    assert filled.status == ClassStatus.full and filled.version == 2
    seats = service.seats_of(session, klass.id)
    assert sorted(s.user_id for s in seats) == sorted(
        [cast["badinh.a"].id, cast["badinh.b"].id, cast["tayho.a"].id]
    )
    # demand is closed once filled
    with pytest.raises(Conflict):
        ask(session, cast, klass, "HOANKIEM", seats=1)


def test_a_stale_fill_is_refused_naming_who_filled(session, cast: Cast, registry):
    klass = open_class(session, cast, capacity=5)
    a = ask(session, cast, klass, "BADINH", seats=2)
    b = ask(session, cast, klass, "HOANKIEM", seats=2)
    ranks = _ranks(session, cast, klass, registry)
    seen = klass.version  # both admins opened the page at this version
    service.fill(
        session, actor=cast["bo.admin"], class_id=klass.id, demand_ids=[a.id], version=seen,
        ranks=ranks,
    )  # fmt: skip
    with pytest.raises(Conflict) as exc:
        service.fill(
            session, actor=cast["bo.admin"], class_id=klass.id, demand_ids=[b.id], version=seen,
            ranks=ranks,
        )  # fmt: skip
    assert "Cán bộ bo.admin" in exc.value.message and "xếp 2 chỗ" in exc.value.message
    session.rollback()
    assert count(session, ClassSeat) == 2


# ---- attendance and completion ----------------------------------------------------------------


def _filled(session, cast, registry, capacity=4):  # type: ignore[no-untyped-def]
    klass = open_class(session, cast, capacity=capacity)
    a = ask(session, cast, klass, "BADINH", officers=("badinh.a", "badinh.b"), seats=3)
    ranks = _ranks(session, cast, klass, registry)
    return service.fill(
        session, actor=cast["bo.admin"], class_id=klass.id, demand_ids=[a.id],
        version=klass.version, ranks=ranks,
    )  # fmt: skip


def _marks(session, klass, present_user_ids):  # type: ignore[no-untyped-def]
    return {
        s.id: "present" if s.user_id in present_user_ids else "absent"
        for s in service.seats_of(session, klass.id)
        if s.user_id
    }


def test_attendance_then_completion_certifies_those_present(session, cast: Cast, registry):
    klass = _filled(session, cast, registry)
    with pytest.raises(Conflict):  # not yet held: attendance first
        service.complete(session, actor=cast["bo.admin"], class_id=klass.id, version=klass.version)
    session.rollback()
    present = cast["badinh.a"]
    unnamed = next(s for s in service.seats_of(session, klass.id) if s.user_id is None)
    with pytest.raises(ValidationFailed):  # an unnamed seat cannot be marked
        service.record_attendance(
            session, actor=cast["bo.admin"], class_id=klass.id, version=klass.version,
            marks={unnamed.id: "present"},
        )  # fmt: skip
    session.rollback()
    klass = service.record_attendance(
        session, actor=cast["bo.admin"], class_id=klass.id, version=klass.version,
        marks=_marks(session, klass, {present.id}),
    )  # fmt: skip
    assert klass.status == ClassStatus.held
    ids = service.complete(
        session, actor=cast["bo.admin"], class_id=klass.id, version=klass.version
    )
    certs = session.exec(select(Certificate)).all()
    assert [c.id for c in certs] == ids and len(certs) == 1
    cert = certs[0]
    assert (cert.user_id, cert.field, cert.source, cert.class_id) == (
        present.id,
        FIELD,
        "class",
        klass.id,
    )
    assert cert.issuer == "Bộ KH&CN"
    seat = next(s for s in service.seats_of(session, klass.id) if s.user_id == present.id)
    assert seat.certificate_id == cert.id and seat.certificate_number == cert.number
    done = session.get(TrainingClass, klass.id)
    assert done is not None and done.status == ClassStatus.completed and done.completed_at


def test_completion_waits_for_everyone_named_to_be_marked(session, cast: Cast, registry):
    klass = _filled(session, cast, registry)
    marks = _marks(session, klass, set())
    first = next(iter(marks))
    klass = service.record_attendance(
        session, actor=cast["bo.admin"], class_id=klass.id, version=klass.version,
        marks={first: "present"},
    )  # fmt: skip
    with pytest.raises(ValidationFailed) as exc:
        service.complete(session, actor=cast["bo.admin"], class_id=klass.id, version=klass.version)
    assert "Chưa điểm danh 1 người" in exc.value.message
    session.rollback()
    assert count(session, Certificate) == 0


def test_completion_writes_nothing_if_one_certificate_fails(
    session, cast: Cast, registry, monkeypatch
):
    klass = _filled(session, cast, registry)
    everyone = {cast["badinh.a"].id, cast["badinh.b"].id}
    klass = service.record_attendance(
        session, actor=cast["bo.admin"], class_id=klass.id, version=klass.version,
        marks=_marks(session, klass, everyone),
    )  # fmt: skip
    real = issuing.issue

    def second_fails(session, **kw):  # type: ignore[no-untyped-def]
        if kw["seq"] == 2:
            raise RuntimeError("the certificate store refused")
        return real(session, **kw)

    monkeypatch.setattr(issuing, "issue", second_fails)
    with pytest.raises(RuntimeError):
        service.complete(session, actor=cast["bo.admin"], class_id=klass.id, version=klass.version)
    session.rollback()
    assert count(session, Certificate) == 0
    stored = session.get(TrainingClass, klass.id)
    assert stored is not None and stored.status == ClassStatus.held
    assert all(s.certificate_id is None for s in service.seats_of(session, klass.id))
    monkeypatch.setattr(issuing, "issue", real)
    service.complete(session, actor=cast["bo.admin"], class_id=klass.id, version=klass.version)
    assert count(session, Certificate) == 2


def test_cancel(session, cast: Cast):
    klass = open_class(session, cast)
    done = service.cancel(session, actor=cast["bo.admin"], class_id=klass.id, version=1)
    assert done.status == ClassStatus.cancelled
    with pytest.raises(Conflict):
        service.cancel(session, actor=cast["bo.admin"], class_id=klass.id, version=done.version)


def test_two_admins_filling_at_once_one_wins(session, engine, cast: Cast, registry):
    """Real threads on both databases: both fill from the same page (version 1); the row lock
    (PostgreSQL) or the write transaction (SQLite) lets one through, the other gets a conflict
    naming the winner, and the seats never exceed the capacity."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from casework.db import write_engine

    klass = open_class(session, cast, capacity=3)
    a = ask(session, cast, klass, "BADINH", seats=2)
    b = ask(session, cast, klass, "HOANKIEM", seats=3)
    admin_id, class_id, ids = cast["bo.admin"].id, klass.id, [a.id, b.id]
    session.commit()
    barrier = threading.Barrier(2)

    def one(demand_id: int) -> str:
        with Session(write_engine(engine), expire_on_commit=False) as s:
            barrier.wait()  # before any statement: SQLite's writer would hold the other back
            admin = s.get(type(cast["bo.admin"]), admin_id)
            try:
                service.fill(
                    s, actor=admin, class_id=class_id, demand_ids=[demand_id], version=1,
                    ranks={},
                )  # fmt: skip
            except Conflict as exc:
                s.rollback()
                return exc.message
            return "ok"

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(one, ids))
    assert sorted(r == "ok" for r in results) == [False, True]
    assert "Cán bộ bo.admin đã xếp" in next(r for r in results if r != "ok")
    session.rollback()
    seats = session.exec(select(ClassSeat).where(ClassSeat.class_id == class_id)).all()
    assert len(seats) in (2, 3) and len({s.demand_id for s in seats}) == 1


def test_a_number_already_recorded_stops_the_completion(session, cast: Cast, registry):
    klass = _filled(session, cast, registry)
    everyone = {cast["badinh.a"].id, cast["badinh.b"].id}
    klass = service.record_attendance(
        session, actor=cast["bo.admin"], class_id=klass.id, version=klass.version,
        marks=_marks(session, klass, everyone),
    )  # fmt: skip
    certify(session, cast["tayho.a"], number=issuing.certificate_number(klass, 2))  # typed by hand
    with pytest.raises(Conflict) as exc:
        service.complete(session, actor=cast["bo.admin"], class_id=klass.id, version=klass.version)
    assert issuing.certificate_number(klass, 2) in exc.value.message
    session.rollback()
    assert count(session, Certificate) == 1  # only the one typed by hand
    stored = session.get(TrainingClass, klass.id)
    assert stored is not None and stored.status == ClassStatus.held


def test_a_seat_asked_as_a_number_is_named_before_attendance(session, cast: Cast, registry):
    klass = open_class(session, cast, capacity=3)
    row = ask(session, cast, klass, "HOANKIEM", seats=2)  # no names yet
    klass = service.fill(
        session, actor=cast["bo.admin"], class_id=klass.id, demand_ids=[row.id],
        version=klass.version, ranks={},
    )  # fmt: skip
    first, second = service.seats_of(session, klass.id)
    officer = cast["hoankiem.a"]
    seen = klass.version  # the ministry's page, drawn now
    with pytest.raises(PermissionDenied):  # Khánh Hòa's admin: not their commune
        demand.name_seat(
            session, actor=cast["kha.admin"], class_id=klass.id, seat_id=first.id,
            values={"user": str(officer.id), "version": str(klass.version)},
        )  # fmt: skip
    session.rollback()
    with pytest.raises(ValidationFailed):  # an officer of another commune
        demand.name_seat(
            session, actor=cast["hni.admin"], class_id=klass.id, seat_id=first.id,
            values={"user": str(cast["badinh.a"].id), "version": str(klass.version)},
        )  # fmt: skip
    session.rollback()
    demand.name_seat(
        session, actor=cast["hni.admin"], class_id=klass.id, seat_id=first.id,
        values={"user": str(officer.id), "version": str(klass.version)},
    )  # fmt: skip
    with pytest.raises(Conflict) as exc:  # the page the ministry still holds is stale
        service.record_attendance(
            session, actor=cast["bo.admin"], class_id=klass.id, version=seen,
            marks={first.id: "present"},
        )  # fmt: skip
    assert "Cán bộ hni.admin đã ghi tên Cán bộ hoankiem.a" in exc.value.message
    session.rollback()
    stored = session.get(TrainingClass, klass.id)
    with pytest.raises(ValidationFailed):  # one officer, one seat
        demand.name_seat(
            session, actor=cast["hni.admin"], class_id=klass.id, seat_id=second.id,
            values={"user": str(officer.id), "version": str(stored.version)},
        )  # fmt: skip
    session.rollback()
    seats = service.seats_of(session, klass.id)
    assert [s.user_id for s in seats] == [officer.id, None]
