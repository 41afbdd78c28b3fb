"""Admin pages on both databases: users, units and calendars under the admin's own unit only."""

from __future__ import annotations

import re
from datetime import datetime

from sqlmodel import select

from casework.accounts.models import Unit, User
from casework.accounts.service import issue_token
from tests.factories import TZ, open_xray


def fresh(session):
    """Forget what the test session holds and end its snapshot: the app wrote meanwhile."""
    session.rollback()
    session.expire_all()


def login(client, username, password):
    client.cookies.clear()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token},
        follow_redirects=False,
    )


def test_admin_creates_a_user_who_can_then_sign_in(client, session, world, admins, sign_in):
    token = sign_in(admins["hni.admin"])
    form = client.get("/admin/users/new").text
    # the unit picker, filled with the admin's own unit; no list of every unit
    assert 'name="unit_id" type="text" value="SKHCN.HNI"' in form
    assert "Sở KH&amp;CN Hà Nội (SKHCN.HNI)" in form and "<option" not in form.split("roles")[0]
    r = client.post(
        "/admin/users",
        data={
            "csrf_token": token, "username": "nguyen.van.an", "full_name": "Nguyễn Văn An",
            "unit_id": "HNI.BADINH", "roles": ["receiver", "handler"],
            "password": "bat-dau-123",
        },
        follow_redirects=False,
    )  # fmt: skip
    assert r.status_code == 303, r.text
    created = session.exec(select(User).where(User.username == "nguyen.van.an")).one()
    assert r.headers["location"] == f"/admin/users/{created.id}?created=1"
    assert created.unit_id == world.commune.id
    assert created.roles == ["receiver", "handler"]
    page = client.get(r.headers["location"]).text
    assert "Đã tạo tài khoản" in page
    # accent-insensitive search, and the role filter
    found = client.get("/admin/users", params={"q": "nguyen VAN an"}).text
    assert "Nguyễn Văn An" in found and "1 người dùng" in found
    assert "Nguyễn Văn An" in client.get("/admin/users", params={"role": "handler"}).text
    assert "Nguyễn Văn An" not in client.get("/admin/users", params={"role": "leader"}).text

    assert login(client, "nguyen.van.an", "bat-dau-123").status_code == 303
    assert "Nguyễn Văn An" in client.get("/dossiers").text


def test_non_admins_are_refused(client, world, admins, sign_in):
    assert client.get("/admin/users", follow_redirects=False).status_code == 303  # sign in first
    token = sign_in(world["hni.handler"])
    for url in ("/admin", "/admin/users", "/admin/units", "/admin/calendar", "/admin/users/new"):
        assert client.get(url).status_code == 403, url
    r = client.post(
        "/admin/users",
        data={"csrf_token": token, "username": "x.y", "full_name": "X", "password": "12345678",
              "unit_id": str(world.hni.id), "roles": "admin"},
    )  # fmt: skip
    assert r.status_code == 403
    assert (
        client.post(
            f"/admin/users/{world['hni.handler'].id}/active",
            data={"csrf_token": token, "active": "0"},
        ).status_code
        == 403
    )
    sign_in(world["hni.auditor"])
    assert client.get("/admin/users").status_code == 403


def test_hni_admin_cannot_see_or_edit_a_kha_user(client, session, world, admins, sign_in):
    token = sign_in(admins["hni.admin"])
    kha_user = world["kha.receiver"]
    listing = client.get("/admin/users").text
    assert "hni.handler" in listing and "badinh.receiver" in listing
    assert (
        "kha.receiver" not in listing and "kha.admin" not in listing and "bo.admin" not in listing
    )
    assert client.get(f"/admin/users/{kha_user.id}").status_code == 404
    assert client.get("/admin/users/999999").status_code == 404  # same answer as a missing one
    # a unit outside the subtree is no unit at all here: the filter says so (form kept)
    r = client.get("/admin/users", params={"unit": world.kha.id})
    assert r.status_code == 422 and f"«{world.kha.id}»" in r.text and "kha.receiver" not in r.text
    r = client.get("/admin/users", params={"unit": "SKHCN.KHA"})
    assert r.status_code == 422 and "«SKHCN.KHA»" in r.text
    posts = {
        f"/admin/users/{kha_user.id}": {"full_name": "Đổi tên", "unit_id": str(world.hni.id),
                                        "roles": "admin"},
        f"/admin/users/{kha_user.id}/active": {"active": "0"},
        f"/admin/users/{kha_user.id}/password": {"password": "chiem-quyen-1", "password_again": "chiem-quyen-1"},
        f"/admin/users/{kha_user.id}/tokens/revoke": {},
    }  # fmt: skip
    for url, data in posts.items():
        assert client.post(url, data={"csrf_token": token, **data}).status_code == 404, url
    # nor move one of its own users into KHA, nor create one there
    r = client.post(
        f"/admin/users/{world['hni.handler'].id}",
        data={"csrf_token": token, "full_name": "Cán bộ hni.handler", "unit_id": str(world.kha.id),
              "roles": "handler"},
    )  # fmt: skip
    assert r.status_code == 422
    assert 'id="err-unit_id"' in r.text
    fresh(session)
    kept = session.get(User, kha_user.id)
    assert (kept.full_name, kept.is_active, kept.roles) == (
        "Cán bộ kha.receiver",
        True,
        ["receiver"],
    )
    assert session.get(User, world["hni.handler"].id).unit_id == world.hni.id


def test_a_rejected_form_keeps_its_data_and_names_each_field(
    client, session, world, admins, sign_in
):
    token = sign_in(admins["hni.admin"])
    r = client.post(
        "/admin/users",
        data={"csrf_token": token, "username": "trần bình", "full_name": "Trần Thị Bình",
              "unit_id": str(world.commune.id), "password": "ngan"},
    )  # fmt: skip
    assert r.status_code == 422
    assert 'value="Trần Thị Bình"' in r.text
    assert 'value="trần bình"' in r.text
    assert 'name="unit_id" type="text" value="HNI.BADINH"' in r.text  # sent as an id
    assert re.search(r'id="err-username">Tên đăng nhập gồm chữ không dấu', r.text)
    assert re.search(r'id="err-password">Mật khẩu cần ít nhất 8 ký tự', r.text)
    assert re.search(r'id="err-roles">Chọn ít nhất một vai trò', r.text)
    assert 'aria-invalid="true" aria-describedby="err-username"' in r.text
    assert "ngan" not in r.text.split('id="password"')[1].split(">")[0]  # password not echoed
    taken = client.post(
        "/admin/users",
        data={"csrf_token": token, "username": "hni.handler", "full_name": "Ai đó",
              "unit_id": str(world.hni.id), "roles": "handler", "password": "12345678"},
    )  # fmt: skip
    assert taken.status_code == 422
    assert "đã có người dùng" in taken.text
    assert 'value="handler" checked' in taken.text
    assert session.exec(select(User).where(User.full_name == "Trần Thị Bình")).first() is None


def test_edit_lock_reset_password_and_revoke_tokens(client, session, world, admins, sign_in):
    target = world["hni.handler"]
    api_token = issue_token(session, user=target)
    token = sign_in(admins["hni.admin"])
    r = client.post(
        f"/admin/users/{target.id}",
        data={"csrf_token": token, "full_name": "Lê Văn Cường", "unit_id": str(world.commune.id),
              "roles": ["handler", "leader"]},
        follow_redirects=False,
    )  # fmt: skip
    assert r.status_code == 303
    fresh(session)
    edited = session.get(User, target.id)
    assert (edited.full_name, edited.unit_id, edited.roles) == (
        "Lê Văn Cường", world.commune.id, ["handler", "leader"],
    )  # fmt: skip
    assert "Đã lưu thay đổi" in client.get(r.headers["location"]).text

    bad = client.post(
        f"/admin/users/{target.id}/password",
        data={"csrf_token": token, "password": "moi-123456", "password_again": "khac-123456"},
    )
    assert bad.status_code == 422 and 'id="err-password_again"' in bad.text
    r = client.post(
        f"/admin/users/{target.id}/password",
        data={"csrf_token": token, "password": "moi-123456", "password_again": "moi-123456"},
        follow_redirects=False,
    )
    assert r.status_code == 303

    # the reset revoked the API token with the sessions (issue 17)
    page = client.get(f"/admin/users/{target.id}").text
    assert "Thu hồi mã truy cập API (0)" in page
    api = client.get("/api/v1/dossiers", headers={"Authorization": f"Bearer {api_token}"})
    assert api.status_code == 401
    fresh(session)
    issue_token(session, user=target)
    r = client.post(f"/admin/users/{target.id}/tokens/revoke", data={"csrf_token": token})
    assert "Đã thu hồi 1 mã truy cập API" in r.text

    r = client.post(f"/admin/users/{target.id}/active", data={"csrf_token": token, "active": "0"})
    assert "Đã khóa tài khoản" in r.text
    assert "Đã khóa" in client.get("/admin/users", params={"active": "0"}).text
    assert login(client, target.username, "moi-123456").status_code == 400
    fresh(session)  # end the test session's read snapshot before it writes (SQLite WAL)
    token = sign_in(admins["hni.admin"])
    client.post(f"/admin/users/{target.id}/active", data={"csrf_token": token, "active": "1"})
    assert login(client, target.username, "moi-123456").status_code == 303


def test_an_admin_cannot_lock_themselves_or_drop_their_own_admin_role(
    client, session, world, admins, sign_in
):
    me = admins["hni.admin"]
    token = sign_in(me)
    r = client.post(f"/admin/users/{me.id}/active", data={"csrf_token": token, "active": "0"})
    assert r.status_code == 403 and "không thể tự khóa" in r.text  # tests/admin/test_grants.py
    r = client.post(
        f"/admin/users/{me.id}",
        data={"csrf_token": token, "full_name": me.full_name, "unit_id": str(world.hni.id),
              "roles": "handler"},
    )  # fmt: skip
    assert r.status_code == 403 and "không tự đổi vai trò của mình" in r.text
    fresh(session)
    assert session.get(User, me.id).roles == ["admin"] and session.get(User, me.id).is_active


def test_units_show_the_subtree_and_take_a_child(client, session, world, admins, sign_in):
    token = sign_in(admins["hni.admin"])
    page = client.get("/admin/units").text
    assert "Sở KH&amp;CN Hà Nội" in page and "UBND Phường Ba Đình" in page
    assert "Khánh Hòa" not in page and "Bộ KH&amp;CN" not in page
    assert re.search(r'style="--depth: 1"><strong>UBND Phường Ba Đình', page)
    r = client.post(
        "/admin/units",
        data={"csrf_token": token, "parent_id": str(world.hni.id), "code": "HNI.HOANKIEM",
              "name": "UBND Phường Hoàn Kiếm", "kind": "commune", "province": ""},
        follow_redirects=False,
    )  # fmt: skip
    assert r.status_code == 303
    unit = session.exec(select(Unit).where(Unit.code == "HNI.HOANKIEM")).one()
    assert unit.path == f"{world.hni.path}{unit.id}/" and unit.parent_id == world.hni.id
    assert "Đã tạo đơn vị HNI.HOANKIEM" in client.get(r.headers["location"]).text

    r = client.post(
        "/admin/units",
        data={"csrf_token": token, "parent_id": str(world.kha.id), "code": "HNI.BADINH",
              "name": "", "kind": "department"},
    )  # fmt: skip
    assert r.status_code == 422
    assert 'id="err-parent_id"' in r.text
    assert re.search(r'id="err-code">Mã HNI.BADINH đã được dùng', r.text)
    assert 'id="err-name"' in r.text
    r = client.post(
        "/admin/units",
        data={"csrf_token": token, "parent_id": str(world.hni.id), "code": "HNI.SO2",
              "name": "Sở thứ hai", "kind": "department"},
    )  # fmt: skip
    assert r.status_code == 422 and 'id="err-kind"' in r.text
    assert 'value="Sở thứ hai"' in r.text


def test_a_day_off_moves_an_open_dossier_and_the_page_lists_it(
    client, session, world, admins, sign_in, xray
):
    at = datetime(2026, 3, 2, 9, 0, tzinfo=TZ)  # Monday; 5 working days -> 17:00 Mon 09/03
    dossier = open_xray(session, xray, world["hni.receiver"], received_at=at, now=at)
    other = open_xray(session, xray, world["kha.receiver"], received_at=at, now=at)
    assert dossier.due_at.astimezone(TZ) == datetime(2026, 3, 9, 17, 0, tzinfo=TZ)
    token = sign_in(admins["hni.admin"])
    r = client.post(
        "/admin/calendar/days",
        data={"csrf_token": token, "day": "2026-03-04", "kind": "day_off",
              "name": "Nghỉ bảo trì hệ thống", "scope": "unit", "year": "2026"},
    )  # fmt: skip
    assert r.status_code == 200, r.text
    assert "Hồ sơ đổi hạn (1)" in r.text
    assert f'href="/dossiers/{dossier.code}"' in r.text
    assert "17:00 09/03/2026" in r.text and "17:00 10/03/2026" in r.text
    assert other.code not in r.text
    fresh(session)
    assert session.get(type(dossier), dossier.id).due_at.astimezone(TZ) == datetime(
        2026, 3, 10, 17, 0, tzinfo=TZ
    )
    assert session.get(type(other), other.id).due_at == other.due_at  # KHA's calendar untouched
    page = client.get("/admin/calendar", params={"year": 2026}).text
    row = page.split("04/03/2026")[1].split("</tr>")[0]
    assert "Nghỉ bảo trì hệ thống" in row and "Riêng đơn vị" in row and "Bỏ" in row

    # htmx: remove it again, the block comes back with the dossier moved back
    r = client.post(
        "/admin/calendar/days/remove",
        data={"csrf_token": token, "day": "2026-03-04", "scope": "unit"},
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 200
    assert r.text.lstrip().startswith('<section id="calendar">')
    assert dossier.code in r.text and "Đã bỏ thay đổi lịch" in r.text
    fresh(session)
    assert session.get(type(dossier), dossier.id).due_at.astimezone(TZ).day == 9


def test_only_a_ministry_admin_changes_the_national_calendar(client, world, admins, sign_in):
    token = sign_in(admins["hni.admin"])
    page = client.get("/admin/calendar?year=2026").text
    assert 'value="national"' not in page
    r = client.post(
        "/admin/calendar/days",
        data={"csrf_token": token, "day": "2026-03-04", "kind": "day_off", "name": "X",
              "scope": "national"},
    )  # fmt: skip
    assert r.status_code == 422 and 'id="err-scope"' in r.text
    assert 'value="X"' in r.text  # typed data kept
    r = client.post(
        "/admin/calendar/days",
        data={"csrf_token": token, "day": "", "kind": "day_off", "name": " ", "scope": "unit"},
    )
    assert r.status_code == 422 and 'id="err-day"' in r.text and 'id="err-name"' in r.text

    token = sign_in(admins["bo.admin"])
    assert 'value="national"' in client.get("/admin/calendar?year=2026").text
    r = client.post(
        "/admin/calendar/days",
        data={"csrf_token": token, "day": "2026-03-07", "kind": "workday",
              "name": "Làm bù", "scope": "national"},
    )  # fmt: skip
    assert r.status_code == 200 and "Không hồ sơ đang giải quyết nào đổi hạn" in r.text
    sign_in(admins["hni.admin"])
    row = client.get("/admin/calendar?year=2026").text.split("07/03/2026")[1].split("</tr>")[0]
    assert "Bộ sửa (cả nước)" in row and "Bỏ" not in row  # shown, but not removable by HNI


def test_the_user_list_pages_and_filters_with_htmx(client, session, world, admins, sign_in):
    from casework.accounts import service as accounts

    for i in range(25):
        accounts.create_user(
            session, username=f"xa.{i:02d}", full_name=f"Cán bộ xã số {i:02d}",
            unit=world.commune, roles=["receiver"], commit=False,
        )  # fmt: skip
    session.commit()
    sign_in(admins["hni.admin"])
    first = client.get("/admin/users", params={"unit": world.commune.id}).text
    assert "26 người dùng · trang 1/2" in first  # 25 + badinh.receiver
    assert 'rel="next"' in first and 'rel="prev"' not in first
    second = client.get("/admin/users", params={"unit": world.commune.id, "page": 2}).text
    assert "Cán bộ xã số 24" in second and "Cán bộ xã số 00" not in second
    block = client.get(
        "/admin/users", params={"q": "XA SO 07"}, headers={"HX-Request": "true"}
    ).text
    assert block.lstrip().startswith('<section id="users"')
    assert "Cán bộ xã số 07" in block and "1 người dùng" in block
