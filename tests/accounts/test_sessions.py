"""Server-side sessions (issue 17, finding 4), on both databases: a copied cookie dies with
logout, an admin's reset and a lock; the user's own password change ends the other sessions and
keeps this one; the sessions page lists and ends them (never another user's); the idle and
absolute timeouts hold; one indexed lookup per request, and a write at most once a minute."""

from __future__ import annotations

import base64
import json
import re
import time
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlmodel import Session, col, select

from casework.accounts import service as accounts
from casework.accounts import sessions
from casework.accounts.models import User, UserSession
from casework.accounts.security import verify_password
from casework.db import utcnow
from tests.conftest import TEST_PASSWORD

COOKIE = "casework_session"
NEW_PASSWORD = "Mat-khau-moi-2031!"


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, html[:300]
    return found.group(1)


def signed_in(client: TestClient, user: User) -> bool:
    """Whether the client's cookie signs `user` in (a page that needs it, not a redirect)."""
    r = client.get("/notifications", follow_redirects=False)
    return r.status_code == 200 and user.full_name in r.text


@pytest.fixture
def login(app, session, test_password_hash):
    """login(user) -> a new browser (TestClient with its own cookies) signed in as `user`."""
    browsers: list[TestClient] = []

    def make(user: User, *, agent: str = "Mozilla/5.0 (Windows NT 10.0) Chrome/131.0") -> Any:
        if user.password_hash is None or not verify_password(TEST_PASSWORD, user.password_hash):
            user.password_hash = test_password_hash
            session.add(user)
            session.commit()
        browser = TestClient(app, headers={"User-Agent": agent})
        browsers.append(browser)
        r = browser.post(
            "/login",
            data={
                "username": user.username,
                "password": TEST_PASSWORD,
                "csrf_token": csrf_of(browser.get("/login").text),
            },
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text
        return browser

    yield make
    for browser in browsers:
        browser.close()


def token(browser: TestClient) -> str:
    return csrf_of(browser.get("/account/sessions").text)


@pytest.fixture
def admin(session, world):
    return accounts.create_user(
        session, username="hni.admin", full_name="Quản trị Hà Nội", unit=world.hni, roles=["admin"]
    )


def rows_of(session: Session, user: User) -> list[UserSession]:
    session.expire_all()
    found = session.exec(
        select(UserSession).where(UserSession.user_id == user.id).order_by(col(UserSession.id))
    ).all()
    session.commit()
    return list(found)


def replay(app, cookie: str) -> TestClient:
    """Another browser holding a copy of the cookie."""
    thief = TestClient(app)
    thief.cookies.set(COOKIE, cookie)
    return thief


# ---- logout ------------------------------------------------------------------------------------


def test_a_copied_cookie_is_signed_out_by_logout(app, session, world, login):
    receiver = world["hni.receiver"]
    browser = login(receiver)
    copied = browser.cookies[COOKIE]
    assert signed_in(replay(app, copied), receiver)  # the copy works while the session lives
    r = browser.post("/logout", data={"csrf_token": token(browser)}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"
    thief = replay(app, copied)
    r = thief.get("/notifications", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    page = thief.get(r.headers["location"]).text
    assert "Phiên đăng nhập này đã kết thúc" in page  # said once, on the sign-in page
    assert "Phiên đăng nhập này đã kết thúc" not in thief.get("/login").text
    [row] = rows_of(session, receiver)
    assert row.ended_at is not None and row.end_reason == "signed_out"


def test_the_cookie_holds_a_random_token_not_the_user(app, session, world, login):
    browser = login(world["hni.receiver"])
    payload = browser.cookies[COOKIE].split(".")[0]
    data = json.loads(base64.b64decode(payload + "=" * (-len(payload) % 4)))
    assert set(data) == {"sid", "csrf"}
    [row] = rows_of(session, world["hni.receiver"])
    assert data["sid"] not in row.token_hash and len(row.token_hash) == 64  # only its SHA-256


def test_signing_in_again_in_the_same_browser_replaces_the_session(session, world, login):
    receiver = world["hni.receiver"]
    browser = login(receiver)
    old = browser.cookies[COOKIE]
    r = browser.post(
        "/login",
        data={
            "username": receiver.username,
            "password": TEST_PASSWORD,
            "csrf_token": token(browser),
        },
        follow_redirects=False,
    )
    assert r.status_code == 303 and browser.cookies[COOKIE] != old
    first, second = rows_of(session, receiver)
    assert first.end_reason == "replaced" and second.ended_at is None


# ---- the admin: reset and lock -----------------------------------------------------------------


def test_an_admins_password_reset_ends_every_session(app, session, world, admin, login):
    receiver = world["hni.receiver"]
    phone, desk = login(receiver), login(receiver)
    boss = login(admin)
    r = boss.post(
        f"/admin/users/{receiver.id}/password",
        data={"password": NEW_PASSWORD, "password_again": NEW_PASSWORD, "csrf_token": token(boss)},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    assert not signed_in(phone, receiver) and not signed_in(desk, receiver)
    assert {row.end_reason for row in rows_of(session, receiver)} == {"password_reset"}
    assert signed_in(boss, admin)  # the admin's own session is not touched


def test_locking_ends_every_session_and_unlocking_does_not_revive_them(
    app, session, world, admin, login
):
    receiver = world["hni.receiver"]
    browser = login(receiver)
    copied = browser.cookies[COOKIE]
    boss = login(admin)
    for active in ("0", "1"):
        r = boss.post(
            f"/admin/users/{receiver.id}/active",
            data={"active": active, "csrf_token": token(boss)},
            follow_redirects=False,
        )
        assert r.status_code == 303
    assert not signed_in(browser, receiver)
    assert not signed_in(replay(app, copied), receiver)
    assert [row.end_reason for row in rows_of(session, receiver)] == ["locked"]
    assert signed_in(login(receiver), receiver)  # a new sign-in works once unlocked


def test_the_command_line_lock_ends_sessions_too(session, world, login):
    receiver = world["hni.receiver"]
    browser = login(receiver)
    accounts.set_active(session, user=receiver, active=False)  # what `casework users lock` calls
    assert not signed_in(browser, receiver)


# ---- the user's own password change ------------------------------------------------------------


def change(browser: TestClient, current: str, new: str, again: str | None = None) -> Any:
    return browser.post(
        "/account/password",
        data={
            "current_password": current,
            "password": new,
            "password_again": new if again is None else again,
            "csrf_token": csrf_of(browser.get("/account/password").text),
        },
        follow_redirects=False,
    )


def test_own_password_change_keeps_this_session_and_ends_the_others(session, world, login):
    receiver = world["hni.receiver"]
    here, there, third = login(receiver), login(receiver), login(receiver)
    r = change(here, TEST_PASSWORD, NEW_PASSWORD)
    assert r.status_code == 303 and r.headers["location"] == "/account/sessions?done=password&n=2"
    page = here.get(r.headers["location"]).text
    assert "Đã đổi mật khẩu. 2 phiên khác đã được kết thúc; phiên này vẫn giữ." in page
    assert signed_in(here, receiver)
    assert not signed_in(there, receiver) and not signed_in(third, receiver)
    session.refresh(receiver)
    assert verify_password(NEW_PASSWORD, receiver.password_hash or "")
    reasons = [row.end_reason for row in rows_of(session, receiver)]
    assert reasons == [None, "password_changed", "password_changed"]


@pytest.mark.parametrize(
    ("current", "new", "again", "field", "message"),
    [
        ("sai-mat-khau", NEW_PASSWORD, None, "current_password", "Mật khẩu hiện tại không đúng."),
        (TEST_PASSWORD, "ngan", None, "password", "Mật khẩu cần ít nhất 8 ký tự."),
        (TEST_PASSWORD, NEW_PASSWORD, "Khac-han-2031!", "password_again", "chưa giống nhau"),
    ],
)
def test_a_refused_password_change_says_why_and_changes_nothing(
    session, world, login, current, new, again, field, message
):
    receiver = world["hni.receiver"]
    here, there = login(receiver), login(receiver)
    r = change(here, current, new, again)
    assert r.status_code == 422
    assert message in r.text
    assert f'id="err-{field}"' in r.text and 'aria-invalid="true"' in r.text
    assert NEW_PASSWORD not in r.text  # never echoed
    session.refresh(receiver)
    assert verify_password(TEST_PASSWORD, receiver.password_hash or "")
    assert signed_in(here, receiver) and signed_in(there, receiver)


def test_the_new_password_must_differ_from_the_current_one(session, world):
    receiver = world["hni.receiver"]
    accounts.set_password(session, user=receiver, password=NEW_PASSWORD)
    with pytest.raises(accounts.ValidationFailed) as caught:
        accounts.change_own_password(
            session, user=receiver, current=NEW_PASSWORD, password=NEW_PASSWORD,
            again=NEW_PASSWORD, keep_session=1,
        )  # fmt: skip
    assert caught.value.fields == {"password": "Mật khẩu mới cần khác mật khẩu hiện tại."}


def test_guessing_the_current_password_is_throttled(session, world, login):
    receiver = world["hni.receiver"]
    here = login(receiver)
    for _ in range(5):
        assert change(here, "doan-mo-1234", NEW_PASSWORD).status_code == 422
    r = change(here, TEST_PASSWORD, NEW_PASSWORD)
    assert r.status_code == 429
    assert "Đăng nhập sai quá nhiều lần" in r.text
    session.refresh(receiver)
    assert verify_password(TEST_PASSWORD, receiver.password_hash or "")


# ---- the sessions page -------------------------------------------------------------------------


def test_the_sessions_page_lists_and_ends_the_others(session, world, login):
    receiver = world["hni.receiver"]
    here = login(receiver)
    phone = login(receiver, agent="Mozilla/5.0 (Linux; Android 14) Chrome/131.0 Mobile Safari/537")
    other = login(receiver, agent="Mozilla/5.0 (Macintosh; Mac OS X 14) Firefox/133.0")
    page = here.get("/account/sessions").text
    assert page.count('data-testid="session"') == 3
    assert page.count("Phiên này") == 1
    assert "Phiên này" in page.split('data-testid="session"')[1].split("</li>")[0]  # listed first
    assert "Chrome · Windows" in page and "Chrome · Android" in page and "Firefox · macOS" in page
    assert "Địa chỉ IP testclient" in page
    assert 'action="/account/sessions/end-others"' in page
    phone_row = rows_of(session, receiver)[1]
    r = here.post(
        f"/account/sessions/{phone_row.id}/end",
        data={"csrf_token": token(here)},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/account/sessions?done=ended"
    assert not signed_in(phone, receiver)
    assert signed_in(here, receiver) and signed_in(other, receiver)
    r = here.post(
        "/account/sessions/end-others", data={"csrf_token": token(here)}, follow_redirects=False
    )
    assert r.headers["location"] == "/account/sessions?done=others&n=1"
    assert not signed_in(other, receiver) and signed_in(here, receiver)
    page = here.get(r.headers["location"]).text
    assert "Đã kết thúc 1 phiên khác" in page and "Không có phiên nào khác." in page
    assert page.count('data-testid="session"') == 1
    reasons = [row.end_reason for row in rows_of(session, receiver)]
    assert reasons == [None, "ended", "others_ended"]


def test_ending_this_very_session_from_the_page_signs_out(session, world, login):
    receiver = world["hni.receiver"]
    here = login(receiver)
    [row] = rows_of(session, receiver)
    r = here.post(
        f"/account/sessions/{row.id}/end", data={"csrf_token": token(here)}, follow_redirects=False
    )
    assert r.headers["location"] == "/login"
    assert not signed_in(here, receiver)


def test_nobody_ends_another_users_session(session, world, login):
    receiver, other = world["hni.receiver"], world["hni.receiver2"]
    victim = login(receiver)
    attacker = login(other)
    [row] = rows_of(session, receiver)
    for target in (row.id, 999_999):
        r = attacker.post(
            f"/account/sessions/{target}/end",
            data={"csrf_token": token(attacker)},
            follow_redirects=False,
        )
        assert r.status_code == 404
    assert signed_in(victim, receiver)
    assert attacker.get("/account/sessions").text.count('data-testid="session"') == 1
    # and an ended session is a 404 too, not a second "ended"
    victim.post("/logout", data={"csrf_token": token(victim)})
    again = login(receiver)
    r = again.post(
        f"/account/sessions/{row.id}/end", data={"csrf_token": token(again)}, follow_redirects=False
    )
    assert r.status_code == 404


def test_the_session_posts_need_the_csrf_token(session, world, login):
    receiver = world["hni.receiver"]
    here, there = login(receiver), login(receiver)
    [_, row] = rows_of(session, receiver)
    for url in (f"/account/sessions/{row.id}/end", "/account/sessions/end-others"):
        assert here.post(url, data={}, follow_redirects=False).status_code == 403
    r = here.post(
        "/account/password",
        data={"current_password": TEST_PASSWORD, "password": NEW_PASSWORD,
              "password_again": NEW_PASSWORD},
        follow_redirects=False,
    )  # fmt: skip
    assert r.status_code == 403
    assert signed_in(there, receiver)


def test_signed_out_the_account_pages_ask_to_sign_in(client):
    for url in ("/account/sessions", "/account/password"):
        r = client.get(url, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login?next=")


# ---- timeouts ----------------------------------------------------------------------------------


def test_the_idle_timeout_ends_the_session_in_the_table(session, world, login, monkeypatch):
    receiver = world["hni.receiver"]
    browser = login(receiver)
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 31 * 60)
    r = browser.get("/notifications", follow_redirects=False)
    assert r.status_code == 303
    assert "hết hạn do lâu không thao tác" in browser.get(r.headers["location"]).text
    [row] = rows_of(session, receiver)
    assert row.end_reason == "idle"


def test_activity_keeps_a_session_alive_until_the_absolute_timeout(
    session, world, login, monkeypatch
):
    receiver = world["hni.receiver"]
    browser = login(receiver)
    real = time.time
    for minutes in range(20, 12 * 60, 20):  # a request every 20 minutes for 12 hours
        monkeypatch.setattr(time, "time", lambda m=minutes: real() + m * 60)
        assert signed_in(browser, receiver), minutes
    monkeypatch.setattr(time, "time", lambda: real() + 12 * 3600 + 60)
    assert not signed_in(browser, receiver)  # the signed cookie itself is 12 hours old too


def test_a_session_past_the_absolute_timeout_is_ended_in_the_table(session, world, login):
    receiver = world["hni.receiver"]
    browser = login(receiver)
    [row] = rows_of(session, receiver)
    row.created_at = utcnow() - timedelta(hours=12, minutes=1)  # the cookie is fresh
    session.add(row)
    session.commit()
    assert not signed_in(browser, receiver)
    [row] = rows_of(session, receiver)
    assert row.end_reason == "expired"


def test_a_timed_out_session_is_not_listed(session, world, login):
    receiver = world["hni.receiver"]
    here, stale = login(receiver), login(receiver)
    row = rows_of(session, receiver)[1]
    row.last_seen_at = utcnow() - timedelta(minutes=45)
    session.add(row)
    session.commit()
    assert here.get("/account/sessions").text.count('data-testid="session"') == 1
    assert not signed_in(stale, receiver)


# ---- cost: one lookup, a write at most once a minute; purge ---------------------------------


def test_one_indexed_lookup_per_request_and_a_write_at_most_once_a_minute(
    app, engine, session, world, login, monkeypatch
):
    receiver = world["hni.receiver"]
    browser = login(receiver)
    statements: list[str] = []

    def note(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        if "user_session" in statement:
            statements.append(statement.split()[0].upper())

    event.listen(engine, "before_cursor_execute", note)
    try:
        for _ in range(3):
            assert browser.get("/dossiers").status_code == 200
        assert statements == ["SELECT"] * 3  # one each, no write within the minute
        statements.clear()
        real = time.time
        monkeypatch.setattr(time, "time", lambda: real() + 90)
        browser.get("/dossiers")
        browser.get("/dossiers")
        assert statements == ["SELECT", "UPDATE", "SELECT"]
    finally:
        event.remove(engine, "before_cursor_execute", note)
    [row] = rows_of(session, receiver)
    assert row.last_seen_at - row.created_at >= timedelta(seconds=89)
    with engine.connect() as conn:  # the lookup is on the token's unique index
        if engine.dialect.name == "sqlite":
            plan = conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN SELECT id FROM user_session WHERE token_hash = 'x'"
            ).all()
            assert "USING INDEX" in str(plan) or "USING COVERING INDEX" in str(plan), plan
        else:
            names = conn.exec_driver_sql(
                "SELECT indexname FROM pg_indexes WHERE tablename = 'user_session'"
            ).scalars()
            assert "uq_user_session_token_hash" in set(names)


def test_old_sessions_are_purged_at_sign_in(session, world, login):
    receiver = world["hni.receiver"]
    login(receiver)
    [row] = rows_of(session, receiver)
    row.last_seen_at = row.created_at = utcnow() - timedelta(days=31)
    row.ended_at, row.end_reason = utcnow() - timedelta(days=31), "signed_out"
    recent = UserSession(
        token_hash="b" * 64, user_id=receiver.id, created_at=utcnow() - timedelta(days=2),
        last_seen_at=utcnow() - timedelta(days=2), ended_at=utcnow(), end_reason="idle",
    )  # fmt: skip
    session.add_all([row, recent])
    session.commit()
    old_id = row.id
    login(world["hni.handler"])  # anyone's sign-in purges
    ids = {r.id for r in rows_of(session, receiver)}
    assert old_id not in ids and recent.id in ids


def test_device_names():
    assert sessions.device("Mozilla/5.0 (Windows NT 10.0; Win64) Chrome/131.0 Safari/537.36") == (
        "Chrome · Windows"
    )
    coccoc = "Mozilla/5.0 (Windows NT 10.0) coc_coc_browser/137.0 Chrome/131.0 Safari/537.36"
    assert sessions.device(coccoc) == "Cốc Cốc · Windows"
    iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Version/17.0 Safari/604.1"
    assert sessions.device(iphone) == "Safari · iPhone"
    assert sessions.device("Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/131.0") == (
        "Chrome · Linux"
    )
    assert sessions.device("testclient") == ""
