"""Shared fixtures: every database test runs on SQLite *and* on a real PostgreSQL server.

PostgreSQL comes from CASEWORK_TEST_POSTGRES_URL (default: the local server). A fresh database is
created for the session, migrated with Alembic, and dropped at the end. Without a server the
PostgreSQL half is skipped — except under CI=true, where it fails.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import hypothesis
import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, SQLModel

import casework.models  # noqa: F401
from casework.db import make_engine
from casework.migrations import upgrade
from casework.settings import PROJECT_ROOT

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
IN_CI = os.environ.get("CI", "").lower() == "true"

# Property tests (hypothesis, schemathesis): no per-example deadline anywhere (two shared cores,
# two databases); in CI the same examples every run, so a red CI is reproducible and a new find
# comes from a developer's run (random there). HYPOTHESIS_PROFILE picks one explicitly.
hypothesis.settings.register_profile("dev", deadline=None)
hypothesis.settings.register_profile("ci", deadline=None, derandomize=True, print_blob=True)
hypothesis.settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if IN_CI else "dev"))
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def _admin_connect(url: str):  # type: ignore[no-untyped-def]
    import psycopg

    u = make_url(url)
    return psycopg.connect(
        host=u.host, port=u.port or 5432, user=u.username, password=u.password,
        dbname=u.database or "postgres", autocommit=True, connect_timeout=3,
    )  # fmt: skip


@pytest.fixture(autouse=True, scope="session")
def _no_real_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """No test may touch the developer's var/casework.db: point the default URL elsewhere."""
    from casework.settings import get_settings

    path = tmp_path_factory.mktemp("default-db") / "casework.db"
    old = os.environ.get("CASEWORK_DATABASE_URL")
    os.environ["CASEWORK_DATABASE_URL"] = f"sqlite:///{path}"
    get_settings.cache_clear()
    yield
    if old is None:
        os.environ.pop("CASEWORK_DATABASE_URL", None)
    else:
        os.environ["CASEWORK_DATABASE_URL"] = old
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    base = os.environ.get("CASEWORK_TEST_POSTGRES_URL", PG_DEFAULT)
    try:
        admin = _admin_connect(base)
    except Exception as exc:  # noqa: BLE001
        if IN_CI:
            pytest.fail(f"PostgreSQL is mandatory under CI=true but unreachable at {base}: {exc}")
        pytest.skip(f"PostgreSQL not reachable at {base}: {exc}")
    name = f"casework_test_{uuid.uuid4().hex[:10]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(url)
        yield url
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty database on each backend; emptied again after the test."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        db = tmp_path / "casework.db"
        shutil.copy(template, db)
        eng = make_engine(f"sqlite:///{db}", sqlite_timeout=30)
        yield eng
        eng.dispose()
        return
    url: str = request.getfixturevalue("pg_url")
    eng = make_engine(url, pool_size=20, max_overflow=20)
    yield eng
    _empty_postgresql(eng)
    eng.dispose()


def _empty_postgresql(eng: Engine) -> None:
    """TRUNCATE every table. A connection a test left in an open transaction (a `Session` never
    closed) would make the TRUNCATE wait for ever and hang the run: after 60 s the test fails
    naming that connection's last statement, and the connection is ended."""
    tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    try:
        with eng.begin() as conn:
            conn.execute(text("SET LOCAL lock_timeout = '60s'"))
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    except OperationalError:
        with eng.begin() as conn:
            left = conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid), query FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                    "AND state LIKE 'idle in transaction%'"
                )
            ).all()
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        pytest.fail(
            "A connection was left in an open transaction (a Session never closed?): "
            + "; ".join(q for _, q in left)
        )


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as s:
        yield s


@pytest.fixture
def tz() -> ZoneInfo:
    return TZ


@pytest.fixture(scope="session")
def workflows_dir() -> Path:
    return PROJECT_ROOT / "workflows"


@pytest.fixture(scope="session")
def registry(workflows_dir: Path):  # type: ignore[no-untyped-def]
    from casework.procedures import ProcedureRegistry

    return ProcedureRegistry.from_directory(workflows_dir)


@pytest.fixture
def xray(registry):  # type: ignore[no-untyped-def]
    """The shipped procedure 2.002131 (medical X-ray declaration, 5 working days)."""
    return registry.get("2.002131")


@pytest.fixture
def world(session: Session):  # type: ignore[no-untyped-def]
    from tests.factories import build_world

    return build_world(session)


@pytest.fixture
def app(engine: Engine, tmp_path: Path):  # type: ignore[no-untyped-def]
    from casework.main import create_app
    from casework.settings import Settings

    settings = Settings(env="test", database_url="sqlite://", upload_dir=tmp_path / "uploads")
    return create_app(settings, engine=engine)


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    with TestClient(app) as c:
        yield c


@pytest.fixture
def token_for(session: Session):  # type: ignore[no-untyped-def]
    """token_for(user) -> headers with a fresh personal API token."""
    from casework.accounts.service import issue_token

    def make(user):  # type: ignore[no-untyped-def]
        return {"Authorization": f"Bearer {issue_token(session, user=user)}"}

    return make


TEST_PASSWORD = "mat-khau-123"


@pytest.fixture(scope="session")
def test_password_hash() -> str:
    """TEST_PASSWORD hashed once, with cheap argon2 parameters. Signing in still runs the app's
    real check (an argon2 hash carries its own parameters); it just does not spend a quarter of
    a second per sign-in, hundreds of times a run."""
    from pwdlib import PasswordHash
    from pwdlib.hashers.argon2 import Argon2Hasher

    cheap = Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1)
    return PasswordHash((cheap,)).hash(TEST_PASSWORD)


@pytest.fixture
def sign_in(session: Session, client, test_password_hash: str):  # type: ignore[no-untyped-def]
    """sign_in(user) -> the CSRF token of the signed-in session (the client keeps the cookie)."""
    import re

    def login(user):  # type: ignore[no-untyped-def]
        user.password_hash = test_password_hash
        session.add(user)
        session.commit()
        client.cookies.clear()
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
        r = client.post(
            "/login",
            data={"username": user.username, "password": TEST_PASSWORD, "csrf_token": token},
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text
        return re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").text).group(1)

    return login


#: Tests that take minutes each (the crawl of every page as every role, on each database).
SLOW = ("tests/web/test_every_page.py",)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Spread the slow tests evenly through the run, the first at the front: `--dist worksteal`
    gives each of the two workers one half of the list, so each starts with one crawl and the
    rest is shared out meanwhile (both crawls queued on one worker at the end left the other
    idle for twenty minutes)."""
    slow = [item for item in items if item.nodeid.startswith(SLOW)]
    if not slow or len(slow) == len(items):
        return
    rest = [item for item in items if not item.nodeid.startswith(SLOW)]
    step = len(items) // len(slow)
    for n, item in enumerate(slow):
        rest.insert(n * step, item)
    items[:] = rest
