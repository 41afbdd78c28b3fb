"""Engine and session set-up, the same models on SQLite and PostgreSQL.

SQLite (the embedded default) gets WAL, foreign keys and `BEGIN IMMEDIATE`, so two writers queue
instead of failing; PostgreSQL gets row locks from the services (`SELECT … FOR UPDATE`).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from time import monotonic
from typing import TYPE_CHECKING, Any, TypeVar, cast

import psycopg
from sqlalchemy import JSON, DateTime, MetaData, TypeDecorator, bindparam, event, inspect
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import SessionTransaction
from sqlmodel import Session, SQLModel, create_engine

if TYPE_CHECKING:
    from casework.settings import Settings

T = TypeVar("T")

# Stable constraint names, so Alembic migrations are the same on both databases.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata: MetaData = SQLModel.metadata

#: JSON everywhere, JSONB on PostgreSQL.
JSONType = JSON().with_variant(JSONB(), "postgresql")


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware instant stored as UTC. SQLite hands back naive values; we re-attach UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def make_engine(url: str, *, sqlite_timeout: float = 30.0, **kwargs: Any) -> Engine:
    """Create an engine with the per-dialect settings this app relies on."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"timeout": sqlite_timeout, "check_same_thread": False},
            **kwargs,
        )
        _configure_sqlite(engine)
        return engine
    # A server that does not answer (host down, network cut) fails a request in seconds, not
    # minutes, for a new connection (connect_timeout) and a pooled one (keepalives, unacknowledged
    # data): the error page says so (web.handlers) and the worker is free again.
    kwargs["connect_args"] = {**PG_CONNECT_ARGS, **kwargs.get("connect_args", {})}
    engine = create_engine(url, **kwargs)
    _ping_idle_connections(engine)
    _cache_long_statements()
    _end_reads_with_commit(engine)
    _custom_plans_where_asked(engine)
    return engine


def _cache_long_statements() -> None:
    """Let psycopg keep the converted form of long statements with many parameters too.

    psycopg turns a statement's `%(name)s` placeholders into `$n` on every execution, and keeps
    the result only for statements under 4,096 bytes with at most 50 parameters
    (`psycopg._queries`, an `lru_cache` of 128). An action's writes are one statement of CTEs
    (`casework.dossiers.writes`) of ~7,000 bytes and ~120 parameters: it was parsed anew on
    every action (py-spy under bench/actions.py: ~6% of a worker's Python). The statements of a
    shape are few and built once, so raising the limits keeps the cache small. The limits are
    psycopg's module constants, not a documented setting: tests/perf/test_psycopg_cache.py
    fails if a psycopg upgrade renames them."""
    from psycopg import _queries

    _queries.MAX_CACHED_STATEMENT_LENGTH = max(_queries.MAX_CACHED_STATEMENT_LENGTH, 65_536)
    _queries.MAX_CACHED_STATEMENT_PARAMS = max(_queries.MAX_CACHED_STATEMENT_PARAMS, 1_000)


#: Execution option of a statement whose best plan depends on its parameters' values (see
#: `_custom_plans_where_asked`).
CUSTOM_PLAN = "casework_custom_plan"


def _custom_plans_where_asked(engine: Engine) -> None:
    """A statement with the `CUSTOM_PLAN` execution option is never prepared by psycopg, so
    PostgreSQL plans it for its parameters' values at every execution.

    Prepared (psycopg does it at a statement's 5th execution on a connection), a statement is
    soon run on PostgreSQL's generic plan, made without the values; for the work queue's counts
    and pages (ranges of due instants around now, index ranges per roles value) that plan was
    slower: bench/pages.py's queue p95 went 30-32 -> 41-45 ms when page statements began to be
    prepared (`_end_reads_with_commit`). tests/perf/test_read_commit.py."""
    plain_execute = engine.dialect.do_execute

    def do_execute(cursor: Any, statement: str, parameters: Any, context: Any = None) -> None:
        if context is not None and context.execution_options.get(CUSTOM_PLAN):
            cursor.execute(statement, parameters, prepare=False)
            return
        plain_execute(cursor, statement, parameters, context)

    engine.dialect.do_execute = do_execute  # type: ignore[method-assign]


def _end_reads_with_commit(engine: Engine) -> None:
    """A transaction that only ran SELECTs ends with COMMIT instead of ROLLBACK (PostgreSQL).

    psycopg forgets every prepared statement of a connection on ROLLBACK
    (`Connection._rollback_gen`: `_prepared.clear()`), and a page's session ends with one (it
    read; nothing to commit): a statement then never reached psycopg's threshold of 5
    executions, and PostgreSQL parsed and planned each page's statements at every view (its log
    with `log_parser_stats`/`log_planner_stats`; issue 19). For a transaction that wrote nothing
    COMMIT and ROLLBACK are the same (its locks go either way), so SQLAlchemy's rollback sends
    COMMIT when no statement but a SELECT ran since BEGIN and the transaction is not in error.
    Anything else — a write, a `text()` statement not starting with "SELECT", a failed statement
    — is rolled back as before. tests/perf/test_read_commit.py."""
    plain_rollback = engine.dialect.do_rollback

    @event.listens_for(engine, "begin")
    def _reads_only(conn: Any) -> None:
        conn.info[_WROTE] = False

    @event.listens_for(engine, "before_cursor_execute")
    def _note_write(conn: Any, _cur: Any, statement: str, *_args: Any) -> None:
        if not statement.startswith("SELECT"):
            conn.info[_WROTE] = True

    def do_rollback(dbapi_connection: Any) -> None:
        raw = getattr(dbapi_connection, "driver_connection", None)
        if (
            isinstance(raw, psycopg.Connection)
            and raw.info.transaction_status == _INTRANS
            and _read_only(dbapi_connection)
        ):
            raw.commit()
            return
        plain_rollback(dbapi_connection)

    engine.dialect.do_rollback = do_rollback  # type: ignore[method-assign]


def _read_only(dbapi_connection: Any) -> bool:
    try:
        return dbapi_connection.info.get(_WROTE, True) is False
    except NotImplementedError:  # the dialect's first connection: an ad-hoc proxy, no info
        return False


_WROTE = "casework_wrote"
_INTRANS = psycopg.pq.TransactionStatus.INTRANS


#: A pooled connection that waited longer than this (seconds) is checked before it is used.
PING_AFTER_IDLE_S = 10.0


def _ping_idle_connections(engine: Engine) -> None:
    """SQLAlchemy's `pool_pre_ping`, only for connections idle more than `PING_AFTER_IDLE_S`.

    The pre-ping is a round trip (`SELECT 1`) on every checkout: under load one more statement
    per request (issue 19). A connection handed back moments ago is as alive as the one that
    just used it; one that slept through a database restart is the case the ping is for. If a
    busy connection does meet a restarted server, its request fails cleanly (503) and SQLAlchemy
    invalidates every pooled connection older than the failure, so the next request connects
    anew (tests/faults/test_database_gone.py). Raising `DisconnectionError` at checkout makes the
    pool drop the connection and take or open another (SQLAlchemy's "custom pessimistic ping").
    """

    @event.listens_for(engine, "checkin")
    def _idle_from(_dbapi_conn: Any, record: Any) -> None:
        record.info[_IDLE_SINCE] = monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get(_IDLE_SINCE)
        if since is None or monotonic() - since <= PING_AFTER_IDLE_S:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_conn)
        except engine.dialect.loaded_dbapi.Error as error:
            raise DisconnectionError(str(error)) from error
        if not alive:
            raise DisconnectionError("the database did not answer the ping")


_IDLE_SINCE = "casework_idle_since"


#: libpq connection parameters: give up connecting after 10 s; probe an idle connection after
#: 30 s, every 10 s, 3 times; drop one whose sent data stays unacknowledged for 30 s.
PG_CONNECT_ARGS: dict[str, Any] = {
    "connect_timeout": 10,
    "keepalives": 1,
    "keepalives_idle": 30,
    "keepalives_interval": 10,
    "keepalives_count": 3,
    "tcp_user_timeout": 30_000,
}


def engine_for(settings: Settings) -> Engine:
    """The engine the settings describe (the pool sizes apply to PostgreSQL)."""
    pool: dict[str, Any] = {}
    if not settings.database_url.startswith("sqlite"):
        pool = {"pool_size": settings.db_pool_size, "max_overflow": settings.db_max_overflow}
    return make_engine(settings.database_url, sqlite_timeout=settings.sqlite_timeout, **pool)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        if engine.url.database not in (None, "", ":memory:"):
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # A write session takes the write lock at the start: two writers wait in turn (busy
        # timeout) instead of one failing half-way when it upgrades a read snapshot. Reads stay
        # deferred, so with WAL they never block a writer.
        write = conn.get_execution_options().get(WRITE_OPTION)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


#: Execution option marking an engine (and its sessions) as writing; see `write_engine`.
WRITE_OPTION = "casework_write"


def is_writer(bind: Any) -> bool:
    """Whether sessions on `bind` open write transactions (`write_engine`)."""
    options = bind.get_execution_options() if isinstance(bind, Engine) else {}
    return bool(options.get(WRITE_OPTION))


def write_engine(engine: Engine) -> Engine:
    """The same engine, for sessions that will write (SQLite: `BEGIN IMMEDIATE`)."""
    return engine.execution_options(**{WRITE_OPTION: True})


@contextmanager
def session_for(engine: Engine) -> Iterator[Session]:
    """A session that is always closed; callers commit once (see the services)."""
    session = Session(engine, expire_on_commit=False)
    try:
        yield session
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


#: `Session.info` key of the values worked out once per transaction (see `memo`).
_MEMO = "casework_memo"


def memo(session: Session, key: Hashable, make: Callable[[], T]) -> T:
    """`make()`, worked out once per session and transaction: e.g. the calendar of a unit or a
    dossier's procedure version, which a page of twenty dossiers would otherwise read twenty
    times. Forgotten at commit and rollback; `forget` drops entries earlier (a calendar change)."""
    cache: dict[Hashable, Any] = session.info.setdefault(_MEMO, {})
    if key not in cache:
        cache[key] = make()
    return cast(T, cache[key])


def forget(session: OrmSession, kind: str) -> None:
    """Drop the memo entries whose key is a tuple starting with `kind`."""
    cache = session.info.get(_MEMO, {})
    for key in [k for k in cache if isinstance(k, tuple) and k and k[0] == kind]:
        del cache[key]


_KEPT: tuple[type, ...] = ()


def keep_for_transaction(*models: type) -> None:
    """Rows of these small, shared models (units, users, procedure versions) stay loaded until
    the transaction ends, so the many `session.get` of one request read each row once. (The
    identity map holds rows only while something refers to them.)"""
    global _KEPT
    _KEPT = (*_KEPT, *models)


@event.listens_for(OrmSession, "loaded_as_persistent")
def _keep(session: OrmSession, instance: Any) -> None:
    if isinstance(instance, _KEPT):  # by identity: a row loaded again replaces its old copy
        kept = session.info.setdefault(_MEMO, {}).setdefault(("kept",), {})
        kept[inspect(instance).key] = instance


@event.listens_for(OrmSession, "after_transaction_end")
def _forget_at_end(session: OrmSession, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the outermost transaction: commit, rollback or close
        session.info.pop(_MEMO, None)


@event.listens_for(OrmSession, "after_soft_rollback")
def _forget_rolled_back(session: OrmSession, _previous: Any) -> None:
    session.info.pop(_MEMO, None)  # a savepoint's rollback too: what it wrote is gone


#: session.info key of the open batch of an action's writes (`casework.dossiers.writes`)
DEFERRED_COUNTERS = "casework_deferred_counters"


def add_to_counter(
    session: Session, model: type[SQLModel], key: dict[str, Any], inc: dict[str, Any]
) -> Any:
    """Add `inc` to the counter row of `model` at `key`, creating it if absent, in one atomic
    statement (`INSERT … ON CONFLICT DO UPDATE SET c = c + excluded.c`) on both databases.
    Returns the new values of the counters; None while a batch of an action's writes is open
    (`casework.dossiers.writes.deferred`): the batch writes it with the action's rows."""
    table = model.__table__  # type: ignore[attr-defined]
    batch = session.info.get(DEFERRED_COUNTERS)
    if batch is not None:
        batch.count(table, key, inc)
        return None
    upsert = _upsert(session.get_bind().dialect.name, table, tuple(key), tuple(inc))
    return session.execute(upsert, {**key, **inc}).one()


#: The counter upserts, built once per (dialect, table, key and counter columns): building one
#: (the `excluded` alias copies every column of the table) cost about a millisecond an action.
_UPSERTS: dict[tuple[str, str, tuple[str, ...], tuple[str, ...]], Any] = {}


def _upsert(dialect: str, table: Any, key: tuple[str, ...], inc: tuple[str, ...]) -> Any:
    found = _UPSERTS.get((dialect, table.name, key, inc))
    if found is not None:
        return found
    make = pg_insert if dialect == "postgresql" else sqlite_insert
    params = {name: bindparam(name, type_=table.c[name].type) for name in (*key, *inc)}
    stmt = make(table).values(params)
    upsert = stmt.on_conflict_do_update(
        index_elements=list(key),
        set_={name: table.c[name] + stmt.excluded[name] for name in inc},
    ).returning(*(table.c[name] for name in inc))
    _UPSERTS[(dialect, table.name, key, inc)] = upsert
    return upsert
