"""The pool checks a connection before use only when it waited long (casework.db, issue 19).

A connection that slept through a database restart (here: its backend terminated by the server)
is replaced at checkout, without the request noticing; one handed back moments ago is used as it
is, without the extra `SELECT 1` round trip that SQLAlchemy's `pool_pre_ping` spends on every
checkout.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from casework import db
from casework.db import make_engine


def _backend_pid(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _kill(admin: Engine, pid: int) -> None:
    with admin.connect() as conn:
        assert conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid}).scalar_one()


@pytest.fixture
def pooled(engine: Engine):  # type: ignore[no-untyped-def]
    """A second engine on the test database with a pool of one connection."""
    app_engine = make_engine(engine.url.render_as_string(hide_password=False), pool_size=1)
    yield app_engine
    app_engine.dispose()


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_a_connection_idle_for_long_is_checked_and_replaced(engine, pooled, monkeypatch):
    before = _backend_pid(pooled)
    _kill(engine, before)
    monkeypatch.setattr(db, "PING_AFTER_IDLE_S", 0.0)  # it has now waited "long"
    after = _backend_pid(pooled)  # no error: the dead one was found at checkout and replaced
    assert after != before


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_a_connection_just_handed_back_is_used_without_a_ping(engine, pooled, monkeypatch):
    pings: list[object] = []
    real = pooled.dialect.do_ping
    monkeypatch.setattr(pooled.dialect, "do_ping", lambda c: pings.append(c) or real(c))
    first = _backend_pid(pooled)
    assert _backend_pid(pooled) == first and pings == []  # reused, not pinged
    _kill(engine, first)
    # Not pinged, so the dead connection is found by the statement itself: the request fails
    # (the app answers 503) and the pool is refreshed, so the next one works.
    with pytest.raises(OperationalError):
        _backend_pid(pooled)
    assert _backend_pid(pooled) != first
