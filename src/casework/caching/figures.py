"""A short per-process cache of the national pages' rows (the readiness map, /progress): issue 19.

Those pages group the whole country's officers, certificates, sign-offs, learning levels,
dossiers and events on every view (~0.5–1 s at 3,300 communes, bench/readiness.py); the rows they
build from that are kept per process under a *change token* and for at most `TTL`:

- the token is one statement of three sub-selects (~1 ms): the units' generation
  (`caching.service`, row 1 of `cache_generation`), the figures' generation (row 2, below) and
  the newest event id. Every action, opening, review verdict or mentor note writes an event, so
  a dossier that moved moves the token, even through the Core hot path (`dossiers.writes`);
- row 2 gets a new random token in every transaction that writes, through the ORM, a
  certificate, a sign-off, a question, a stored learning level, a mentor assignment, a user's
  roles / unit / active flag, or deletes a dossier or an event (an `after_flush` hook); that
  transaction itself reads straight from the database until it ends;
- `TTL` bounds the rest: the sliding 30-day windows, and writes that bypass the ORM (raw SQL:
  call `bump`).

Without row 1 (an emptied database) nothing is kept. Entries are keyed by the engine's URL, the
caller's key (the scope and what the page lists — never the filters, sorting or page, which work
on the kept rows) and the token; they hold plain rows, never ORM objects. The instant the rows
were computed is kept with them and printed on the page ("Số liệu lúc HH:MM").
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar, cast

from sqlalchemy import event, func, inspect, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, col

from casework.accounts.models import User
from casework.caching.models import CacheGeneration
from casework.certificates.models import Certificate
from casework.dossiers.models import Dossier, Event
from casework.learning.models import LearningLevel
from casework.questions.models import Question
from casework.reviews.models import MentorAssignment
from casework.signoffs.models import SignOffEntry

T = TypeVar("T")

#: seconds a kept entry is used at most, whatever the token
TTL = 60.0
#: entries kept per process (scopes × listings; a national entry is a few MB at most)
KEEP = 32
#: the `cache_generation` row of the figures' token
ROW = 2
#: writing (adding, changing or deleting) a row of these through the ORM moves the token
WATCHED: tuple[type, ...] = (Certificate, SignOffEntry, Question, LearningLevel, MentorAssignment)
#: a user counts when one of these changes (a sign-in's bookkeeping does not move the token)
USER_COLUMNS = ("roles", "unit_id", "is_active")
#: a dossier's or an event's change shows as a new event; only their deletion moves the token
DELETED: tuple[type, ...] = (Dossier, Event)

_WROTE = "casework_figures_wrote"
_LOCK = threading.Lock()
#: (url, key) -> (token, monotonic time computed, value)
_STORE: OrderedDict[tuple[str, Hashable], tuple[tuple[Any, ...], float, Any]] = OrderedDict()


def token(session: Session) -> tuple[Any, ...] | None:
    """The state the figures are read in (one statement); None: do not use the cache."""
    if session.info.get(_WROTE):
        return None
    gen = CacheGeneration.__table__.c  # type: ignore[attr-defined]
    units = select(gen.token).where(gen.id == 1).scalar_subquery()
    figures = select(gen.token).where(gen.id == ROW).scalar_subquery()
    events = select(func.max(col(Event.id))).scalar_subquery()
    row = session.execute(select(units, figures, events)).one()
    return None if row[0] is None else tuple(row)


def kept(session: Session, key: Hashable, make: Callable[[], T]) -> T:
    """`make()` (plain rows read through `session`), kept per process for the token and `TTL`."""
    now = time.monotonic()
    state = token(session)  # its statement may flush this session's changes (and bump)
    if state is None or session.info.get(_WROTE) or _pending(session):
        return make()
    where = (str(session.get_bind().engine.url), key)
    with _LOCK:
        held = _STORE.get(where)
        if held is not None and held[0] == state and now - held[1] < TTL:
            _STORE.move_to_end(where)
            return cast(T, held[2])
    value = make()
    with _LOCK:
        _STORE[where] = (state, now, value)
        _STORE.move_to_end(where)
        while len(_STORE) > KEEP:
            _STORE.popitem(last=False)
    return value


def clear() -> None:
    """Forget every kept entry (tests that write behind the ORM's back)."""
    with _LOCK:
        _STORE.clear()


def bump(session: OrmSession) -> None:
    """A new figures token in this transaction (once); until it ends, nothing is kept or read."""
    if session.info.get(_WROTE):
        return
    session.info[_WROTE] = True
    conn = session.connection()
    table = CacheGeneration.__table__  # type: ignore[attr-defined]
    make = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    stmt = make(table).values(id=ROW, token=secrets.token_hex(16))
    conn.execute(
        stmt.on_conflict_do_update(index_elements=["id"], set_={"token": stmt.excluded.token})
    )


def _moves(session: OrmSession) -> bool:
    """The session's changes (before their flush) include one the figures depend on."""
    for obj in session.new:
        if isinstance(obj, (*WATCHED, User)):
            return True
    for obj in session.dirty:
        if isinstance(obj, WATCHED):
            return True
        if isinstance(obj, User):
            attrs = inspect(obj).attrs
            if any(attrs[name].history.has_changes() for name in USER_COLUMNS):
                return True
    return any(isinstance(obj, (*WATCHED, *DELETED, User)) for obj in session.deleted)


#: a watched row changed in this session but not flushed yet: read, do not keep
_pending = _moves


@event.listens_for(OrmSession, "after_flush")
def _written(session: OrmSession, context: Any) -> None:
    if not session.info.get(_WROTE) and _moves(session):
        bump(session)


@event.listens_for(OrmSession, "after_commit")
@event.listens_for(OrmSession, "after_rollback")
def _ended(session: OrmSession) -> None:
    session.info.pop(_WROTE, None)
