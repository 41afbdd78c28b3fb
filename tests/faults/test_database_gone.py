"""Faults: the database goes away — mid-request, between requests, or is too busy to answer.

The user gets a clean 503 (an error page in Vietnamese, or the API's JSON error) that says nothing
was half-written, the database holds exactly what it held before (no dossier, event, counter,
attachment row or file of the failed request), the hash chains verify, and the app carries on by
itself once the database is back (issue G, DESIGN §7).

The faults are real: a PostgreSQL backend terminated by the server (`pg_terminate_backend`, what
a crash or restart does to a connection) while the request waits inside its transaction; a TCP
relay between the app and PostgreSQL that is cut (a network cut or a stopped server); a SQLite
file held by another writer past the busy timeout.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from casework.db import make_engine
from casework.dossiers import audit
from casework.main import create_app
from casework.settings import Settings
from tests.factories import open_xray
from tests.faults.harness import TcpProxy

MESSAGE = "Tạm thời không làm việc được với cơ sở dữ liệu"
PDF = b"%PDF-1.4\n% gone\n"
#: Written by requests that do not fail with the database (sign-in, a token's or a session's
#: last use).
NOT_COMPARED = {"login_attempt", "api_token", "user_session"}


def snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (but the bookkeeping above), to compare before and after."""
    out = {}
    with engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            if table.name not in NOT_COMPARED:
                rows = conn.execute(table.select()).all()
                out[table.name] = sorted((tuple(map(repr, r)) for r in rows), key=repr)
    return out


def files(upload_dir: Path) -> list[Path]:
    return sorted(p for p in upload_dir.rglob("*") if p.is_file()) if upload_dir.exists() else []


def assert_clean_503(r: Any, *, api: bool) -> None:
    assert r.status_code == 503, r.text
    assert r.headers["retry-after"] == "30"
    if api:
        assert r.json()["error"]["code"] == "database_unavailable"
        assert MESSAGE in r.json()["error"]["message"]
    else:
        assert r.headers["content-type"].startswith("text/html")
        assert "role=alert" in r.text
        assert MESSAGE in r.text
        assert "Traceback" not in r.text


def pg_dsn(engine: Engine) -> str:
    u = engine.url
    return f"host={u.host} port={u.port or 5432} user={u.username} dbname={u.database}"


class LockedTable:
    """Holds `LOCK TABLE … IN EXCLUSIVE MODE` (reads pass, writes wait) from another connection,
    so a request stops inside its transaction, after its first writes, at the insert into
    `table`; `kill_waiting()` then has the server terminate that request's backend."""

    def __init__(self, engine: Engine, table: str) -> None:
        self.conn = psycopg.connect(pg_dsn(engine))
        self.conn.execute(f'LOCK TABLE "{table}" IN EXCLUSIVE MODE')
        # pg_stat_activity is a snapshot per transaction: watch from outside the locking one
        self.watch = psycopg.connect(pg_dsn(engine), autocommit=True)
        self.table = table

    def kill_waiting(self, timeout: float = 20.0) -> int:
        query = (
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND query ILIKE %s"
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            # anywhere in the statement: an action's writes are one statement on PostgreSQL
            # (`WITH w0 AS (UPDATE dossier …), … (INSERT INTO event …) …`, dossiers.writes)
            row = self.watch.execute(query, (f"%INSERT INTO {self.table} %",)).fetchone()
            if row:
                self.watch.execute("SELECT pg_terminate_backend(%s)", (row[0],))
                return int(row[0])
            time.sleep(0.05)
        raise AssertionError(f"no request came to wait on the insert into {self.table}")

    def release(self) -> None:
        self.conn.rollback()
        self.conn.close()
        self.watch.close()


def in_thread(fn: Any) -> tuple[threading.Thread, dict[str, Any]]:
    out: dict[str, Any] = {}
    thread = threading.Thread(target=lambda: out.setdefault("r", fn()), daemon=True)
    thread.start()
    return thread, out


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
@pytest.mark.parametrize("via", ["page", "api"])
def test_connection_killed_in_the_middle_of_an_action(
    engine, session, client, world, xray, sign_in, token_for, via
):
    dossier = open_xray(session, xray, world["hni.receiver"])
    if via == "page":
        csrf = sign_in(world["hni.receiver"])

        def fire() -> Any:
            return client.post(
                f"/dossiers/{dossier.code}/actions/accept",
                data={"csrf_token": csrf, "expected_version": str(dossier.version)},
                follow_redirects=False,
            )
    else:
        headers = token_for(world["hni.receiver"])

        def fire() -> Any:
            return client.post(
                f"/api/v1/dossiers/{dossier.code}/actions/accept",
                json={"expected_version": dossier.version},
                headers=headers,
            )

    session.commit()
    before = snapshot(engine)
    lock = LockedTable(engine, "event")
    thread, out = in_thread(fire)
    try:
        lock.kill_waiting()  # the dossier row is already updated inside that transaction
    finally:
        lock.release()
    thread.join(timeout=30)
    assert not thread.is_alive(), "the request never came back"

    assert_clean_503(out["r"], api=via == "api")
    assert snapshot(engine) == before, "the failed action left something behind"
    assert audit.verify(session).ok

    again = fire()  # the database is back: the same action now goes through, once
    assert again.status_code in (200, 303), again.text
    with engine.connect() as conn:
        state, version = conn.execute(
            text("SELECT state, version FROM dossier WHERE code = :c"), {"c": dossier.code}
        ).one()
        events = conn.execute(
            text(
                "SELECT count(*) FROM event JOIN dossier ON dossier.id = event.dossier_id "
                "WHERE dossier.code = :c AND event.action = 'accept'"
            ),
            {"c": dossier.code},
        ).scalar_one()
    assert (state, version, events) == ("reviewing", dossier.version + 1, 1)


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_connection_killed_while_a_new_dossier_stores_its_files(
    engine, session, client, app, world, sign_in
):
    csrf = sign_in(world["hni.receiver"])
    upload_dir = app.state.settings.upload_dir
    form = {
        "csrf_token": csrf,
        "procedure": "2.002131",
        "mode": "real",
        "kind": "organisation",
        "applicant_name": "Bệnh viện Mất Kết Nối",
        "channel": "in_person",
    }
    upload = {"doc_phieu_khai_bao": ("phieu.pdf", PDF, "application/pdf")}
    before = snapshot(engine)
    lock = LockedTable(engine, "attachment")  # the file is on disk when its row waits here
    thread, out = in_thread(
        lambda: client.post("/dossiers", data=form, files=upload, follow_redirects=False)
    )
    try:
        lock.kill_waiting()
    finally:
        lock.release()
    thread.join(timeout=30)
    assert not thread.is_alive(), "the request never came back"

    r = out["r"]
    assert_clean_503(r, api=False)
    assert "Quay lại" in r.text  # a form post: the browser's Back button still holds the form
    assert snapshot(engine) == before
    assert files(upload_dir) == [], "the stored file of the failed dossier was left on disk"

    again = client.post("/dossiers", data=form, files=upload, follow_redirects=False)
    assert again.status_code == 303, again.text
    assert len(files(upload_dir)) == 1


@pytest.fixture
def proxied(engine: Engine, tmp_path: Path):  # type: ignore[no-untyped-def]
    """An app whose database connections go through a TCP relay the test can cut."""
    target = engine.url
    with TcpProxy(target.host or "127.0.0.1", target.port or 5432) as proxy:
        url = target.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        app_engine = make_engine(url, connect_args={"connect_timeout": 2})
        settings = Settings(env="test", database_url=url, upload_dir=tmp_path / "uploads")
        app = create_app(settings, engine=app_engine)
        with TestClient(app) as c:
            yield proxy, c, app
        app_engine.dispose()


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_database_unreachable_then_back(engine, session, world, xray, token_for, proxied):
    proxy, c, app = proxied
    dossier = open_xray(session, xray, world["hni.receiver"])
    headers = token_for(world["hni.receiver"])
    session.commit()
    from casework.accounts.security import hash_password

    world["hni.receiver"].password_hash = hash_password("mat-khau-123")
    session.add(world["hni.receiver"])
    session.commit()
    csrf = c.get("/login").text.split('name="csrf_token" value="')[1].split('"')[0]
    signed = c.post(
        "/login",
        data={"username": "hni.receiver", "password": "mat-khau-123", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert signed.status_code == 303
    csrf = c.get("/dossiers/new").text.split('name="csrf_token" value="')[1].split('"')[0]
    assert c.get("/readyz").json() == {"status": "ok", "database": "ok"}
    before = snapshot(engine)

    proxy.cut()
    assert c.get("/healthz").status_code == 200  # the process itself is alive
    ready = c.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["status"] == "unavailable"
    assert_clean_503(c.get("/dossiers"), api=False)
    assert_clean_503(c.get(f"/dossiers/{dossier.code}"), api=False)
    assert_clean_503(c.get(f"/api/v1/dossiers/{dossier.code}", headers=headers), api=True)
    r = c.post(
        f"/api/v1/dossiers/{dossier.code}/actions/accept",
        json={"expected_version": dossier.version},
        headers=headers,
    )
    assert_clean_503(r, api=True)
    r = c.post(
        "/dossiers",
        data={"csrf_token": csrf, "procedure": "2.002131", "applicant_name": "Trạm Y tế Cắt Mạng"},
        files={"doc_phieu_khai_bao": ("phieu.pdf", PDF, "application/pdf")},
        follow_redirects=False,
    )
    assert r.status_code == 503
    assert files(app.state.settings.upload_dir) == []

    proxy.resume()  # the database is back: the pool reconnects by itself, no restart
    assert c.get("/readyz").status_code == 200
    assert snapshot(engine) == before
    page = c.get(f"/dossiers/{dossier.code}")
    assert page.status_code == 200
    assert dossier.applicant_name in page.text
    r = c.post(
        f"/api/v1/dossiers/{dossier.code}/actions/accept",
        json={"expected_version": dossier.version},
        headers=headers,
    )
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "reviewing"


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_sqlite_held_by_another_writer(engine, session, world, xray, token_for, tmp_path):
    """The embedded database locked by another process past the busy timeout: a clean 503, the
    dossier untouched, pages still readable (WAL), and the action goes through afterwards."""
    dossier = open_xray(session, xray, world["hni.receiver"])
    headers = token_for(world["hni.receiver"])
    session.commit()
    settings = Settings(
        env="test", database_url="sqlite://", upload_dir=tmp_path / "up", sqlite_timeout=0.5
    )
    app_engine = make_engine(str(engine.url), sqlite_timeout=0.5)
    app = create_app(settings, engine=app_engine)
    url = f"/api/v1/dossiers/{dossier.code}/actions/accept"
    with TestClient(app) as c:
        before = snapshot(engine)
        other = sqlite3.connect(str(engine.url.database), isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # another writer holds the file
        try:
            r = c.post(url, json={"expected_version": dossier.version}, headers=headers)
            assert_clean_503(r, api=True)
            reading = c.get(f"/api/v1/dossiers/{dossier.code}", headers=headers)
            assert reading.status_code == 200
            assert reading.json()["state"] == "received"
        finally:
            other.rollback()
            other.close()
        assert snapshot(engine) == before
        r = c.post(url, json={"expected_version": dossier.version}, headers=headers)
        assert r.status_code == 200, r.text
    app_engine.dispose()


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_a_missing_table_is_a_bug_not_an_outage(engine, client, caplog):
    """Only the database's availability is a 503: a table a migration should have made is a 500
    with its traceback in the log. On SQLite that is an OperationalError too (on PostgreSQL a
    ProgrammingError, never mapped to 503)."""
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE question"))
    r = client.get("/questions")
    assert r.status_code == 500
    assert MESSAGE not in r.text
    assert "unhandled_error" in caplog.text
    assert "Traceback" in caplog.text


def test_what_counts_as_the_database_being_unavailable():
    import sqlite3 as sq

    from psycopg import errors as pg
    from sqlalchemy.exc import OperationalError, ProgrammingError
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    from casework.web.handlers import database_trouble

    def op(orig: BaseException) -> OperationalError:
        return OperationalError("SELECT 1", {}, orig)

    assert database_trouble(op(pg.AdminShutdown("terminating connection"))) == "unavailable"
    assert database_trouble(op(pg.ConnectionFailure("server closed"))) == "unavailable"
    assert database_trouble(op(pg.TooManyConnections("too many clients"))) == "unavailable"
    assert database_trouble(op(pg.OperationalError("connection refused"))) == "unavailable"
    assert database_trouble(op(sq.OperationalError("database is locked"))) == "unavailable"
    assert database_trouble(PoolTimeout("QueuePool limit reached")) == "unavailable"
    assert database_trouble(op(pg.DeadlockDetected("deadlock detected"))) == "conflict"
    assert database_trouble(op(pg.SerializationFailure("could not serialize"))) == "conflict"
    assert database_trouble(op(sq.OperationalError("no such table: question"))) is None
    assert database_trouble(op(sq.OperationalError("database or disk is full"))) is None
    assert database_trouble(op(pg.DiskFull("could not extend file"))) is None
    assert database_trouble(op(pg.ProgramLimitExceeded("index row too big"))) is None
    assert database_trouble(ProgrammingError("SELECT x", {}, Exception("no column"))) is None
