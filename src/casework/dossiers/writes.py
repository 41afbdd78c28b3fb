"""An action's writes in one round trip (issue 19, item 1).

`service.fire` works out an action with the ORM objects it read (the dossier, its step rows):
the state machine, the clock, the event with its chain hash change them in memory. Instead of
the ORM's flush (one statement per row, the unit of work's bookkeeping) and a statement per
counter, `Batch` writes what the session holds:

- the changed columns of each changed row (`UPDATE … WHERE id = …`: the dossier, the closed
  step, a closed pause),
- each new row (`INSERT`, one per table: the event(s), the opened step, an opened pause),
- the counters the change moves (`INSERT … ON CONFLICT DO UPDATE SET n = n + excluded.n`, one per
  table, a key's increments added up first; a counter table is its key and counters): the report
  counters (`casework.db.add_to_counter` defers to the batch while it is open) and the work
  queue's (`queue_index.counter_deltas`),

as ONE statement on PostgreSQL (data-modifying CTEs), then the commit; on SQLite, which has no
data-modifying CTE, the same statements one after the other in the same transaction. The
counters go last: the rows every action of a unit shares are then held from the end of that
statement to the commit only. The statements are built once per shape (which tables, columns
and row counts) and reused, so SQLAlchemy's compiled cache serves them.

Afterwards the session holds the changed rows as a flush leaves them (persistent, nothing left
to write: the same objects the caller holds) and no longer holds the new ones (their ids were
not read back; nothing needs them after the commit): nothing is written twice, and the answer
is built from them without a read.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from sqlalchemy import bindparam, insert, inspect, literal_column, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session as OrmSession

from casework.db import DEFERRED_COUNTERS
from casework.dossiers import queue_index
from casework.dossiers.models import ClockPause, Dossier, Event, QueueCounter, StepRecord
from casework.procedures import Procedure

#: The rows an action changes, and those it adds, that `Batch.write` writes itself (a new row
#: whose id others need, such as a new dossier's, is left to the ORM).
CHANGED = (Dossier, StepRecord, ClockPause)
ADDED = (Event, StepRecord, ClockPause)

#: (table name, key columns, increment columns) → {key values: {column: increment}}
Counts = dict[tuple[str, tuple[str, ...]], dict[tuple[Any, ...], dict[str, Any]]]


class Batch:
    """The counters one change moves, added up by row, and the writing of the whole change."""

    def __init__(self) -> None:
        self.counts: Counts = {}
        self.tables: dict[str, Any] = {}

    def count(self, table: Any, key: dict[str, Any], inc: dict[str, Any]) -> None:
        """Add `inc` to the counter row of `table` at `key` (written by `write`)."""
        self.tables[table.name] = table
        rows = self.counts.setdefault((table.name, tuple(key)), {})
        row = rows.setdefault(tuple(key.values()), {})
        for name, value in inc.items():
            row[name] = row.get(name, 0) + value

    def queue(self, rows: list[dict[str, Any]]) -> None:
        """The work queue's counter rows (`queue_index.counter_deltas`)."""
        table = QueueCounter.__table__  # type: ignore[attr-defined]
        for row in rows:
            self.count(table, {k: row[k] for k in queue_index.KEY}, {"n": row["n"]})

    def write(self, session: OrmSession, *, commit: bool = False) -> None:
        """Write the session's changed and new rows and the counters (see the module doc). With
        `commit` on PostgreSQL the transaction is committed in the same round trip
        (`_send_and_commit`); the caller's `session.commit()` then sends nothing. Elsewhere
        the caller commits as usual."""
        others = any(not isinstance(o, CHANGED) for o in session.dirty) or any(
            not isinstance(o, ADDED) for o in session.new
        )
        if others or session.deleted:
            session.flush()  # another kind of row (an inspection's, a cached table's): the ORM
        parts: list[tuple[Any, ...]] = []
        params: dict[str, Any] = {}
        changed: list[Any] = []
        new_rows: list[Any] = []
        for obj in sorted(session.dirty, key=_order):
            state = inspect(obj)
            table = state.mapper.local_table
            columns = tuple(sorted(k for k in state.committed_state if k in table.c))
            changed.append(obj)
            if columns:
                n = len(parts)
                parts.append(("u", table, columns))
                params.update({f"p{n}_{c}": state.dict[c] for c in (*columns, "id")})
        new: dict[tuple[Any, tuple[str, ...]], list[Any]] = {}
        for obj in sorted(session.new, key=_order):
            state = inspect(obj)
            table = state.mapper.local_table
            columns = tuple(col.key for col in table.c if col.key in state.dict)
            if state.dict.get("id") is None:
                columns = tuple(c for c in columns if c != "id")
            new.setdefault((table, columns), []).append(obj)
            new_rows.append(obj)
        for (table, columns), objs in new.items():
            n = len(parts)
            parts.append(("i", table, columns, len(objs)))
            for r, obj in enumerate(objs):
                params.update({f"p{n}_{r}_{c}": inspect(obj).dict[c] for c in columns})
        for (name, key), rows in sorted(self.counts.items()):
            merged = sorted((k, inc) for k, inc in rows.items() if any(inc.values()))
            if not merged:
                continue
            # every other column of a counter table is a counter: all of them are written (0
            # where this change adds nothing), so a shape depends on the table and row count only
            incs = tuple(col.key for col in self.tables[name].c if col.key not in key)
            n = len(parts)
            parts.append(("c", self.tables[name], key, incs, len(merged)))
            for r, (values, inc) in enumerate(merged):
                params.update({f"p{n}_{r}_{c}": v for c, v in zip(key, values, strict=True)})
                params.update({f"p{n}_{r}_{c}": inc.get(c, 0) for c in incs})
        if not parts:
            return
        dialect = session.get_bind().dialect.name
        shape = (dialect, *(p[:1] + (p[1].name,) + p[2:] for p in parts))
        statements = _STATEMENTS.get(shape)
        if statements is None:
            statements = _STATEMENTS[shape] = _build(dialect, parts)
        with session.no_autoflush:  # the rows are written here, not by the ORM
            if commit and _pipelined(session):
                _send_and_commit(session, statements[0], params)
            else:
                for statement in statements:
                    session.execute(statement, params)
        for obj in new_rows:  # written, as by a flush; ids are not needed after the commit
            session.expunge(obj)
        for obj in changed:  # as by a flush: persistent, with no change left to write (the
            state = inspect(obj)  # flush's own step), the same instance the caller holds
            state._commit_all(state.dict, session.identity_map)


def _pipelined(session: OrmSession) -> bool:
    """The commit can ride with the statement: PostgreSQL, a session of its own (bound to an
    engine, not to a caller's connection) outside any savepoint."""
    return (
        session.get_bind().dialect.name == "postgresql"
        and isinstance(session.bind, Engine)
        and not session.in_nested_transaction()
    )


def _send_and_commit(session: OrmSession, statement: Any, params: dict[str, Any]) -> None:
    """The statement and COMMIT sent together (psycopg's pipeline mode): the counter rows every
    action of a unit shares are held for the server's time only, not also for the answer's trip
    back and the worker's turn to send COMMIT (which under load is most of it: the actions of a
    unit queue on those rows). The statement goes through SQLAlchemy (its events, its types);
    a database error is raised as SQLAlchemy's (`IntegrityError` for the seq backstop)."""
    raw = session.connection().connection.driver_connection
    assert isinstance(raw, psycopg.Connection)
    try:
        with raw.pipeline():
            session.execute(statement, params)
            raw.commit()
    except psycopg.Error as exc:
        raise DBAPIError.instance("(an action's writes)", params, exc, psycopg.Error) from exc


def _order(obj: Any) -> tuple[str, int]:
    """Rows in a fixed order (by table, then id; new rows as added), so that a shape repeats."""
    state = inspect(obj)
    return (state.mapper.local_table.name, state.dict.get("id") or 0)


#: The statements of a shape (one on PostgreSQL; one per part on SQLite), built once.
_STATEMENTS: dict[tuple[Any, ...], list[Any]] = {}


def _param(table: Any, name: str, column: str) -> Any:
    return bindparam(name, type_=table.c[column].type)


def _part(dialect: str, n: int, part: tuple[Any, ...], rows: range) -> Any:
    """The statement of part `n` for `rows` of it."""
    kind, table = part[0], part[1]
    if kind == "u":
        columns = part[2]
        return (
            update(table)
            .where(table.c.id == _param(table, f"p{n}_id", "id"))
            .values({c: _param(table, f"p{n}_{c}", c) for c in columns})
        )
    columns = part[2] if kind == "i" else (*part[2], *part[3])
    values = [{c: _param(table, f"p{n}_{r}_{c}", c) for c in columns} for r in rows]
    # one row as a dict: SQLAlchemy caches the compiled form of that, not of a multi-row VALUES
    one_or_many = values[0] if len(values) == 1 else values
    if kind == "i":
        return insert(table).values(one_or_many)
    stmt = (pg_insert if dialect == "postgresql" else sqlite_insert)(table).values(one_or_many)
    return stmt.on_conflict_do_update(
        index_elements=list(part[2]), set_={c: table.c[c] + stmt.excluded[c] for c in part[3]}
    )


def _build(dialect: str, parts: list[tuple[Any, ...]]) -> list[Any]:
    """SQLite: a statement per part. PostgreSQL: one statement, a data-modifying CTE per row (so
    that the whole is cached once compiled), in the parts' order: the counters last."""
    if dialect != "postgresql":
        return [
            _part(dialect, n, p, range(1 if p[0] == "u" else p[-1])) for n, p in enumerate(parts)
        ]
    rows = [
        _part(dialect, n, p, range(r, r + 1))
        for n, p in enumerate(parts)
        for r in range(1 if p[0] == "u" else p[-1])
    ]
    ctes = [s.returning(literal_column("1")).cte(f"w{i}") for i, s in enumerate(rows)]
    return [select(literal_column("1")).add_cte(*ctes)]


@contextmanager
def deferred(session: OrmSession) -> Iterator[Batch]:
    """While open, `casework.db.add_to_counter` adds to the batch instead of writing."""
    batch = Batch()
    session.info[DEFERRED_COUNTERS] = batch
    try:
        yield batch
    finally:
        session.info.pop(DEFERRED_COUNTERS, None)


def sync_queue(session: OrmSession, dossier: Dossier, procedure: Procedure) -> None:
    """`queue_index.sync`, into the open batch if there is one."""
    batch = session.info.get(DEFERRED_COUNTERS)
    if batch is None:
        queue_index.sync(session, dossier, procedure)  # type: ignore[arg-type]
    else:
        batch.queue(queue_index.counter_deltas(dossier, procedure))
