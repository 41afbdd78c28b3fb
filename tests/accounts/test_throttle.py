"""Sign-in throttling on both databases: per account (known or not), per address, cool-down,
clearing on success, pruning, logging."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import pytest
from sqlmodel import select

from casework.accounts import throttle
from casework.accounts.models import LoginAttempt
from casework.accounts.security import hash_password
from casework.db import utcnow

PASSWORD = "dung-mat-khau-9"
REFUSED = "Đăng nhập sai quá nhiều lần; thử lại sau 15 phút."


@pytest.fixture
def receiver(session, world):
    user = world["hni.receiver"]
    user.password_hash = hash_password(PASSWORD)
    session.add(user)
    session.commit()
    return user


def attempt(client, username, password):
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token},
        follow_redirects=False,
    )


def fail(session, n, *, username="x", address="testclient", at=None):
    for _ in range(n):
        throttle.record(session, username=username, address=address, success=False, now=at)


def test_five_failures_lock_the_account_even_with_the_right_password(client, receiver, caplog):
    for _ in range(throttle.DEFAULT.account):
        assert attempt(client, "hni.receiver", "sai-mat-khau").status_code == 400
    with caplog.at_level(logging.WARNING, logger="casework.auth"):
        r = attempt(client, "hni.receiver", PASSWORD)
    assert r.status_code == 429
    assert REFUSED in r.text
    assert 'value="hni.receiver"' in r.text
    assert "Cán bộ hni.receiver" not in client.get("/").text  # not signed in
    assert "login_refused reason=account username=hni.receiver" in caplog.text
    # another account from the same address is not affected
    assert attempt(client, "hni.handler", "sai").status_code == 400


def test_unknown_user_names_are_throttled_the_same_way(client, receiver):
    for _ in range(throttle.DEFAULT.account):
        assert attempt(client, "khong.ton.tai", "sai-mat-khau").status_code == 400
    r = attempt(client, "khong.ton.tai", "sai-mat-khau")
    assert r.status_code == 429
    assert REFUSED in r.text


def test_user_names_are_counted_ignoring_case_and_spaces(session, receiver):
    fail(session, throttle.DEFAULT.account, username=" HNI.Receiver ")
    refused = throttle.refusal(session, username="hni.receiver", address="10.0.0.9")
    assert refused is not None and refused.reason == "account"


def test_a_success_clears_the_account_failures(client, session, receiver):
    for _ in range(throttle.DEFAULT.account - 1):
        attempt(client, "hni.receiver", "sai-mat-khau")
    assert attempt(client, "hni.receiver", PASSWORD).status_code == 303
    client.cookies.clear()
    for _ in range(throttle.DEFAULT.account - 1):
        assert attempt(client, "hni.receiver", "sai-mat-khau").status_code == 400
    assert attempt(client, "hni.receiver", PASSWORD).status_code == 303
    rows = session.exec(select(LoginAttempt).where(LoginAttempt.username == "hni.receiver")).all()
    assert [r.success for r in rows] == [True, True]


def test_too_many_failures_from_one_address_refuse_every_name(client, session, receiver, caplog):
    for i in range(throttle.DEFAULT.address):
        fail(session, 1, username=f"doan.{i}", address="testclient")
    with caplog.at_level(logging.WARNING, logger="casework.auth"):
        r = attempt(client, "hni.receiver", PASSWORD)
    assert r.status_code == 429
    assert REFUSED in r.text
    assert "login_refused reason=address" in caplog.text
    # another address may still sign in
    assert throttle.refusal(session, username="hni.receiver", address="10.0.0.2") is None


def test_the_cool_down_ends_when_the_failures_leave_the_window(session):
    start = utcnow() - timedelta(minutes=20)
    for minute in range(throttle.DEFAULT.account):
        fail(session, 1, username="an", address="10.0.0.1", at=start + timedelta(minutes=minute))
    at = start + timedelta(minutes=5)
    refused = throttle.refusal(session, username="an", address="10.0.0.1", now=at)
    assert refused is not None
    assert refused.until == start + throttle.DEFAULT.window  # the oldest failure leaves the window
    assert refused.minutes(at) == 10
    assert refused.message(at) == "Đăng nhập sai quá nhiều lần; thử lại sau 10 phút."
    later = start + throttle.DEFAULT.window + timedelta(seconds=1)
    assert throttle.refusal(session, username="an", address="10.0.0.1", now=later) is None
    # now (20 minutes after the first failure) only four failures are in the window
    assert throttle.refusal(session, username="an", address="10.0.0.1") is None


def test_old_rows_are_pruned(session):
    fail(session, 3, username="cu", at=utcnow() - throttle.KEEP - timedelta(minutes=1))
    fail(session, 1, username="moi")
    names = session.exec(select(LoginAttempt.username)).all()
    assert names == ["moi"]


def test_the_limits_are_settings(engine, session, receiver, tmp_path):
    """An office whose officers share one address: the admin raises the address limit, and a
    stricter account limit holds with a shorter cool-down."""
    from fastapi.testclient import TestClient

    from casework.main import create_app
    from casework.settings import Settings

    settings = Settings(
        env="test",
        database_url="sqlite://",
        upload_dir=tmp_path / "up",
        login_max_failures_per_account=2,
        login_max_failures_per_address=50,
        login_window_minutes=5,
    )
    with TestClient(create_app(settings, engine=engine)) as c:
        for i in range(30):  # 30 officers mistype once each from the office's one address
            assert attempt(c, f"can.bo.{i}", "sai").status_code == 400
        assert attempt(c, "hni.receiver", "sai").status_code == 400
        assert attempt(c, "hni.receiver", "sai").status_code == 400
        r = attempt(c, "hni.receiver", PASSWORD)
        assert r.status_code == 429
        assert "thử lại sau 5 phút" in r.text
