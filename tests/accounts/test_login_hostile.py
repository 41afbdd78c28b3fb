"""Issue 17, item 2: the sign-in form reads its fields through the input layer. A NUL, a vertical
tab, a bidi override or a million characters in the username, a NUL or 2,000 characters in the
password: a 422 naming the field in Vietnamese, the form kept (the name as typed, cut to its
limit), nothing stored in the throttle's table — never a 500 (a NUL was one on PostgreSQL).
Both databases."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func
from sqlmodel import select

from casework.accounts.models import LoginAttempt


def _csrf(client) -> str:  # type: ignore[no-untyped-def]
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)


@pytest.mark.parametrize(
    ("username", "password", "named"),
    [
        ("hni\x00receiver", "x", "Tên đăng nhập"),
        ("hni\x0breceiver", "x", "Tên đăng nhập"),
        ("hni\u202ereceiver", "x", "Tên đăng nhập"),
        ("a" * 1_000_000, "x", "Tên đăng nhập"),
        ("hni.receiver", "mat\x00khau", "Mật khẩu"),
        ("hni.receiver", "m" * 2000, "Mật khẩu"),
    ],
    ids=["nul", "vt", "override", "million", "password-nul", "password-long"],
)
def test_hostile_sign_in(client, session, world, username, password, named):
    r = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": _csrf(client)},
        follow_redirects=False,
    )
    assert r.status_code == 422, r.status_code
    assert named in r.text
    assert 'name="username"' in r.text  # the form is shown again
    assert session.exec(select(func.count()).select_from(LoginAttempt)).one() == 0
