"""The admin pages on the country's whole unit tree (3,356 units), on both databases: no page
lists every unit any more (a unit picker instead), the unit list pages and filters, and a form
naming an unknown unit code is refused with the form kept."""

from __future__ import annotations

import re

import pytest
from sqlmodel import Session, select

from casework.accounts import service as accounts
from casework.accounts.models import Unit, User
from casework.classes import service as classes
from casework.classes.models import FIELDS, TrainingClass
from casework.units import service as units
from casework.units import source

HX = {"HX-Request": "true"}
#: what a page may weigh for the ministry's admin: it was ~1 MB with every unit in a <select>
SMALL = 150_000


@pytest.fixture
def tree(session: Session) -> dict[str, Unit]:
    units.import_tree(session, tree=source.load())
    return {u.code: u for u in session.exec(select(Unit)).all()}


@pytest.fixture
def admins(session: Session, tree: dict[str, Unit]) -> dict[str, User]:
    def admin(name: str, code: str) -> User:
        return accounts.create_user(
            session, username=name, full_name=f"Quản trị {name}", unit=tree[code],
            roles=["admin", "auditor"],
        )  # fmt: skip

    made = {"bo": admin("bo.admin", "BKHCN"), "hni": admin("hni.admin", "SKHCN.HNI")}
    accounts.create_user(
        session, username="ba.dinh", full_name="Nguyễn Thị Ba Đình", unit=tree["HNI.BADINH"],
        roles=["receiver"],
    )  # fmt: skip
    return made


@pytest.fixture
def klass(session: Session, admins: dict[str, User]) -> TrainingClass:
    values = {
        "title": "Lớp đo lường", "field": next(iter(FIELDS)), "mode": "in_person",
        "place": "Hà Nội", "start_date": "2026-12-10", "end_date": "2026-12-11", "capacity": "3",
    }  # fmt: skip
    return classes.open_class(session, actor=admins["bo"], values=values)


def test_no_page_lists_every_unit_for_the_ministry(client, tree, admins, klass, sign_in):
    sign_in(admins["bo"])
    me = admins["bo"].id
    for url in ("/admin/units", "/admin/users", "/admin/users/new", f"/admin/users/{me}",
                "/reviews/assignments", "/audit", "/audit/checks", "/certificates",
                f"/classes/{klass.id}/demand"):  # fmt: skip
        r = client.get(url)
        assert r.status_code == 200, url
        assert len(r.content) < SMALL, (url, len(r.content))
        assert r.text.count("<option") < 100, url
    page = client.get("/admin/units").text
    assert "3.356 đơn vị" in page or "3356 đơn vị" in page
    assert "trang 1/68" in page and page.count('<li style="--depth') == 50


def test_the_unit_list_filters_pages_and_stays_in_the_scope(client, tree, admins, sign_in):
    sign_in(admins["bo"])
    found = client.get("/admin/units", params={"q": "ba dinh"}).text
    assert "UBND Phường Ba Đình" in found and "UBND Xã Ba Đình" in found
    dong_thap = client.get("/admin/units", params={"under": "SKHCN.DTH", "kind": "commune"}).text
    assert "102 đơn vị" in dong_thap and "trang 1/3" in dong_thap
    assert 'name="under" type="text" value="SKHCN.DTH"' in dong_thap
    last = client.get("/admin/units", params={"under": "SKHCN.DTH", "kind": "commune", "page": 3})
    assert last.text.count('<li style="--depth') == 2
    block = client.get("/admin/units", params={"q": "hni.badinh"}, headers=HX).text
    assert block.lstrip().startswith('<section id="units"') and "1 đơn vị" in block
    # an unknown unit in the filter: 422, the filter kept, the code named
    bad = client.get("/admin/units", params={"under": "KHONG.CO", "q": "xa"})
    assert bad.status_code == 422 and "«KHONG.CO»" in bad.text
    assert 'value="KHONG.CO"' in bad.text and 'value="xa"' in bad.text

    sign_in(admins["hni"])
    mine = client.get("/admin/units", params={"q": "ba dinh"}).text
    assert "UBND Phường Ba Đình" in mine and "UBND Xã Ba Đình" not in mine  # Thanh Hóa's
    outside = client.get("/admin/units", params={"under": "SKHCN.DTH"})
    assert outside.status_code == 422 and "UBND Xã" not in outside.text.split("h-new")[0]


def test_a_user_is_created_in_a_unit_typed_by_its_code(client, session, tree, admins, sign_in):
    token = sign_in(admins["hni"])
    form = {
        "csrf_token": token, "username": "le.van.hai", "full_name": "Lê Văn Hải",
        "roles": ["receiver"], "password": "bat-dau-123",
    }  # fmt: skip
    r = client.post("/admin/users", data={**form, "unit_id": "hni.badinh"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    made = session.exec(select(User).where(User.username == "le.van.hai")).one()
    assert made.unit_id == tree["HNI.BADINH"].id
    # a code that is no unit, or one outside Hà Nội: 422, named, the form kept, nothing made
    for code in ("HNI.KHONGCO", "DTH.ANBINH"):
        r = client.post("/admin/users", data={**form, "username": "le.van.ba", "unit_id": code})
        assert r.status_code == 422
        assert re.search(rf'id="err-unit_id">Không có đơn vị nào mã «{re.escape(code)}»', r.text)
        assert f'name="unit_id" type="text" value="{code}"' in r.text
        assert 'value="le.van.ba"' in r.text and 'value="Lê Văn Hải"' in r.text
    session.rollback()
    assert session.exec(select(User).where(User.username == "le.van.ba")).first() is None
    # the user filter takes the code; an unknown one is named
    listing = client.get("/admin/users", params={"unit": "HNI.BADINH"}).text
    assert "Lê Văn Hải" in listing and "2 người dùng" in listing
    assert "UBND Phường Ba Đình" in listing  # the picker's label
    r = client.get("/admin/users", params={"unit": "ba dinh"})
    assert r.status_code == 422 and "«ba dinh»" in r.text


def test_a_parent_must_be_a_unit_that_takes_children(client, session, tree, admins, sign_in):
    token = sign_in(admins["bo"])
    data = {"csrf_token": token, "code": "HNI.THU", "name": "UBND Thử", "kind": "commune"}
    r = client.post("/admin/units", data={**data, "parent_id": "HNI.BADINH"})
    assert r.status_code == 422 and "là xã, phường" in r.text
    r = client.post("/admin/units", data={**data, "parent_id": "SKHCN.HNI"}, follow_redirects=False)
    assert r.status_code == 303
    assert "UBND Thử" in client.get(r.headers["location"]).text


def test_the_log_certificates_and_demand_take_a_unit_code(client, tree, admins, klass, sign_in):
    sign_in(admins["bo"])
    log = client.get("/audit", params={"unit": "HNI.BADINH"})
    assert log.status_code == 200 and 'name="unit" type="text" value="HNI.BADINH"' in log.text
    assert f'<input type="hidden" name="unit" value="{tree["HNI.BADINH"].id}">' in log.text
    bad = client.get("/audit", params={"unit": "HNI.KHONGCO", "code": "X"})
    assert bad.status_code == 422 and "«HNI.KHONGCO»" in bad.text and 'value="X"' in bad.text
    certs = client.get("/certificates", params={"unit": "skhcn.dth"})
    assert certs.status_code == 200 and 'value="SKHCN.DTH"' in certs.text
    bad = client.get("/certificates", params={"unit": "DTH.KHONGCO", "q": "an"})
    assert bad.status_code == 422 and "«DTH.KHONGCO»" in bad.text and 'value="an"' in bad.text
    assert client.get("/certificates.csv", params={"unit": "DTH.KHONGCO"}).status_code == 422
    demand = client.get(f"/classes/{klass.id}/demand", params={"commune": "HNI.BADINH"})
    assert demand.status_code == 200 and "<h3>UBND Phường Ba Đình</h3>" in demand.text
    bad = client.get(f"/classes/{klass.id}/demand", params={"commune": "SKHCN.HNI"})
    assert bad.status_code == 422 and "là Sở: ở đây cần chọn xã, phường" in bad.text
    # the department's admin: only their province
    sign_in(admins["hni"])
    bad = client.get(f"/classes/{klass.id}/demand", params={"commune": "DTH.ANBINH"})
    assert bad.status_code == 422 and "«DTH.ANBINH»" in bad.text
