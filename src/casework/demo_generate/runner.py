"""Running the batches: in this process (SQLite, or one worker), or in forked workers that each
simulate a batch and COPY it into PostgreSQL on a connection of their own.

Ids: every table's rows are numbered in batch order. A worker simulates its batch, then waits
for its turn (the batches before it have reserved their ids), reserves its ids from the table
sequences with `setval`, and writes. So a seed gives the same ids, codes and hashes whatever
the number of workers, and an interrupted run leaves whole batches and sequences past every id
used (the monthly counters are then stale: `casework reports rebuild`).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel

from casework import demo
from casework.accounts.models import Unit, User
from casework.db import utcnow
from casework.demo_generate import plan as planning
from casework.demo_generate.batch import (
    TABLES,
    Built,
    Context,
    CopySink,
    RowSink,
    build,
    emit,
)
from casework.demo_generate.world import ensure_communes, ensure_staff, load_world
from casework.dossiers import queue_index
from casework.dossiers.catalog import sync_procedures
from casework.dossiers.clockwork import CalendarSource
from casework.procedures import ProcedureRegistry
from casework.reports import stats

CounterKey = tuple[int, date, str]
#: rows per table and practice dossiers; seconds simulating, waiting for ids, numbering, writing
BatchResult = tuple[tuple[int, ...], tuple[float, float, float, float]]
PHASES = ("simulate", "wait", "number_hash", "write")


@dataclass(frozen=True)
class Options:
    dossiers: int
    months: int = 12
    communes_per_province: int = 100
    seed: int = 1
    batch: int = 5000
    #: worker processes (PostgreSQL only); None: one per CPU core
    workers: int | None = None
    #: the end of the generated period (tests pin it); None: now
    now: datetime | None = None
    #: PostgreSQL bulk mode: while loading, drop the plain (non-unique) indexes and the foreign
    #: keys of the five tables written, then build the indexes again and add and validate the
    #: foreign keys at the end (several times faster); None: when `dossiers` >= 50 000
    bulk: bool | None = None


@dataclass
class Summary:
    units: int = 0
    units_created: int = 0
    users: int = 0
    users_created: int = 0
    demo_loaded: bool = False
    dossiers: int = 0
    practice: int = 0
    events: int = 0
    steps: int = 0
    pauses: int = 0
    attachments: int = 0
    batches: int = 0
    workers: int = 1
    seconds: float = 0.0
    #: time spent writing the dossiers (without set-up, counters and ANALYZE)
    load_seconds: float = 0.0
    #: worker seconds per phase (summed over the workers): see `PHASES`
    phases: dict[str, float] = field(default_factory=dict)
    #: bulk mode: plain indexes built again and foreign keys validated after the load
    indexes_rebuilt: int = 0
    foreign_keys_validated: int = 0
    index_seconds: float = 0.0

    @property
    def rate(self) -> float:
        return self.dossiers / self.load_seconds if self.load_seconds else 0.0


def generate(
    engine: Engine,
    registry: ProcedureRegistry,
    options: Options,
    *,
    tz: ZoneInfo,
    calendars: CalendarSource | None = None,
    progress: Callable[[int], Any] | None = None,
    on_total: Callable[[int], Any] | None = None,
    on_stage: Callable[[str], Any] | None = None,
) -> Summary:
    """Fill the database (see the package doc). `on_total(n)` is called once the plan is known,
    `progress(k)` after each batch with the number of dossiers it wrote, `on_stage(text)` when a
    stage other than the load begins (a line in Vietnamese for the user)."""
    stage = on_stage or (lambda text: None)
    if options.dossiers < 1:
        raise ValueError("dossiers must be at least 1")
    started = time.monotonic()
    source = calendars or CalendarSource()
    summary = Summary()
    now = (options.now or utcnow()).replace(microsecond=0)
    stage("Chuẩn bị đơn vị, cán bộ, thủ tục…")
    with Session(engine, expire_on_commit=False) as session:
        if demo.is_empty(session):
            sync_procedures(session, registry.all())
            demo.load(session, registry, tz)
            summary.demo_loaded = True
        sync_procedures(session, registry.all())
        summary.units_created, communes = ensure_communes(
            session, options.communes_per_province, options.seed
        )
        summary.users_created = ensure_staff(session, now, communes)
        session.commit()
        world = load_world(session, registry, source, options.seed)
        summary.units = session.execute(select(func.count()).select_from(Unit)).scalar_one()
        summary.users = session.execute(select(func.count()).select_from(User)).scalar_one()
    ctx = Context.make(world, now, options.seed)
    days = planning.allocate(options.dossiers, options.months, now, world.national)
    batches = planning.batches(days, max(1, options.batch))
    # the days on which the database already numbered dossiers (the codes continue from there);
    # on the others a batch starts its counters at zero without asking
    counter = SQLModel.metadata.tables["dossier_code_counter"]
    with engine.connect() as conn:
        ctx.numbered_days = set(
            conn.execute(
                select(counter.c.day).where(counter.c.day >= days[0].day).distinct()
            ).scalars()
        )
    summary.batches = len(batches)
    if on_total is not None:
        on_total(sum(b.count for b in batches))
    advance = progress or (lambda n: None)
    load_started = time.monotonic()
    totals = [0, 0, 0, 0, 0, 0]
    dropped: Dropped | None = None
    results: Iterator[BatchResult] | None = None
    try:
        if engine.dialect.name == "postgresql":
            workers = max(1, min(options.workers or os.cpu_count() or 1, len(batches) or 1))
            summary.workers = workers
            bulk = options.bulk
            if bulk is None:
                bulk = options.dossiers >= 50_000
            if bulk:
                dropped = _drop_for_load(engine)
            results = _run_postgres(engine, ctx, batches, workers)
        else:
            results = _run_inline(engine, ctx, batches)
        for counts, seconds in results:
            for i, n in enumerate(counts):
                totals[i] += n
            for name, spent in zip(PHASES, seconds, strict=True):
                summary.phases[name] = summary.phases.get(name, 0.0) + spent
            advance(counts[0])
        summary.load_seconds = time.monotonic() - load_started
    finally:
        if isinstance(results, Generator):
            results.close()  # stops the workers first
        if dropped is not None:  # also after an error or Ctrl-C: the schema is left whole
            stage(
                f"Dựng lại {len(dropped.indexes)} chỉ mục, thêm và kiểm tra lại "
                f"{len(dropped.foreign_keys)} khóa ngoại…"
            )
            index_started = time.monotonic()
            _restore(engine, dropped)
            summary.indexes_rebuilt = len(dropped.indexes)
            summary.foreign_keys_validated = len(dropped.foreign_keys)
            summary.index_seconds = time.monotonic() - index_started
    (summary.dossiers, summary.events, summary.steps, summary.pauses, summary.attachments,
     summary.practice) = totals  # fmt: skip
    stage("Tính lại số liệu tổng hợp của báo cáo…")
    with Session(engine) as session:
        stats.rebuild(session)
        queue_index.rebuild(session)  # the work queues' roles, buckets and counters
        session.commit()
    if engine.dialect.name == "postgresql":
        stage("Cập nhật thống kê của PostgreSQL (ANALYZE)…")
        with engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
    summary.seconds = time.monotonic() - started
    return summary


# ---- SQLite (and any other database): in this process, SQLAlchemy executemany ------------------


def _tables() -> dict[str, Any]:
    return {name: SQLModel.metadata.tables[name] for name in TABLES}


def _existing_counters(session: Session, ctx: Context, days: list[date]) -> dict[CounterKey, int]:
    if not ctx.numbered_days.intersection(days):
        return {}
    table = SQLModel.metadata.tables["dossier_code_counter"]
    rows = session.execute(
        select(table.c.unit_id, table.c.day, table.c.mode, table.c.last_value).where(
            table.c.day >= min(days), table.c.day <= max(days)
        )
    ).all()
    return {(u, d, m): v for u, d, m, v in rows}


def _run_inline(
    engine: Engine, ctx: Context, batches: list[planning.Batch]
) -> Iterator[BatchResult]:
    tables = _tables()
    for batch in batches:
        with Session(engine) as session:
            t0 = time.monotonic()
            existing = _existing_counters(session, ctx, [d.day for d in batch.days])
            built = build(ctx, batch, existing)
            t1 = time.monotonic()
            bases = [
                (session.execute(select(func.max(tables[t].c.id))).scalar() or 0) + 1
                for t in TABLES
            ]
            sink = RowSink()
            emit(built, bases, sink)
            t2 = time.monotonic()
            for t in TABLES:
                rows = sink.rows[t]
                for start in range(0, len(rows), 5000):
                    session.execute(insert(tables[t]), rows[start : start + 5000])
            _write_counters_sa(session, built)
            session.commit()
        yield built.counts(), (t1 - t0, 0.0, t2 - t1, time.monotonic() - t2)


def _write_counters_sa(session: Session, built: Built) -> None:
    table = SQLModel.metadata.tables["dossier_code_counter"]
    new: list[dict[str, Any]] = []
    old: list[dict[str, Any]] = []
    for (unit_id, day, mode), value in built.counters.items():
        row = {"unit_id": unit_id, "day": day, "mode": mode, "last_value": value}
        (old if (unit_id, day, mode) in built.existing else new).append(row)
    if new:
        session.execute(insert(table), new)
    for row in old:
        session.execute(
            update(table)
            .where(
                table.c.unit_id == row["unit_id"],
                table.c.day == row["day"],
                table.c.mode == row["mode"],
            )
            .values(last_value=func.max(table.c.last_value, row["last_value"]))
        )


# ---- PostgreSQL: forked workers, COPY ---------------------------------------------------------

#: What a worker needs; set before the pool forks, so the workers inherit it.
_STATE: dict[str, Any] = {}


def _conninfo(engine: Engine) -> str:
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


def _sequences(engine: Engine) -> dict[str, str]:
    """Each table's id sequence, moved past the highest id in the table if it lags behind."""
    seqs: dict[str, str] = {}
    with engine.begin() as conn:
        for table in TABLES:
            seq = conn.exec_driver_sql(f"SELECT pg_get_serial_sequence('{table}', 'id')").scalar()
            assert seq is not None, table
            seqs[table] = seq
            top = conn.exec_driver_sql(f"SELECT COALESCE(MAX(id), 0) FROM {table}").scalar() or 0
            last, called = conn.exec_driver_sql(f"SELECT last_value, is_called FROM {seq}").one()
            if top > (last if called else last - 1):
                conn.exec_driver_sql(f"SELECT setval('{seq}', {int(top)})")
    return seqs


@dataclass
class Dropped:
    #: (name, CREATE INDEX statement)
    indexes: list[tuple[str, str]]
    #: (table, name, constraint definition)
    foreign_keys: list[tuple[str, str, str]]


def _repair(conn: Any) -> None:
    """Restore from the models any index or foreign key of the five tables that a killed bulk
    load could not put back (a normal run, even interrupted, puts everything back itself)."""
    from sqlalchemy.schema import AddConstraint

    have = {
        name
        for (name,) in conn.exec_driver_sql(
            "SELECT conname FROM pg_constraint WHERE contype = 'f' "
            "AND conrelid::regclass::text = ANY(%(tables)s)",
            {"tables": list(TABLES)},
        )
    }
    for name in TABLES:
        table = SQLModel.metadata.tables[name]
        for index in table.indexes:
            index.create(conn, checkfirst=True)
        for fk in table.foreign_key_constraints:
            if fk.name not in have:
                conn.execute(AddConstraint(fk))


def _drop_for_load(engine: Engine) -> Dropped:
    """Drop the plain indexes and the foreign keys of the tables the load writes, keeping what
    is needed to put them back. Unique indexes and primary keys stay (they check the load as it
    goes); the foreign keys are validated, all at once, when they come back."""
    tables = {"tables": list(TABLES)}
    with engine.begin() as conn:
        _repair(conn)
        indexes = conn.exec_driver_sql(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) "
            "FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid "
            "LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid "
            "WHERE t.relname = ANY(%(tables)s) AND t.relnamespace = current_schema()::regnamespace "
            "AND c.oid IS NULL AND NOT i.indisunique AND NOT i.indisprimary ORDER BY 1",
            tables,
        ).all()
        fks = conn.exec_driver_sql(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE contype = 'f' AND conrelid::regclass::text = ANY(%(tables)s) "
            "ORDER BY 1, 2",
            tables,
        ).all()
        for table, name, _ in fks:
            conn.exec_driver_sql(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
        for name, _ in indexes:
            conn.exec_driver_sql(f"DROP INDEX {name}")
    return Dropped(
        indexes=[(str(n), str(ddl)) for n, ddl in indexes],
        foreign_keys=[(str(t), str(n), str(d)) for t, n, d in fks],
    )


def _restore(engine: Engine, dropped: Dropped) -> None:
    """Build the indexes again and add the foreign keys back, validating every row."""
    with engine.connect() as conn:
        conn.exec_driver_sql("SET maintenance_work_mem = '512MB'")
        for _, ddl in dropped.indexes:
            conn.exec_driver_sql(ddl.replace("CREATE INDEX", "CREATE INDEX IF NOT EXISTS", 1))
            conn.commit()
        for table, name, definition in dropped.foreign_keys:
            exists = conn.exec_driver_sql(
                "SELECT 1 FROM pg_constraint WHERE conname = %(name)s "
                "AND conrelid::regclass::text = %(table)s",
                {"name": name, "table": table},
            ).first()
            if exists is None:
                conn.exec_driver_sql(
                    f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition} NOT VALID'
                )
                conn.exec_driver_sql(f'ALTER TABLE "{table}" VALIDATE CONSTRAINT "{name}"')
            conn.commit()


def _pg_connect(conninfo: str) -> Any:
    import psycopg

    conn = psycopg.connect(conninfo, autocommit=True)
    conn.execute("SET synchronous_commit = off")
    return conn


def _worker_init() -> None:
    if "cond" in _STATE:  # a forked worker: Ctrl-C is for the parent, which stops the pool
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    _STATE["conn"] = _pg_connect(_STATE["conninfo"])


def _pg_counters(conn: Any, ctx: Context, days: list[date]) -> dict[CounterKey, int]:
    if not ctx.numbered_days.intersection(days):
        return {}
    rows = conn.execute(
        "SELECT unit_id, day, mode, last_value FROM dossier_code_counter "
        "WHERE day BETWEEN %s AND %s",
        (min(days), max(days)),
    ).fetchall()
    return {(u, d, m): v for u, d, m, v in rows}


def _pg_reserve(conn: Any, counts: tuple[int, ...]) -> list[int]:
    """The first id of each table for this batch; the sequences move past the batch."""
    bases = []
    for table, n in zip(TABLES, counts[: len(TABLES)], strict=True):
        if n == 0:
            bases.append(0)
            continue
        seq = _STATE["sequences"][table]
        first = conn.execute("SELECT nextval(%s)", (seq,)).fetchone()[0]
        conn.execute("SELECT setval(%s, %s)", (seq, first + n - 1))
        bases.append(first)
    return bases


@contextmanager
def _turn(index: int) -> Iterator[None]:
    """Wait until the batches before `index` have reserved their ids; then it is ours."""
    cond = _STATE.get("cond")
    if cond is None:
        yield
        return
    turn, abort = _STATE["turn"], _STATE["abort"]
    with cond:
        while turn.value != index:
            if abort.value:
                raise RuntimeError("một lô khác đã lỗi; dừng")
            cond.wait(0.5)
        try:
            yield
        finally:
            turn.value = index + 1
            cond.notify_all()


def _abort() -> None:
    cond = _STATE.get("cond")
    if cond is not None:
        with cond:
            _STATE["abort"].value = 1
            cond.notify_all()


def _pg_batch(batch: planning.Batch) -> BatchResult:
    conn = _STATE["conn"]
    ctx: Context = _STATE["ctx"]
    t0 = time.monotonic()
    try:
        built = build(ctx, batch, _pg_counters(conn, ctx, [d.day for d in batch.days]))
        counts = built.counts()
    except BaseException:
        _abort()
        raise
    t1 = time.monotonic()
    with _turn(batch.index):
        bases = _pg_reserve(conn, counts)
    t2 = time.monotonic()
    sink = CopySink()
    emit(built, bases, sink)
    t3 = time.monotonic()
    with conn.transaction(), conn.cursor() as cur:
        sink.write(cur)
        _pg_write_counters(cur, built)
    return counts, (t1 - t0, t2 - t1, t3 - t2, time.monotonic() - t3)


def _pg_write_counters(cur: Any, built: Built) -> None:
    new = [
        f"{u}\t{d.isoformat()}\t{m}\t{v}\n"
        for (u, d, m), v in built.counters.items()
        if (u, d, m) not in built.existing
    ]
    if new:
        with cur.copy(
            "COPY dossier_code_counter (unit_id, day, mode, last_value) FROM STDIN"
        ) as copy:  # fmt: skip
            copy.write("".join(new))
    old = [(v, u, d, m) for (u, d, m), v in built.counters.items() if (u, d, m) in built.existing]
    if old:
        cur.executemany(
            "UPDATE dossier_code_counter SET last_value = GREATEST(last_value, %s) "
            "WHERE unit_id = %s AND day = %s AND mode = %s",
            old,
        )


def _run_postgres(
    engine: Engine, ctx: Context, batches: list[planning.Batch], workers: int
) -> Iterator[BatchResult]:  # fmt: skip
    _STATE.clear()
    _STATE.update(ctx=ctx, conninfo=_conninfo(engine), sequences=_sequences(engine))
    if workers == 1:
        _worker_init()
        try:
            for batch in batches:
                yield _pg_batch(batch)
        finally:
            _STATE.pop("conn").close()
            _STATE.clear()
        return
    mp = multiprocessing.get_context("fork")
    _STATE.update(cond=mp.Condition(), turn=mp.Value("i", 0), abort=mp.Value("i", 0))
    engine.dispose()  # no pooled connection may cross the fork
    pool = mp.Pool(workers, initializer=_worker_init)
    try:
        yield from pool.imap_unordered(_pg_batch, batches, chunksize=1)
        pool.close()
    except BaseException:
        pool.terminate()
        raise
    finally:
        pool.join()
        _STATE.clear()
