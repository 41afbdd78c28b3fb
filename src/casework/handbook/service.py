"""The handbook's search index for a registry and the published FAQ, kept while they hold.

The procedures do not change while the app runs; the published answers do. Each search first
reads a small signature of the answered questions (how many, the sum of their versions, the
largest id: answering, editing an answer or changing whether it is public bumps a version), and
rebuilds the index only when it has changed. Each worker process keeps its own index, so several
workers stay right without talking to each other.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from casework.handbook.index import Found, Hit, Index, Passage
from casework.handbook.passages import faq_passage, procedure_passages
from casework.paging import Page
from casework.procedures import Procedure, ProcedureRegistry
from casework.questions.models import Question, QuestionStatus

PER_PAGE = 20
Signature = tuple[int, int, int]

_lock = threading.Lock()
_procedure_passages: weakref.WeakKeyDictionary[ProcedureRegistry, list[Passage]] = (
    weakref.WeakKeyDictionary()
)
_indexes: weakref.WeakKeyDictionary[ProcedureRegistry, tuple[Signature, Index]] = (
    weakref.WeakKeyDictionary()
)


def faq_signature(session: Session) -> Signature:
    """Changes whenever a question is answered, its answer edited or published or withdrawn."""
    row = session.exec(
        select(
            func.count(),
            func.coalesce(func.sum(Question.version), 0),
            func.coalesce(func.max(Question.id), 0),
        ).where(Question.status == QuestionStatus.answered)
    ).one()
    return int(row[0]), int(row[1] or 0), int(row[2] or 0)


def published(session: Session, code: str | None = None) -> list[Question]:
    """The public answers (of one procedure, or of all), oldest first."""
    query = select(Question).where(
        Question.status == QuestionStatus.answered, col(Question.public).is_(True)
    )
    if code is not None:
        query = query.where(Question.procedure_code == code)
    return list(session.exec(query.order_by(col(Question.answered_at), col(Question.id))).all())


def _passages_of(registry: ProcedureRegistry) -> list[Passage]:
    with _lock:
        found = _procedure_passages.get(registry)
    if found is None:
        found = [x for p in registry.all() for x in procedure_passages(p)]
        with _lock:
            _procedure_passages[registry] = found
    return found


def index_for(session: Session, registry: ProcedureRegistry) -> Index:
    """The index of every procedure of `registry` and every public answer, rebuilt only when the
    answers have changed since the last search."""
    signature = faq_signature(session)
    with _lock:
        cached = _indexes.get(registry)
    if cached is not None and cached[0] == signature:
        return cached[1]
    faq = [
        faq_passage(registry.get(q.procedure_code), q)
        for q in published(session)
        if q.procedure_code in registry
    ]
    index = Index([*_passages_of(registry), *faq])
    with _lock:
        _indexes[registry] = (signature, index)
    return index


@dataclass(frozen=True)
class Results:
    page: Page[Hit]
    found: Found
    procedures: int  # how many procedures the matching passages belong to


def find(
    session: Session,
    registry: ProcedureRegistry,
    *,
    q: str | None,
    level: str | None = None,
    field: str | None = None,
    page: int = 1,
    per_page: int = PER_PAGE,
) -> Results:
    """One page of the passages matching `q` within the level and field, with their snippets."""
    index = index_for(session, registry)
    keep = None
    if level or field:
        keep = {
            i
            for i, p in enumerate(index.passages)
            if (not level or p.level == level) and (not field or p.field == field)
        }
    found = index.search(q, keep)
    shown = Page.of(found.hits, page, per_page)
    for hit in shown.items:
        index.mark(hit, found.expansions)
    return Results(shown, found, len({h.passage.code for h in found.hits}))


def procedures_of_field(
    registry: ProcedureRegistry, field: str, level: str | None = None
) -> list[Procedure]:
    """The procedures of a field (and level), communes' first, by name."""
    order = {"commune": 0, "province": 1, "ministry": 2}
    chosen = [p for p in registry.all() if p.field == field and (level is None or p.level == level)]
    return sorted(chosen, key=lambda p: (order.get(p.level, 9), p.name))
