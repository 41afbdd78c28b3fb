"""Role grants bounded by level (issue 17, finding 1), on both databases: `admin/grants.py`.

The finding, reproduced: as `hni.admin`, `POST /admin/users/<own id>` with
`roles=admin&roles=mentor` answered 303 and made him a mentor. Now it is a 403 with the reason in
Vietnamese, the form shown again with what was typed, nothing changed and nothing recorded. The
rest of the table (every admin × unit level × role, over HTTP) is in the access matrix
(`tests/security/grants_matrix.py`).
"""

from __future__ import annotations

import logging

from sqlmodel import select

from casework.accounts import service as accounts
from casework.accounts.models import User
from casework.admin.models import AccountChange
from tests.admin.test_pages import fresh


def changes(session, user):  # type: ignore[no-untyped-def]
    fresh(session)
    rows = session.exec(
        select(AccountChange).where(AccountChange.user_id == user.id).order_by(AccountChange.id)
    ).all()
    return [(r.kind, r.role, r.old_value, r.new_value) for r in rows]


def edit(client, token, user, unit_code, roles, full_name=None):  # type: ignore[no-untyped-def]
    return client.post(
        f"/admin/users/{user.id}",
        data={"csrf_token": token, "full_name": full_name or user.full_name, "unit_id": unit_code,
              "roles": roles},
        follow_redirects=False,
    )  # fmt: skip


def test_finding_1_an_admin_cannot_grant_himself_mentor(
    client, session, world, admins, sign_in, caplog
):
    me = admins["hni.admin"]
    token = sign_in(me)
    page = client.get(f"/admin/users/{me.id}").text
    assert "không tự đổi vai trò của mình" in page  # the boxes are shown disabled, and why
    assert 'value="admin" checked disabled' in page
    with caplog.at_level(logging.WARNING, logger="casework.access"):
        r = edit(client, token, me, "SKHCN.HNI", ["admin", "mentor"], full_name="Tên mới gõ vào")
    assert r.status_code == 403, r.text[:300]
    assert "Bạn không tự đổi vai trò của mình" in r.text
    assert 'value="Tên mới gõ vào"' in r.text  # the form keeps what was typed
    assert any("access_refused status=403" in m and "grant_refused" in m for m in caplog.messages)
    fresh(session)
    assert session.get(User, me.id).roles == ["admin"]
    assert session.get(User, me.id).full_name != "Tên mới gõ vào"
    assert changes(session, me) == []
    # nor a lower unit, nor a lock, nor a password through the admin pages
    r = edit(client, token, me, "HNI.BADINH", ["admin"])
    assert r.status_code == 403 and "không tự chuyển đơn vị" in r.text
    r = client.post(f"/admin/users/{me.id}/password",
                    data={"csrf_token": token, "password": "moi-123456", "password_again": "moi-123456"})  # fmt: skip
    assert r.status_code == 403 and "/account/password" in r.text
    r = client.post(f"/admin/users/{me.id}/active", data={"csrf_token": token, "active": "0"})
    assert r.status_code == 403
    fresh(session)
    assert session.get(User, me.id).is_active and changes(session, me) == []


def test_no_admin_makes_a_mentor_outside_the_ministry(client, session, world, admins, sign_in):
    def create(token, unit_code, username):  # type: ignore[no-untyped-def]
        return client.post(
            "/admin/users",
            data={"csrf_token": token, "username": username, "full_name": "Cán bộ mới",
                  "unit_id": unit_code, "roles": ["mentor"], "password": "bat-dau-123"},
            follow_redirects=False,
        )  # fmt: skip

    token = sign_in(admins["hni.admin"])
    new_form = client.get("/admin/users/new").text
    assert 'value="mentor"' not in new_form  # not offered to a department's admin
    r = create(token, "HNI.BADINH", "mentor.xa")
    assert r.status_code == 403, r.text[:300]
    assert "chỉ quản trị viên của Bộ cấp, và chỉ cho người dùng thuộc Bộ" in r.text
    assert 'value="mentor.xa"' in r.text  # kept
    target = world["hni.handler"]
    r = edit(client, token, target, "SKHCN.HNI", ["handler", "mentor"])
    assert r.status_code == 403 and "thuộc Bộ" in r.text

    token = sign_in(admins["bo.admin"])
    assert "chỉ cho người dùng thuộc Bộ" in client.get("/admin/users/new").text
    r = create(token, "SKHCN.HNI", "mentor.tinh")  # the ministry's admin, outside the ministry
    assert r.status_code == 403 and "thuộc Bộ" in r.text
    r = edit(client, token, target, "SKHCN.HNI", ["handler", "mentor"])
    assert r.status_code == 403
    mentor = world["bo.mentor"]  # a mentor cannot be moved out of the ministry either
    r = edit(client, token, mentor, "SKHCN.HNI", ["mentor"])
    assert r.status_code == 403 and "thuộc Bộ" in r.text
    fresh(session)
    assert session.exec(select(User).where(User.username.in_(["mentor.xa", "mentor.tinh"]))).all() == []  # type: ignore[attr-defined]  # fmt: skip
    assert session.get(User, target.id).roles == ["handler"]
    assert session.get(User, mentor.id).unit_id == world.ministry.id

    r = create(token, "BKHCN", "mentor.bo")  # the one allowed place
    assert r.status_code == 303, r.text[:300]
    fresh(session)
    made = session.exec(select(User).where(User.username == "mentor.bo")).one()
    assert made.roles == ["mentor"]
    assert changes(session, made) == [
        ("created", None, "", "BKHCN"), ("granted", "mentor", "", ""),
    ]  # fmt: skip


def test_admin_is_granted_one_level_down_and_peers_are_left_to_the_level_above(
    client, session, world, admins, sign_in
):
    peer = accounts.create_user(
        session, username="hni.admin2", full_name="Quản trị thứ hai", unit=world.hni,
        roles=["admin", "auditor"], password="mat-khau-rieng-1",
    )  # fmt: skip
    token = sign_in(admins["hni.admin"])
    page = client.get(f"/admin/users/{peer.id}").text
    assert "do quản trị viên cấp trên quản lý" in page and "Khóa tài khoản</button>" not in page
    r = edit(client, token, peer, "SKHCN.HNI", ["auditor"])  # unmake a peer
    assert r.status_code == 403 and "cấp trên quản lý" in r.text
    r = client.post(f"/admin/users/{peer.id}/active", data={"csrf_token": token, "active": "0"})
    assert r.status_code == 403
    r = client.post(f"/admin/users/{peer.id}/password",
                    data={"csrf_token": token, "password": "chiem-quyen-1", "password_again": "chiem-quyen-1"})  # fmt: skip
    assert r.status_code == 403
    r = edit(client, token, world["hni.handler"], "SKHCN.HNI", ["handler", "admin"])  # make one
    assert r.status_code == 403 and "quản trị viên cấp trên" in r.text
    fresh(session)
    assert session.get(User, peer.id).roles == ["admin", "auditor"]
    assert session.get(User, peer.id).is_active and changes(session, peer) == []

    commune = world["badinh.receiver"]  # one level down: a commune's admin
    r = edit(client, token, commune, "HNI.BADINH", ["receiver", "handler", "leader", "admin"])
    assert r.status_code == 303, r.text[:300]
    assert ("granted", "admin", "", "") in changes(session, commune)

    token = sign_in(admins["bo.admin"])  # the level above manages the department's admins
    r = edit(client, token, peer, "SKHCN.HNI", ["auditor"])
    assert r.status_code == 303, r.text[:300]
    r = client.post(
        f"/admin/users/{peer.id}/active", data={"csrf_token": token, "active": "0"},
        follow_redirects=False,
    )  # fmt: skip
    assert r.status_code == 303
    assert [c[:2] for c in changes(session, peer)] == [("removed", "admin"), ("locked", None)]


def test_every_grant_and_removal_is_recorded_and_shown(client, session, world, admins, sign_in):
    admin = admins["hni.admin"]
    target = world["hni.leader"]
    token = sign_in(admin)
    r = edit(client, token, target, "HNI.BADINH", ["handler", "auditor"], full_name="Lê Văn Mới")
    assert r.status_code == 303, r.text[:300]
    client.post(f"/admin/users/{target.id}/active", data={"csrf_token": token, "active": "0"})
    client.post(f"/admin/users/{target.id}/active", data={"csrf_token": token, "active": "1"})
    client.post(f"/admin/users/{target.id}/password",
                data={"csrf_token": token, "password": "moi-123456", "password_again": "moi-123456"})  # fmt: skip
    assert changes(session, target) == [
        ("moved", None, "SKHCN.HNI", "HNI.BADINH"),
        ("renamed", None, "Cán bộ hni.leader", "Lê Văn Mới"),
        ("granted", "handler", "", ""),
        ("removed", "leader", "", ""),
        ("granted", "auditor", "", ""),
        ("locked", None, "", ""),
        ("unlocked", None, "", ""),
        ("password_reset", None, "", ""),
    ]
    rows = session.exec(select(AccountChange).where(AccountChange.user_id == target.id)).all()
    assert {r.actor_id for r in rows} == {admin.id}
    page = client.get(f"/admin/users/{target.id}").text
    history = page.split('id="h-history"')[1]
    for line in (
        "Cấp vai trò «Chuyên viên thụ lý»", "Bỏ vai trò «Lãnh đạo ký duyệt»",
        "Chuyển đơn vị: SKHCN.HNI → HNI.BADINH", "Khóa tài khoản", "Đặt lại mật khẩu",
        "Quản trị hni.admin (hni.admin)",
    ):  # fmt: skip
        assert line in history, line
    # a refused change records nothing
    before = len(changes(session, target))
    token = sign_in(admin)
    assert edit(client, token, target, "HNI.BADINH", ["handler", "mentor"]).status_code == 403
    assert len(changes(session, target)) == before


def test_a_role_the_admin_may_not_touch_is_kept_as_it_is(client, session, world, admins, sign_in):
    """A mentor made outside the ministry before these rules (or by the command line): the
    province's admin may edit the rest of the account; the mentor box is ticked, disabled and
    kept; dropping it is refused."""
    legacy = accounts.create_user(
        session, username="hni.mentor", full_name="Cán bộ cũ", unit=world.hni,
        roles=["mentor", "receiver"],
    )  # fmt: skip
    token = sign_in(admins["hni.admin"])
    page = client.get(f"/admin/users/{legacy.id}").text
    assert (
        'value="mentor" checked disabled' in page
        and '<input type="hidden" name="roles" value="mentor">' in page
    )
    r = edit(client, token, legacy, "SKHCN.HNI", ["mentor", "receiver", "handler"])
    assert r.status_code == 303, r.text[:300]
    r = edit(client, token, legacy, "SKHCN.HNI", ["receiver", "handler"])
    assert r.status_code == 403 and "thuộc Bộ" in r.text
    fresh(session)
    assert set(session.get(User, legacy.id).roles) == {"mentor", "receiver", "handler"}


def test_a_removed_role_stops_working_at_the_next_request(client, session, world, admins, sign_in):
    """Roles are read from the database on every request, not kept in the session."""
    target = world["hni.auditor"]
    sign_in(target)
    assert client.get("/reports").status_code == 200
    theirs = dict(client.cookies)
    token = sign_in(admins["hni.admin"])
    assert edit(client, token, target, "SKHCN.HNI", ["handler"]).status_code == 303
    client.cookies.clear()
    client.cookies.update(theirs)  # the auditor's own session, still signed in
    assert client.get("/reports").status_code == 403
