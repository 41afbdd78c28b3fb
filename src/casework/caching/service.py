"""Per-process caches of units, calendars and procedure versions, right across workers.

The choice (issue 19, item 1): each process keeps what it read of these small tables under the
*token* of the `cache_generation` row it read in the same transaction. Every transaction that
writes a `Unit`, a `CalendarOverride` or a `ProcedureVersion` through the ORM sets a new random
token in the same transaction (an `after_flush` hook, so admin pages, the CLI, imports and test
factories are all covered), and from then on reads straight from the database until it ends (its
own uncommitted writes are not cached). Once it commits, every worker's next transaction reads
the new token and starts a fresh cache; until then they see the old rows, as their own reads
would under READ COMMITTED.

The token costs no round trip on the API's hot path: it rides as a scalar sub-select in the
token + user read (`generation_column`, `seen`); elsewhere it is one small read per transaction
(`generation`), where it replaces the unit, calendar and procedure reads. Random rather than a
counter, so two databases (a restored backup, test databases) never share a token by chance;
the cache is also keyed by the engine's URL. Without the row (an emptied database) nothing is
cached. Writes that bypass the ORM (raw SQL) must call `bump`.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Hashable
from typing import Any, TypeVar, cast

from sqlalchemy import event, inspect, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import make_transient_to_detached
from sqlmodel import Session, col

from casework.accounts.models import Unit
from casework.caching.models import CacheGeneration
from casework.db import memo
from casework.dossiers.models import CalendarOverride, ProcedureVersion

T = TypeVar("T")

_TOKEN = ("cache_generation",)
#: memo flag: this transaction wrote a cached table (new token set; read from the database)
_WROTE = ("cache_wrote",)
#: engine URL -> (token, entries); at most this many databases are kept
_STORE: dict[str, tuple[str, dict[Hashable, Any]]] = {}
_KEEP = 8
_LOCK = threading.Lock()
#: writing a row of these (through the ORM) changes the token
WATCHED: tuple[type, ...] = (Unit, CalendarOverride, ProcedureVersion)


def generation_column() -> Any:
    """The token as a scalar sub-select, to fold into a read the request makes anyway."""
    return select(col(CacheGeneration.token)).where(col(CacheGeneration.id) == 1).scalar_subquery()


def seen(session: Session, token: str | None) -> None:
    """The token read by a folded read (`generation_column`), for the rest of the transaction."""
    memo(session, _TOKEN, lambda: token)


def generation(session: Session) -> str | None:
    """The token for this transaction (read once); None: do not use the cache."""
    if session.info.get("casework_memo", {}).get(_WROTE):
        return None

    def read() -> str | None:
        query = select(col(CacheGeneration.token)).where(col(CacheGeneration.id) == 1)
        return cast(str | None, session.execute(query).scalar_one_or_none())

    return memo(session, _TOKEN, read)


def cached(session: Session, key: Hashable, make: Callable[[], T]) -> T:
    """`make()` once per process and token (`make` reads through `session`)."""
    token = generation(session)
    if token is None or _pending(session):
        return make()
    url = str(session.get_bind().engine.url)
    with _LOCK:
        held = _STORE.get(url)
        if held is None or held[0] != token:
            if held is None and len(_STORE) >= _KEEP:
                del _STORE[next(iter(_STORE))]
            held = _STORE[url] = (token, {})
        entries = held[1]
    if key in entries:
        return cast(T, entries[key])
    value = make()
    if value is not None:  # a missing row is not remembered (a row written by Core may follow)
        entries[key] = value  # a token is one state of the tables: the value is right for it
    return value


def _pending(session: OrmSession) -> bool:
    """A cached table's row changed in this session but not flushed yet: read, do not keep."""
    return any(isinstance(o, WATCHED) for o in (*session.new, *session.dirty, *session.deleted))


def bump(session: OrmSession) -> None:
    """Set a new token in this transaction (once), and stop caching until it ends."""
    kept = session.info.setdefault("casework_memo", {})
    if kept.get(_WROTE):
        return
    kept[_WROTE] = True
    kept.pop(_TOKEN, None)
    conn = session.connection()
    table = CacheGeneration.__table__  # type: ignore[attr-defined]
    make = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    stmt = make(table).values(id=1, token=secrets.token_hex(16))
    conn.execute(
        stmt.on_conflict_do_update(index_elements=["id"], set_={"token": stmt.excluded.token})
    )


def clear() -> None:
    """Forget every process cache (tests that write the tables behind the ORM's back)."""
    with _LOCK:
        _STORE.clear()


@event.listens_for(OrmSession, "after_flush")
def _written(session: OrmSession, context: Any) -> None:
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, WATCHED):
            bump(session)
            return


def detached_copy(row: T) -> T:
    """A copy of a loaded row that belongs to no session, for a process cache."""
    mapper = inspect(type(row))
    copy = type(row)(**{attr.key: getattr(row, attr.key) for attr in mapper.column_attrs})
    make_transient_to_detached(copy)
    return cast(T, copy)


def row_by_id(session: Session, model: type[T], row_id: int) -> T | None:
    """`session.get(model, row_id)` for a cached model (units, procedure versions): from the
    process cache, put into the session without SQL (`merge(load=False)`)."""

    def load() -> Any:
        row = session.get(model, row_id)
        return detached_copy(row) if row is not None else None

    held = cached(session, (model.__name__, row_id), load)
    if held is None:
        return None
    return session.merge(held, load=False)
