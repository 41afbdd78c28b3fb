"""`casework units import`: the official tree, idempotent, renames recorded, nothing deleted."""

from __future__ import annotations

import copy
import json
import time
from importlib import resources

from sqlmodel import Session, col, func, select

from casework.accounts import service as accounts
from casework.accounts.models import Unit, User
from casework.units import service, source
from casework.units.models import UnitChange


def _raw() -> list[dict]:
    path = resources.files("vietnam_provinces").joinpath("data/nested-divisions.json")
    return json.loads(path.read_text(encoding="utf-8"))


def _count(session: Session, model) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def test_the_package_has_the_tree_of_july_2025():
    tree = source.load()
    assert tree.label == "vietnam-provinces 2025.10.1"
    assert len(tree.provinces) == 34 and len(tree.communes) == 3321
    dong_thap = [c for c in tree.communes if c.parent_official_code == 82]
    assert len(dong_thap) == 102
    codes = [c.code for c in tree.communes]
    assert len(set(codes)) == len(codes)  # a xã and a phường of one name get their number
    assert "DTH.MYTHO" not in codes and any(c.startswith("DTH.MYTHO") for c in codes)
    by_code = {c.code: c for c in tree.communes}
    assert by_code["HNI.BADINH"].official_code == 4
    assert by_code["HNI.BADINH"].name == "UBND Phường Ba Đình"
    assert by_code["KHA.THUANNAM"].official_code == 22897
    assert {p.code for p in tree.provinces} >= {"SKHCN.HNI", "SKHCN.KHA", "SKHCN.DTH"}


def test_whole_tree_then_again_changes_nothing(session):
    tree = source.load()
    started = time.perf_counter()
    first = service.import_tree(session, tree=tree)
    seconds = time.perf_counter() - started
    assert first.created == 34 + 3321
    assert seconds < 20, seconds  # bulk: about a second on either database
    units = {u.code: u for u in session.exec(select(Unit))}
    assert len(units) == 1 + 34 + 3321  # the ministry too
    dept = units["SKHCN.DTH"]
    assert (dept.official_code, dept.division_type, dept.kind) == (82, "tỉnh", "department")
    dt = [u for u in units.values() if u.parent_id == dept.id]
    assert len(dt) == 102 and all(u.path == f"{dept.path}{u.id}/" for u in dt)
    assert all(u.province == "Đồng Tháp" for u in dt)
    badinh = units["HNI.BADINH"]
    assert (badinh.official_code, badinh.official_name) == (4, "Phường Ba Đình")
    assert _count(session, UnitChange) == 0  # creating is not a change of anything

    snapshot = sorted((u.id, u.code, u.name, u.path, u.parent_id) for u in units.values())
    again = service.import_tree(session, tree=tree)
    assert again.changed == 0 and again.unchanged == 34 + 3321
    session.expire_all()
    assert snapshot == sorted(
        (u.id, u.code, u.name, u.path, u.parent_id) for u in session.exec(select(Unit))
    )
    assert _count(session, UnitChange) == 0


def test_existing_units_are_linked_by_code_and_keep_their_ids(session):
    root = accounts.create_unit(session, code="BKHCN", name="Bộ", kind="ministry")
    hni = accounts.create_unit(
        session, code="SKHCN.HNI", name="Sở KH&CN HN", kind="department", parent=root
    )
    badinh = accounts.create_unit(
        session, code="HNI.BADINH", name="UBND Phường Ba Đình", kind="commune", parent=hni
    )
    user = accounts.create_user(
        session, username="badinh.x", full_name="X", unit=badinh, roles=["receiver"]
    )
    report = service.import_tree(session, tree=source.load(), provinces={1})
    assert report.linked == 2 and report.created == 125  # Hà Nội's 126 communes, one linked
    session.expire_all()
    assert session.get(Unit, badinh.id).official_code == 4
    assert session.get(Unit, hni.id).name == "Sở Khoa học và Công nghệ Hà Nội"
    assert session.get(User, user.id).unit_id == badinh.id
    changes = session.exec(select(UnitChange).order_by(col(UnitChange.id))).all()
    assert [(c.change, c.old_value, c.new_value) for c in changes] == [
        ("linked", "", "1"),
        ("renamed", "Sở KH&CN HN", "Sở Khoa học và Công nghệ Hà Nội"),
        ("linked", "", "4"),
    ]
    assert all(c.source == "vietnam-provinces 2025.10.1" for c in changes)


def test_a_rename_a_move_and_an_absence_are_recorded_and_nothing_deleted(session):
    raw = _raw()
    small = [copy.deepcopy(p) for p in raw if p["code"] in (1, 82)]
    service.import_tree(session, tree=source.build(small, "v1"))
    badinh = session.exec(select(Unit).where(Unit.code == "HNI.BADINH")).one()
    staff = accounts.create_user(
        session, username="badinh.y", full_name="Y", unit=badinh, roles=["handler"]
    )
    # the next list: Ba Đình renamed, Hoàn Kiếm moved to Đồng Tháp, one Đồng Tháp ward gone
    hanoi, dongthap = small
    ward = next(w for w in hanoi["wards"] if w["code"] == 4)
    ward["name"] = "Phường Ba Đình Mới"
    hk = next(w for w in hanoi["wards"] if w["code"] == 70)
    hanoi["wards"].remove(hk)
    dongthap["wards"].append(hk)
    gone = dongthap["wards"].pop(0)
    report = service.import_tree(session, tree=source.build(small, "v2"))
    assert (report.renamed, report.moved, report.absent, report.created) == (1, 1, 1, 0)
    session.expire_all()
    badinh = session.get(Unit, badinh.id)
    assert badinh.name == "UBND Phường Ba Đình Mới" and badinh.code == "HNI.BADINH"
    hoankiem = session.exec(select(Unit).where(Unit.code == "HNI.HOANKIEM")).one()
    dept = session.exec(select(Unit).where(Unit.code == "SKHCN.DTH")).one()
    assert hoankiem.parent_id == dept.id and hoankiem.path == f"{dept.path}{hoankiem.id}/"
    absent = session.exec(select(Unit).where(Unit.official_code == gone["code"])).one()
    assert absent.absent_since is not None  # marked, still there
    assert session.get(User, staff.id) is not None
    kinds = [
        (c.change, c.old_value, c.new_value, c.source)
        for c in session.exec(select(UnitChange).order_by(col(UnitChange.id)))
    ]
    assert ("renamed", "Phường Ba Đình", "Phường Ba Đình Mới", "v2") in kinds
    assert ("moved", "SKHCN.HNI", "SKHCN.DTH", "v2") in kinds
    assert ("absent", "", "", "v2") in kinds
    # the same list again: nothing more; the ward back: unmarked and recorded
    assert service.import_tree(session, tree=source.build(small, "v2")).changed == 0
    dongthap["wards"].insert(0, gone)
    back = service.import_tree(session, tree=source.build(small, "v3"))
    assert back.returned == 1 and back.changed == 1
    session.expire_all()
    assert session.get(Unit, absent.id).absent_since is None


def test_a_code_taken_by_another_unit_is_not_reused(session):
    root = accounts.create_unit(session, code="BKHCN", name="Bộ", kind="ministry")
    local = accounts.create_unit(
        session, code="SKHCN.KHA", name="Một đơn vị cũ", kind="department", parent=root
    )
    local.official_code = 999  # already linked to something else
    session.add(local)
    session.commit()
    service.import_tree(session, tree=source.load(), provinces={56})
    kha = session.exec(select(Unit).where(Unit.official_code == 56)).one()
    assert kha.code == "SKHCN.KHA.56" and kha.id != local.id
    session.expire_all()
    assert session.get(Unit, local.id).name == "Một đơn vị cũ"
