# ruff: noqa: F811 - the fixtures are imported from test_sessions
"""Issue 17, item 3, on both databases: an admin ends one session of a user in their scope from
the user's admin page (recorded in the account history; not their own, not a peer's, not another
user's session id); a password reset, the user's own password change and a lock revoke the
user's API tokens as well as ending their sessions."""

from __future__ import annotations

import re

from sqlmodel import select

from casework.accounts import service as accounts
from casework.admin.models import AccountChange
from tests.accounts.test_sessions import (  # noqa: F401 - fixtures
    NEW_PASSWORD,
    admin,
    change,
    login,
    rows_of,
    signed_in,
    token,
)
from tests.conftest import TEST_PASSWORD


def api_works(client, secret: str) -> bool:  # type: ignore[no-untyped-def]
    r = client.get("/api/v1/dossiers", headers={"Authorization": f"Bearer {secret}"})
    return r.status_code == 200


def kinds(session, user) -> list[str]:  # type: ignore[no-untyped-def]
    session.expire_all()
    rows = session.exec(
        select(AccountChange).where(AccountChange.user_id == user.id).order_by(AccountChange.id)
    ).all()
    return [r.kind for r in rows]


def test_an_admin_ends_one_session_of_a_user_from_the_admin_page(app, session, world, admin, login):
    receiver = world["hni.receiver"]
    phone = login(receiver, agent="Mozilla/5.0 (Linux; Android 14) Chrome/131.0 Mobile")
    desk = login(receiver)
    boss = login(admin)
    page = boss.get(f"/admin/users/{receiver.id}")
    assert page.status_code == 200
    assert "Phiên đăng nhập đang mở" in page.text
    assert "Chrome · Android" in page.text and "Chrome · Windows" in page.text
    ids = [int(i) for i in re.findall(r'/sessions/(\d+)/end"', page.text)]
    assert len(ids) == 2
    phone_row = next(r for r in rows_of(session, receiver) if "Android" in r.user_agent)
    r = boss.post(
        f"/admin/users/{receiver.id}/sessions/{phone_row.id}/end",
        data={"csrf_token": token(boss)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert r.headers["location"] == f"/admin/users/{receiver.id}?done=session"
    assert not signed_in(phone, receiver) and signed_in(desk, receiver)
    ended = {r.id: r.end_reason for r in rows_of(session, receiver)}
    assert ended[phone_row.id] == "admin_ended"
    after = boss.get(r.headers["location"])
    assert "Đã kết thúc phiên đó" in after.text
    assert "Kết thúc phiên đăng nhập (Chrome · Android" in after.text  # the history line
    assert kinds(session, receiver)[-1] == "session_ended"

    # the same id again, an id of another user's session, a made-up id: the same 404
    mine = next(r for r in rows_of(session, admin) if r.ended_at is None)
    for sid in (phone_row.id, mine.id, 999_999):
        r = boss.post(
            f"/admin/users/{receiver.id}/sessions/{sid}/end",
            data={"csrf_token": token(boss)},
            follow_redirects=False,
        )
        assert r.status_code == 404, sid
    assert signed_in(boss, admin) and signed_in(desk, receiver)


def test_not_ones_own_not_a_peer_not_outside_the_scope(session, world, admin, login):
    peer = accounts.create_user(
        session, username="hni.admin2", full_name="Quản trị 2", unit=world.hni, roles=["admin"]
    )
    kha = world["kha.receiver"]
    login(peer), login(kha)
    boss = login(admin)
    own = next(r for r in rows_of(session, admin) if r.ended_at is None)
    r = boss.post(
        f"/admin/users/{admin.id}/sessions/{own.id}/end", data={"csrf_token": token(boss)}
    )
    assert r.status_code == 403 and "trang «Phiên đăng nhập»" in r.text
    peer_row = rows_of(session, peer)[0]
    r = boss.post(
        f"/admin/users/{peer.id}/sessions/{peer_row.id}/end", data={"csrf_token": token(boss)}
    )
    assert r.status_code == 403
    kha_row = rows_of(session, kha)[0]
    r = boss.post(
        f"/admin/users/{kha.id}/sessions/{kha_row.id}/end", data={"csrf_token": token(boss)}
    )
    assert r.status_code == 404
    assert all(row.ended_at is None for row in rows_of(session, peer) + rows_of(session, kha))
    assert "session_ended" not in kinds(session, peer) + kinds(session, kha)
    # one's own and a peer's page offer no session list
    assert "Phiên đăng nhập đang mở" not in boss.get(f"/admin/users/{admin.id}").text
    assert "Phiên đăng nhập đang mở" not in boss.get(f"/admin/users/{peer.id}").text


def test_a_reset_and_a_lock_revoke_the_api_tokens(app, client, session, world, admin, login):
    receiver = world["hni.receiver"]
    secret = accounts.issue_token(session, user=receiver, label="máy quét")
    assert api_works(client, secret)
    boss = login(admin)
    r = boss.post(
        f"/admin/users/{receiver.id}/password",
        data={"password": NEW_PASSWORD, "password_again": NEW_PASSWORD, "csrf_token": token(boss)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert not api_works(client, secret)
    assert accounts.count_active_tokens(session, user=receiver) == 0

    secret = accounts.issue_token(session, user=receiver)
    for active in ("0", "1"):  # locked, then unlocked: the token stays revoked
        r = boss.post(
            f"/admin/users/{receiver.id}/active",
            data={"active": active, "csrf_token": token(boss)},
            follow_redirects=False,
        )
        assert r.status_code == 303
    assert not api_works(client, secret)
    assert (
        "Khóa tài khoản hoặc đặt lại mật khẩu sẽ kết thúc mọi phiên"
        in boss.get(f"/admin/users/{receiver.id}").text
    )


def test_the_users_own_password_change_revokes_the_tokens(client, session, world, login):
    receiver = world["hni.receiver"]
    secret = accounts.issue_token(session, user=receiver)
    browser = login(receiver)
    r = change(browser, TEST_PASSWORD, NEW_PASSWORD)
    assert r.status_code == 303, r.text
    assert not api_works(client, secret)


def test_an_admin_revoking_tokens_is_recorded(session, world, admin, login):
    receiver = world["hni.receiver"]
    accounts.issue_token(session, user=receiver)
    accounts.issue_token(session, user=receiver)
    boss = login(admin)
    r = boss.post(
        f"/admin/users/{receiver.id}/tokens/revoke",
        data={"csrf_token": token(boss)},
        follow_redirects=False,
    )
    assert r.headers["location"].endswith("done=revoked&n=2")
    assert kinds(session, receiver)[-1] == "tokens_revoked"
    assert "Thu hồi 2 mã truy cập API" in boss.get(f"/admin/users/{receiver.id}").text
