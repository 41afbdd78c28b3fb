"""The review queue's trainee filter (issue 19): the runs opened, worked or submitted by a user
whose user name or full name contains the text typed, accents and case ignored.

It reads the users' folded names (`User.search_name`, kept in step by every write of a name;
migration 0030) in SQL — on PostgreSQL through their trigram index when pg_trgm is there — then
the matching users' events by the events' actor index. Up to `NAMED_IDS` users go to the runs'
query as a list of ids (PostgreSQL: one array parameter), so both databases start from those few
users' events instead of probing every run in scope; a broader text (more users) stays a
subquery. The old way read everyone who had worked a run in scope (30,000 officers nationally)
and folded their names in Python.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ARRAY, Integer, any_, bindparam, false
from sqlmodel import Session, col, select

from casework.accounts.models import User
from casework.dossiers.models import Dossier, Event
from casework.reviews.runs import SUBMITTED, WORK_KINDS
from casework.text import fold

#: the events that make a user a run's trainee
TRAINEE_KINDS = (*WORK_KINDS, SUBMITTED)
#: up to this many matching users, their ids are sent as a list
NAMED_IDS = 2000


def trainee_clause(session: Session, text: str) -> Any:
    """A WHERE clause on `Dossier`: runs with a trainee whose folded names contain `text`."""
    named = select(User.id).where(col(User.search_name).contains(fold(text), autoescape=True))
    ids = session.exec(named.limit(NAMED_IDS + 1)).all()
    if not ids:
        return false()
    by_actor: Any
    if len(ids) > NAMED_IDS:
        by_actor = col(Event.actor_id).in_(named)
    elif session.get_bind().dialect.name == "postgresql":  # one array parameter, not one each
        by_actor = col(Event.actor_id) == any_(bindparam("actors", list(ids), ARRAY(Integer)))
    else:
        by_actor = col(Event.actor_id).in_(ids)
    runs = select(Event.dossier_id).where(by_actor, col(Event.kind).in_(TRAINEE_KINDS))
    return col(Dossier.id).in_(runs)
