"""Fixtures of the slip tests: the app with the slips router, signed-in clients, walked dossiers."""

from __future__ import annotations

import re

import pytest

from casework.dossiers import slip_views

PASSWORD = "mat-khau-123"


@pytest.fixture
def app(app):  # type: ignore[no-untyped-def]
    """The app of tests/conftest.py, with the slips router (until main.py includes it)."""
    paths = {getattr(r, "path", "") for r in app.router.routes}
    if "/dossiers/{code}/slips/{name}" not in paths:
        app.include_router(slip_views.router)
    return app


@pytest.fixture
def sign_in(client, session, world, test_password_hash):  # type: ignore[no-untyped-def]
    """sign_in("hni.receiver") signs the test client in as that user of the world."""
    hashed = test_password_hash

    def login(username: str):  # type: ignore[no-untyped-def]
        user = world[username]
        user.password_hash = hashed
        session.add(user)
        session.commit()
        client.cookies.clear()
        page = client.get("/login").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        r = client.post(
            "/login",
            data={"username": username, "password": PASSWORD, "csrf_token": token, "next": "/"},
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text
        return client

    return login
