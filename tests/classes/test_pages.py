"""Class pages through the app: the ministry opens, fills, marks and completes; a department
registers demand; refusals are 403/404; a refused form keeps what was typed (422) and a stale
page says who changed the class (409); the list filters, pages and exports."""

from __future__ import annotations

import re

from sqlmodel import select

from casework.certificates.models import Certificate
from casework.classes import service
from casework.classes.models import ClassSeat, TrainingClass
from tests.classes.conftest import FIELD, ask, open_class

FORM = {
    "title": "Lớp đo lường Tây Ninh", "field": FIELD, "mode": "in_person", "place": "Tây Ninh",
    "start_date": "2026-12-15", "end_date": "2026-12-16", "capacity": "3", "note": "",
}  # fmt: skip


def test_the_ministry_runs_a_class_from_opening_to_certificates(client, session, cast, sign_in):
    token = sign_in(cast["hni.admin"])
    assert client.get("/classes/new").status_code == 403
    token = sign_in(cast["bo.admin"])
    r = client.post("/classes", data={**FORM, "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    class_id = int(re.search(r"/classes/(\d+)", r.headers["location"]).group(1))
    # a department registers two officers of Ba Đình
    token = sign_in(cast["hni.admin"])
    page = client.get(f"/classes/{class_id}/demand?commune={cast.units['BADINH'].id}")
    assert page.status_code == 200 and "Cán bộ badinh.a" in page.text
    r = client.post(
        f"/classes/{class_id}/demand",
        data={"csrf_token": token, "commune": str(cast.units["BADINH"].id), "seats": "",
              "officers": [str(cast["badinh.a"].id), str(cast["badinh.b"].id)], "note": "Gấp"},
        follow_redirects=False,
    )  # fmt: skip
    assert r.status_code == 303, r.text
    # the ministry sees it ranked with the rule, pre-ticked within the capacity, and fills
    token = sign_in(cast["bo.admin"])
    page = client.get(f"/classes/{class_id}")
    assert "chưa ai có chứng chỉ" in page.text and "Quy tắc xếp hạng" in page.text
    demand_id = re.search(r'name="demand" value="(\d+)" checked', page.text).group(1)
    r = client.post(
        f"/classes/{class_id}/fill",
        data={"csrf_token": token, "demand": demand_id, "version": "1"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    session.rollback()
    seats = session.exec(select(ClassSeat).where(ClassSeat.class_id == class_id)).all()
    marks = {f"seat-{s.id}": "present" if s.user_id == cast["badinh.a"].id else "absent"
             for s in seats}  # fmt: skip
    r = client.post(
        f"/classes/{class_id}/attendance",
        data={"csrf_token": token, "version": "2", **marks},
        follow_redirects=False,
    )
    assert r.status_code == 303
    r = client.post(
        f"/classes/{class_id}/complete",
        data={"csrf_token": token, "version": "3"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    page = client.get(r.headers["location"])
    assert "Đã hoàn thành lớp" in page.text and "Chứng chỉ số LTH" in page.text
    session.rollback()  # a fresh read: the app wrote in its own transaction
    certs = session.exec(select(Certificate)).all()
    assert [c.user_id for c in certs] == [cast["badinh.a"].id]


def test_a_refused_class_form_keeps_what_was_typed(client, cast, sign_in):
    token = sign_in(cast["bo.admin"])
    bad = {**FORM, "title": "Lớp giữ chữ đã gõ", "capacity": "nhiều", "csrf_token": token}
    r = client.post("/classes", data=bad)
    assert r.status_code == 422
    assert 'value="Lớp giữ chữ đã gõ"' in r.text and 'id="err-capacity"' in r.text


def test_a_stale_fill_page_says_who_filled(client, session, cast, sign_in, registry):
    klass = open_class(session, cast, capacity=5)
    a = ask(session, cast, klass, "BADINH", seats=2)
    b = ask(session, cast, klass, "HOANKIEM", seats=2)
    service.fill(
        session, actor=cast["bo.admin"], class_id=klass.id, demand_ids=[a.id], version=1,
        ranks={},
    )  # fmt: skip
    token = sign_in(cast["bo.admin"])
    r = client.post(
        f"/classes/{klass.id}/fill", data={"csrf_token": token, "demand": str(b.id), "version": "1"}
    )
    assert r.status_code == 409
    assert "Cán bộ bo.admin đã xếp 2 chỗ" in r.text
    session.rollback()
    assert len(session.exec(select(ClassSeat)).all()) == 2


def test_who_may_do_what(client, session, cast, sign_in):
    klass = open_class(session, cast)
    ask(session, cast, klass, "NHATRANG", officers=("nhatrang.a",), by="kha.admin")
    ask(session, cast, klass, "BADINH", officers=("badinh.a",))
    service.fill(
        session, actor=cast["bo.admin"], class_id=klass.id,
        demand_ids=[r.id for r in _demands(session, klass.id)], version=1, ranks={},
    )  # fmt: skip
    # an officer reads the class and sees their own seat, not the other province's
    token = sign_in(cast["badinh.a"])
    page = client.get(f"/classes/{klass.id}")
    assert page.status_code == 200
    assert "Cán bộ badinh.a" in page.text and "Cán bộ nhatrang.a" not in page.text
    for path in ("fill", "attendance", "complete", "cancel", "demand"):
        r = client.post(f"/classes/{klass.id}/{path}", data={"csrf_token": token, "version": "2"})
        assert r.status_code == 403, path
    assert client.get("/classes/priority").status_code == 403
    # the department's admin sees its communes' seats only
    sign_in(cast["kha.admin"])
    page = client.get(f"/classes/{klass.id}")
    assert "Cán bộ nhatrang.a" in page.text and "Cán bộ badinh.a" not in page.text
    # a commune's admin may not register demand
    sign_in(cast["badinh.admin"])
    assert client.get(f"/classes/{klass.id}/demand").status_code == 403
    # nothing of an unknown class
    assert client.get("/classes/99999").status_code == 404
    stored = session.get(TrainingClass, klass.id)
    session.refresh(stored)
    assert stored.status == "full"


def _demands(session, class_id):  # type: ignore[no-untyped-def]
    from casework.classes.demand import demands_of

    return demands_of(session, class_id)


def test_a_refused_demand_keeps_the_form(client, session, cast, sign_in):
    klass = open_class(session, cast)
    token = sign_in(cast["hni.admin"])
    r = client.post(
        f"/classes/{klass.id}/demand",
        data={"csrf_token": token, "commune": str(cast.units["BADINH"].id), "seats": "abc",
              "note": "Ghi chú còn nguyên"},
    )  # fmt: skip
    assert r.status_code == 422
    assert "Ghi chú còn nguyên" in r.text and 'id="err-seats"' in r.text


def test_the_list_filters_pages_and_exports(client, session, cast, sign_in):
    for i in range(22):
        open_class(session, cast, title=f"Lớp số {i:02d}", start_date=f"2026-{1 + i % 12:02d}-01",
                   end_date=f"2026-{1 + i % 12:02d}-02")  # fmt: skip
    open_class(session, cast, title="Lớp chất lượng", field="Chất lượng sản phẩm, hàng hóa")
    sign_in(cast["badinh.a"])
    page = client.get("/classes")
    assert "23 lớp" in page.text and "trang 1/2" in page.text
    only = client.get("/classes", params={"field": "Chất lượng sản phẩm, hàng hóa"})
    assert "1 lớp" in only.text and "Lớp chất lượng" in only.text
    part = client.get("/classes?year=2026&page=2", headers={"HX-Request": "true"})
    assert part.status_code == 200 and "<html" not in part.text and 'id="classes"' in part.text
    csv = client.get("/classes/export.csv", params={"field": FIELD})
    assert csv.status_code == 200 and csv.text.count("Lớp số") == 22
    xlsx = client.get("/classes/export.xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert client.get("/classes/export.pdf").status_code == 404


def test_the_priority_page_prints_the_rule_and_exports(client, session, cast, sign_in):
    sign_in(cast["bo.admin"])
    page = client.get("/classes/priority", params={"field": FIELD})
    assert page.status_code == 200
    assert "Xã, phường chưa có ai có chứng chỉ" in page.text and "4 xã, phường" in page.text
    assert "Chưa xã, phường nào có số liệu cơ sở" in page.text
    only = client.get("/classes/priority", params={"province": str(cast.units["KHA"].id)})
    assert "1 xã, phường" in only.text and "Nha Trang" in only.text
    csv = client.get("/classes/priority.csv")
    assert csv.status_code == 200 and "UBND Phường Tây Hồ" in csv.text
    sign_in(cast["hni.admin"])
    assert "3 xã, phường" in client.get("/classes/priority").text


def test_a_department_names_a_seat_on_the_class_page(client, session, cast, sign_in):
    klass = open_class(session, cast)
    row = ask(session, cast, klass, "TAYHO", seats=1)
    service.fill(
        session, actor=cast["bo.admin"], class_id=klass.id, demand_ids=[row.id], version=1,
        ranks={},
    )  # fmt: skip
    token = sign_in(cast["hni.admin"])
    page = client.get(f"/classes/{klass.id}")
    assert "Ghi tên vào chỗ chưa có tên" in page.text and "Cán bộ tayho.a" in page.text
    seat = re.search(r'action="/classes/\d+/seats/(\d+)"', page.text).group(1)
    bad = client.post(
        f"/classes/{klass.id}/seats/{seat}", data={"csrf_token": token, "user": "", "version": "2"}
    )
    assert bad.status_code == 422 and f'id="err-seat-{seat}"' in bad.text
    r = client.post(
        f"/classes/{klass.id}/seats/{seat}",
        data={"csrf_token": token, "user": str(cast["tayho.a"].id), "version": "2"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    session.rollback()
    assert session.get(ClassSeat, int(seat)).user_id == cast["tayho.a"].id
    sign_in(cast["badinh.a"])  # an officer may not
    assert (
        client.post(f"/classes/{klass.id}/seats/{seat}", data={"csrf_token": token}).status_code
        == 403
    )
