"""A PostgreSQL transaction that only read ends with COMMIT, so psycopg keeps its prepared
statements (casework.db._end_reads_with_commit, issue 19); anything else is rolled back as before.

psycopg forgets a connection's prepared statements on every ROLLBACK; every page ended its read
with one, so no page's statement was ever prepared and PostgreSQL parsed and planned them at
every view.
"""

from __future__ import annotations

import pytest
from psycopg import _preparing
from sqlalchemy import text
from sqlalchemy.exc import ProgrammingError
from sqlmodel import Session, select

from casework.accounts.models import Unit
from casework.db import CUSTOM_PLAN, make_engine
from tests.factories import open_xray

pytestmark = pytest.mark.parametrize("engine", ["postgresql"], indirect=True)


@pytest.fixture
def one_connection(engine):  # type: ignore[no-untyped-def]
    """The app's engine settings with a pool of one: every session uses the same connection."""
    eng = make_engine(str(engine.url.render_as_string(hide_password=False)), pool_size=1,
                      max_overflow=0)  # fmt: skip
    yield eng
    eng.dispose()


def prepared(session: Session) -> list[str]:
    return list(session.execute(text("SELECT statement FROM pg_prepared_statements")).scalars())


def test_sessions_that_only_read_keep_the_prepared_statements(one_connection):
    for n in range(7):  # psycopg prepares a statement at its 5th execution on a connection
        with Session(one_connection) as s:
            assert s.execute(text("SELECT 40 + :n"), {"n": n}).scalar() == 40 + n
    with Session(one_connection) as s:
        assert "SELECT 40 + $1" in prepared(s)


def test_a_session_that_wrote_without_committing_is_rolled_back(one_connection):
    with Session(one_connection) as s:
        s.add(Unit(code="RC.ORM", name="Đơn vị ORM", kind="commune", path="/"))
        s.flush()  # the INSERT ran: a write
    with Session(one_connection) as s:
        s.execute(text("INSERT INTO cache_generation (id, token) VALUES (99, 'x')"))
    with Session(one_connection) as s:
        assert s.exec(select(Unit).where(Unit.code == "RC.ORM")).first() is None
        assert s.execute(text("SELECT count(*) FROM cache_generation WHERE id = 99")).scalar() == 0


def test_a_failed_read_is_rolled_back_and_the_connection_still_works(one_connection):
    with Session(one_connection) as s, pytest.raises(ProgrammingError):
        s.execute(text("SELECT no_such_column FROM unit"))
    with Session(one_connection) as s:
        assert s.execute(text("SELECT 1")).scalar() == 1


def test_a_read_under_lock_releases_the_lock(one_connection, engine, session, world, xray):
    dossier = open_xray(session, xray, world["hni.receiver"])
    session.commit()
    lock = text("SELECT id FROM dossier WHERE code = :c FOR UPDATE NOWAIT")
    with Session(one_connection) as s:
        assert s.execute(lock, {"c": dossier.code}).scalar() == dossier.id
    with Session(engine) as other:  # another connection: NOWAIT fails if the lock were held
        assert other.execute(lock, {"c": dossier.code}).scalar() == dossier.id


def test_viewing_pages_does_not_make_psycopg_forget(client, session, world, xray, sign_in,
                                                   monkeypatch):  # fmt: skip
    dossier = open_xray(session, xray, world["hni.receiver"])
    session.commit()
    sign_in(world["hni.receiver"])
    cleared: list[int] = []
    real = _preparing.PrepareManager.clear

    def spy(self):  # type: ignore[no-untyped-def]
        cleared.append(1)
        return real(self)

    monkeypatch.setattr(_preparing.PrepareManager, "clear", spy)
    for path in (f"/dossiers/{dossier.code}", "/dossiers?queue=unit", "/", "/procedures") * 3:
        assert client.get(path).status_code == 200, path
    assert cleared == [], f"psycopg forgot its prepared statements {len(cleared)} times"


def test_a_statement_asking_for_custom_plans_is_never_prepared(one_connection):
    """`db.CUSTOM_PLAN` (the work queue's counts and pages): planned for its values each time."""
    asked = text("SELECT 41 + :n").execution_options(**{CUSTOM_PLAN: True})
    for n in range(7):
        with Session(one_connection) as s:
            assert s.execute(asked, {"n": n}).scalar() == 41 + n
            assert s.execute(text("SELECT 42 + :n"), {"n": n}).scalar() == 42 + n
    with Session(one_connection) as s:
        kept = prepared(s)
    assert "SELECT 42 + $1" in kept and "SELECT 41 + $1" not in kept


def test_the_work_queue_asks_for_custom_plans(engine):  # noqa: ARG001 - the module's PostgreSQL
    from casework.dossiers import worklist

    roles = frozenset({"receiver"})
    for query in (
        worklist._counts_query(roles),
        worklist._plain_count_query(roles, "unit", False),
        worklist._plain_page_query(roles, "unit", False, True),
        worklist._plain_page_query(roles, "mine", False, False),
    ):
        assert query.get_execution_options().get(CUSTOM_PLAN) is True
