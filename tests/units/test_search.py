"""The unit picker's search (GET /units/search) on both databases: the viewer's subtree only,
accents optional, at most 20 results, the code first; `pick` reading what a form sent."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from casework.accounts import service as accounts
from casework.accounts.models import Unit
from casework.text import fold
from casework.units import search, service, source

HX = {"HX-Request": "true"}


@pytest.fixture
def tree(session: Session) -> dict[str, Unit]:
    """The official tree (34 provinces, 3,321 communes) under the ministry."""
    service.import_tree(session, tree=source.load())
    return {u.code: u for u in session.exec(select(Unit)).all()}


@pytest.fixture
def people(session: Session, tree: dict[str, Unit]) -> dict[str, object]:
    def admin(name: str, code: str):  # type: ignore[no-untyped-def]
        return accounts.create_user(
            session, username=name, full_name=f"Quản trị {name}", unit=tree[code], roles=["admin"]
        )

    return {"bo": admin("bo.admin", "BKHCN"), "hni": admin("hni.admin", "SKHCN.HNI"),
            "badinh": admin("badinh.admin", "HNI.BADINH")}  # fmt: skip


def test_quick_fold_is_fold_for_every_name_of_the_tree(tree):
    names = {u.name for u in tree.values()} | {u.province or "" for u in tree.values()}
    differ = {n for n in names if search.quick_fold(n) != fold(n)}
    # only where a name has an apostrophe or a long dash, which it leaves out
    assert differ and all("’" in n or "'" in n or "–" in n for n in differ)
    assert (
        search.quick_fold("UBND Xã M’Drắk")
        == search.quick_fold("ubnd xa m'drak")
        == "ubnd xa mdrak"
    )


def test_without_accents_the_code_first_then_names(session, tree):
    root = tree["BKHCN"]
    found = search.search(session, root, "ba dinh")
    assert found.hits[0].code == "HNI.BADINH"
    assert {h.code for h in found.hits} >= {"HNI.BADINH", "THO.BADINH"}
    assert search.search(session, root, "hni.badinh").hits[0].code == "HNI.BADINH"
    assert search.search(session, root, "Phường Ba Đình").hits[0].code == "HNI.BADINH"
    # a province's name finds its department first, then its communes
    dong_thap = search.search(session, root, "dong thap")
    assert dong_thap.hits[0].code == "SKHCN.DTH" and dong_thap.total == 103
    assert search.search(session, root, "   ").total == 0
    assert search.search(session, root, "khong co dau nao nhu the").total == 0


def test_at_most_twenty_and_how_many_more(session, tree):
    found = search.search(session, tree["BKHCN"], "xa")
    assert len(found.hits) == search.LIMIT == 20
    assert found.total > 1000 and found.more == found.total - 20


def test_only_the_subtree_and_only_the_kinds_asked(session, tree):
    hni = search.search(session, tree["SKHCN.HNI"], "phuong")
    assert hni.total and all(h.code.startswith(("HNI.", "SKHCN.HNI")) for h in hni.hits)
    assert search.search(session, tree["SKHCN.HNI"], "dong thap").total == 0
    communes = search.search(session, tree["BKHCN"], "ha noi", kinds=["commune"])
    assert communes.hits and all(h.kind == "commune" for h in communes.hits)


def test_pick_reads_a_code_an_old_id_and_names_an_unknown_code(session, tree):
    hni = tree["SKHCN.HNI"]
    assert search.pick(session, hni, "HNI.BADINH")[0] == tree["HNI.BADINH"]
    assert search.pick(session, hni, " hni.badinh ")[0] == tree["HNI.BADINH"]  # any case
    assert search.pick(session, hni, str(tree["HNI.BADINH"].id))[0] == tree["HNI.BADINH"]
    assert search.pick(session, hni, "") == (None, None)
    assert search.pick(session, hni, "", required=True) == (None, "Chọn một đơn vị.")
    unit, problem = search.pick(session, hni, "KHA.THUANNAM")  # exists, but not under Hà Nội
    assert unit is None and "«KHA.THUANNAM»" in (problem or "")
    unit, problem = search.pick(session, hni, "ba dinh")
    assert unit is None and "«ba dinh»" in (problem or "")
    unit, problem = search.pick(session, hni, "SKHCN.HNI", kinds=["commune"])
    assert unit is None and "xã, phường" in (problem or "")


def test_the_endpoint_as_htmx_and_as_a_page(client, session, tree, people, sign_in):
    sign_in(people["hni"])
    r = client.get("/units/search", params={"name": "unit_id", "q": "ba dinh"}, headers=HX)
    assert r.status_code == 200
    assert r.text.lstrip().startswith('<ul id="unit_id-options"')
    assert 'data-code="HNI.BADINH"' in r.text and "THO.BADINH" not in r.text  # Thanh Hóa's
    assert 'id="unit_id-opt-' in r.text and "<html" not in r.text
    # htmx sends the field itself when it still has its name
    r = client.get("/units/search", params={"name": "parent_id", "parent_id": "badinh"}, headers=HX)
    assert 'data-code="HNI.BADINH"' in r.text and 'id="parent_id-options"' in r.text
    page = client.get("/units/search", params={"q": "ba dinh"})
    assert page.status_code == 200 and "<html" in page.text
    assert r.status_code == 200 and "Tra mã đơn vị" in page.text
    none = client.get("/units/search", params={"q": "zzzz"}, headers=HX).text
    assert "Không có đơn vị nào khớp «zzzz»" in none
    assert client.get("/units/search", params={"name": "bad name"}).status_code == 422


def test_a_commune_finds_itself_and_nobody_signed_out_finds_anything(
    client, session, tree, people, sign_in
):
    assert client.get("/units/search", params={"q": "ba"}, follow_redirects=False).status_code in (
        302, 303, 307,
    )  # fmt: skip
    sign_in(people["badinh"])
    text = client.get("/units/search", params={"q": "ba"}, headers=HX).text
    assert 'data-code="HNI.BADINH"' in text and text.count('role="option" id=') == 1
