"""The printed handbook: one procedure, or every procedure of a field as a booklet (A4: cover,
table of contents with page numbers, then each procedure), in HTML to print and as a PDF.

Each procedure's chapter holds what its page holds, in reading order: summary, legal bases,
sources and the date they were checked, documents, the steps with their guidance, checklists and
actions, and the published answers to questions about it. A step whose guidance cites no article
says so (`passages.citation_problem`): nothing is made up to fill the gap.

The PDF comes from the same HTML through the slips' WeasyPrint helper. A booklet depends only on
the procedures (fixed while the app runs), the published answers and the day printed on its
cover, so the PDF is kept per (booklet, answers' signature, day): a field's booklet is made once,
not once per download.
"""

from __future__ import annotations

import re
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlencode

from sqlmodel import Session

from casework.caching.kept import Kept
from casework.handbook import service
from casework.handbook.passages import (
    LEVELS,
    PROBLEMS,
    citation_problem,
    fee_text,
    limit_text,
    recheck_lines,
    source_lines,
    step_actions,
)
from casework.procedures import Procedure, ProcedureRegistry
from casework.questions.models import Question
from casework.text import fold

#: PDFs kept per registry: a few fields and procedures, each at most a few MB.
KEEP = 24


@dataclass(frozen=True)
class Answer:
    step: str | None  # the step's label; None: about the whole procedure
    question: Question


@dataclass(frozen=True)
class Step:
    id: str
    label: str
    roles: list[str]
    allot: float | None
    paused: bool
    final: bool
    guidance: str  # Markdown
    checklist: list[str]
    actions: list[str]
    uncited: str | None  # what the guidance lacks (passages.PROBLEMS), or None


@dataclass(frozen=True)
class Chapter:
    number: int
    anchor: str  # id of the chapter in the booklet
    p: Procedure
    level: str
    limit: str
    fee: str
    sources: list[str]
    recheck: list[str]  # what is still unconfirmed
    code_kind: str | None  # "national", "local", or None where the file does not say
    steps: list[Step]
    answers: list[Answer]


@dataclass(frozen=True)
class Booklet:
    title: str
    subtitle: str
    chapters: list[Chapter]
    printed_on: date
    filename: str  # of the PDF
    back_url: str
    pdf_url: str
    whole: bool = True  # a field's booklet: cover and contents; one procedure: neither
    levels: list[str] = field(default_factory=list)


def slug(text: str) -> str:
    """'An toàn bức xạ và hạt nhân' → 'an-toan-buc-xa-va-hat-nhan'."""
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")


def field_of(registry: ProcedureRegistry, field_slug: str) -> str | None:
    return next((p.field for p in registry.all() if slug(p.field) == field_slug), None)


def _answers(session: Session, p: Procedure) -> list[Answer]:
    """The published answers about `p`, the whole procedure's first, then by step in order."""
    order: dict[str | None, int] = {sid: n for n, sid in enumerate(p.states)}
    rows = service.published(session, p.code)
    rows.sort(key=lambda q: order.get(q.state, -1))
    return [Answer(p.states[q.state].label if q.state in p.states else None, q) for q in rows]


def chapter(session: Session, p: Procedure, number: int) -> Chapter:
    steps = []
    for sid, s in p.states.items():
        guidance = p.guidance.get(sid, "")
        problem = None if (s.final and not guidance.strip()) else citation_problem(guidance)
        steps.append(
            Step(
                id=sid,
                label=s.label,
                roles=list(s.roles),
                allot=s.allot,
                paused=s.paused,
                final=s.final,
                guidance=guidance,
                checklist=list(p.checklists.get(sid, [])),
                actions=step_actions(p, sid),
                uncited=PROBLEMS[problem] if problem else None,
            )
        )
    return Chapter(
        number=number,
        anchor=f"c{number}",
        p=p,
        level=LEVELS[p.level],
        limit=limit_text(p),
        fee=fee_text(p),
        sources=source_lines(p),
        recheck=recheck_lines(p),
        code_kind=getattr(p, "code_kind", None),
        steps=steps,
        answers=_answers(session, p),
    )


def of_procedure(session: Session, p: Procedure, today: date) -> Booklet:
    return Booklet(
        title=p.name,
        subtitle=f"Mã {p.code} · {LEVELS[p.level]} · {p.field}",
        chapters=[chapter(session, p, 1)],
        printed_on=today,
        filename=f"so-tay-{slug(p.code)}.pdf",
        back_url=f"/procedures/{p.code}",
        pdf_url=f"/procedures/{p.code}/booklet.pdf",
        whole=False,
        levels=[p.level],
    )


def of_field(
    session: Session,
    registry: ProcedureRegistry,
    field_name: str,
    level: str | None,
    today: date,
) -> Booklet:
    chosen = service.procedures_of_field(registry, field_name, level)
    query = f"?level={level}" if level else ""
    back = urlencode({"field": field_name, **({"level": level} if level else {})})
    name = slug(field_name) + (f"-{level}" if level else "")
    return Booklet(
        title="Sổ tay hướng dẫn thủ tục",
        subtitle=f"Lĩnh vực {field_name}" + (f" — {LEVELS[level]}" if level else ""),
        chapters=[chapter(session, p, n) for n, p in enumerate(chosen, 1)],
        printed_on=today,
        filename=f"so-tay-{name}.pdf",
        back_url=f"/procedures?{back}",
        pdf_url=f"/procedures/fields/{slug(field_name)}/booklet.pdf{query}",
        levels=list(dict.fromkeys(p.level for p in chosen)),
    )


# ---- the PDFs kept -------------------------------------------------------------------------------

_lock = threading.Lock()
_kept: weakref.WeakKeyDictionary[ProcedureRegistry, Kept] = weakref.WeakKeyDictionary()


def pdf(
    session: Session,
    registry: ProcedureRegistry,
    key: tuple[object, ...],
    today: date,
    make: Callable[[], bytes],
) -> bytes:
    """The PDF for `key` as of today and the published answers, made by `make` if not kept."""
    full = (*key, today, service.faq_signature(session))
    with _lock:
        kept = _kept.setdefault(registry, Kept(KEEP))
    made: bytes = kept.get_or_make(full, make)
    return made
