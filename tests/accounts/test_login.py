"""Sign-in with sessions: passwords, CSRF, rotation, idle timeout, logout, safe redirects."""

from __future__ import annotations

import re
import time

import pytest

from casework.accounts import service as accounts


@pytest.fixture
def receiver(session, world):
    user = world["hni.receiver"]
    user.password_hash = __import__("casework.accounts.security", fromlist=["x"]).hash_password(
        "mat-khau-123"
    )
    session.add(user)
    session.commit()
    return user


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def login(client, username="hni.receiver", password="mat-khau-123", next_url="/"):
    token = csrf_of(client.get("/login").text)
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token, "next": next_url},
        follow_redirects=False,
    )


def test_sign_in_and_out(client, receiver):
    r = login(client, next_url="/procedures/2.002131")
    assert r.status_code == 303
    assert r.headers["location"] == "/procedures/2.002131"
    page = client.get("/procedures/2.002131").text
    assert "Cán bộ hni.receiver" in page
    assert "Làm thử một hồ sơ" in page  # a receiver of a Sở may open this procedure
    out = client.post("/logout", data={"csrf_token": csrf_of(page)}, follow_redirects=False)
    assert out.status_code == 303
    assert "Cán bộ hni.receiver" not in client.get("/").text


def test_wrong_password_keeps_the_username_and_says_why(client, receiver):
    r = login(client, password="sai-roi")
    assert r.status_code == 400
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in r.text
    assert 'value="hni.receiver"' in r.text
    assert 'aria-invalid="true"' in r.text


def test_post_without_csrf_token_is_refused(client, receiver):
    r = client.post("/login", data={"username": "hni.receiver", "password": "mat-khau-123"})
    assert r.status_code == 403
    assert "CSRF" in r.text


def test_csrf_header_works_for_htmx(client, receiver):
    login(client)
    token = csrf_of(client.get("/").text)
    r = client.post("/logout", headers={"X-CSRF-Token": token}, follow_redirects=False)
    assert r.status_code == 303


def test_session_is_rotated_at_sign_in(client, receiver):
    before = csrf_of(client.get("/login").text)
    login(client)
    after = csrf_of(client.get("/").text)
    assert before != after


def test_open_redirects_are_refused(client, receiver):
    assert login(client, next_url="https://evil.example/").headers["location"] == "/"
    client.cookies.clear()
    assert login(client, next_url="//evil.example/x").headers["location"] == "/"


def test_idle_timeout_ends_the_session(client, receiver, monkeypatch):
    login(client)
    assert "Cán bộ hni.receiver" in client.get("/").text
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 31 * 60)
    assert "Cán bộ hni.receiver" not in client.get("/").text


def test_deactivated_user_loses_the_session(client, session, receiver):
    login(client)
    accounts.set_active(session, user=receiver, active=False)
    assert "Cán bộ hni.receiver" not in client.get("/").text


def test_an_expired_session_keeps_its_csrf_token_so_the_sign_in_form_works(
    client, receiver, monkeypatch
):
    login(client)
    before = csrf_of(client.get("/procedures").text)
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 31 * 60)
    form = client.get("/login").text
    assert csrf_of(form) == before  # signed out, same token
    r = client.post(
        "/login",
        data={"username": "hni.receiver", "password": "mat-khau-123", "csrf_token": csrf_of(form)},
        follow_redirects=False,
    )
    assert r.status_code == 303


def test_an_htmx_fragment_never_mints_a_new_token(client):
    client.cookies.clear()
    r = client.get("/procedures", params={"q": "x"}, headers={"HX-Request": "true"})
    assert r.status_code == 200
    assert "set-cookie" not in r.headers  # a late fragment cannot overwrite a form's token
