"""Question pages: ask, the asker's list, the mentors' queue, one question (and its answer
form), the searchable list of answered questions, and the nav badge.

Thin views: parse, call `questions.service`, pick a template. A rejected form is shown again
(422) with what was typed and the reason next to each field; a stale answer form (someone else
answered meanwhile) is shown again (409) with the current answer and the text that was typed.
The FAQ on the procedure page is drawn by `handbook.views` with `service.faq`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from casework.accounts.models import User
from casework.clock import WorkCalendar
from casework.db import utcnow
from casework.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from casework.ids import IdPath
from casework.procedures import Procedure, ProcedureRegistry
from casework.questions import service
from casework.questions.models import MAX_ANSWER, MAX_QUESTION, Question
from casework.web.auth import OptionalUser, PageUser, verify_csrf
from casework.web.deps import CalendarsDep, RegistryDep, SessionDep
from casework.web.forms import form_texts
from casework.web.templating import is_htmx, render

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])


def ministry_calendar(session: Session, calendars: CalendarsDep) -> WorkCalendar:
    """Answers come from the ministry: its (national) calendar measures the waiting time."""
    return calendars.for_unit(session, None)


def _procedure_or_none(registry: ProcedureRegistry, code: str) -> Procedure | None:
    try:
        return registry.get(code)
    except NotFound:
        return None


def _step_label(p: Procedure | None, state: str | None) -> str | None:
    if state is None:
        return None
    if p is not None and state in p.states:
        return p.states[state].label
    return state


def _tabs(session: Session, user: User | None) -> dict[str, Any]:
    """What the tab bar of the question pages offers this user."""
    return {
        "can_ask": service.can_ask(user),
        "can_answer": service.can_answer(session, user),
        "unread": service.unread_answers(session, user=user) if user else 0,
        "open_total": service.open_count(session, user)
        if user is not None and service.can_answer(session, user)
        else 0,
    }


# ---- answered questions across procedures ------------------------------------------------------


@router.get("/questions")
def questions_page(
    request: Request,
    session: SessionDep,
    user: OptionalUser,
    registry: RegistryDep,
    calendars: CalendarsDep,
    q: Annotated[str | None, Query(max_length=200)] = None,
    procedure: Annotated[str | None, Query(max_length=64)] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    cal = ministry_calendar(session, calendars)
    code = procedure if procedure and _procedure_or_none(registry, procedure) else None
    found = service.search_answered(
        session, user=user, calendar=cal, q=q, procedure_code=code, page=page
    )
    procedures = {p.code: p for p in registry.all()}
    form = {"q": q or "", "procedure": code or ""}
    context = {
        **_tabs(session, user),
        "section": "answered",
        "page": found,
        "form": form,
        "query": urlencode(form),
        "procedures": procedures,
        "step_label": _step_label,
    }
    blocks = ["results"] if is_htmx(request) else None
    return render(request, "questions/list.html", context, user=user, block_names=blocks)


# ---- asking -----------------------------------------------------------------------------------


def _new_form(
    request: Request,
    session: Session,
    user: User,
    procedure: Procedure,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    message: str | None = None,
) -> Response:
    context = {
        **_tabs(session, user),
        "section": "new",
        "p": procedure,
        "values": values,
        "errors": errors or {},
        "message": message,
        "max_length": MAX_QUESTION,
    }
    status = 422 if errors or message else 200
    return render(request, "questions/new.html", context, user=user, status_code=status)


@router.get("/questions/new")
def new_question(
    request: Request,
    session: SessionDep,
    user: PageUser,
    registry: RegistryDep,
    procedure: Annotated[str, Query(max_length=64)],
    step: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    p = registry.get(procedure)
    if not service.can_ask(user):
        raise PermissionDenied(
            "Chỉ cán bộ tiếp nhận, thụ lý hoặc lãnh đạo ký duyệt mới gửi câu hỏi lên Bộ."
        )
    values = {"step": step if step in p.states else "", "text": ""}
    return _new_form(request, session, user, p, values)


@router.post("/questions")
async def create_question(
    request: Request, session: SessionDep, user: PageUser, registry: RegistryDep
) -> Response:
    values = form_texts(await request.form())
    p = registry.get(str(values.get("procedure", "")))
    try:
        created = service.ask(session, user=user, procedure=p, values=values)
    except ValidationFailed as exc:
        session.rollback()
        return _new_form(request, session, user, p, values, exc.fields, exc.message)
    return RedirectResponse(f"/questions/{created.id}?asked=1", status_code=303)


# ---- the asker's questions --------------------------------------------------------------------


@router.get("/questions/mine")
def my_questions(
    request: Request,
    session: SessionDep,
    user: PageUser,
    registry: RegistryDep,
    calendars: CalendarsDep,
    read: bool = False,
) -> Response:
    found = service.mine(session, user=user, calendar=ministry_calendar(session, calendars))
    context = {
        **_tabs(session, user),
        "section": "mine",
        "mine": found,
        "drawn_at": found.now.isoformat(),
        "procedures": {p.code: p for p in registry.all()},
        "step_label": _step_label,
        "message": "Đã đánh dấu đã đọc các câu trả lời." if read else None,
    }
    return render(request, "questions/mine.html", context, user=user)


@router.post("/questions/mine/read")
async def mark_read(request: Request, session: SessionDep, user: PageUser) -> Response:
    raw = (await request.form()).get("drawn_at")
    at = None
    if isinstance(raw, str):
        try:
            at = datetime.fromisoformat(raw)
        except ValueError:
            at = None
        if at is not None and at.tzinfo is None:
            at = at.replace(tzinfo=UTC)
    service.mark_read(session, user=user, at=at)
    return RedirectResponse("/questions/mine?read=1", status_code=303)


# ---- the mentors' queue -----------------------------------------------------------------------


@router.get("/questions/queue")
def queue_page(
    request: Request,
    session: SessionDep,
    user: PageUser,
    registry: RegistryDep,
    calendars: CalendarsDep,
    procedure: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    code = procedure if procedure and _procedure_or_none(registry, procedure) else None
    found = service.queue(
        session, user=user, calendar=ministry_calendar(session, calendars), procedure_code=code
    )
    context = {
        **_tabs(session, user),
        "section": "queue",
        "queue": found,
        "procedure": code or "",
        "procedures": {p.code: p for p in registry.all()},
        "step_label": _step_label,
    }
    return render(request, "questions/queue.html", context, user=user)


@router.get("/questions/badge")
def badge(request: Request, session: SessionDep, user: OptionalUser) -> Response:
    count = service.badge_count(session, user=user) if user else 0
    return render(
        request,
        "questions/badge.html",
        {"count": count},
        user=user,
        headers={"Cache-Control": "no-store"},
    )


# ---- one question -----------------------------------------------------------------------------


def _question_page(
    request: Request,
    session: Session,
    user: User | None,
    registry: ProcedureRegistry,
    cal: WorkCalendar,
    q: Question,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    message: str | None = None,
    message_kind: str = "notice",
    status_code: int = 200,
) -> Response:
    p = _procedure_or_none(registry, q.procedure_code)
    users, units = service.people(session, [q])
    answerer = service.may_answer(session, user, q)
    insider = user is not None and (q.asker_id == user.id or answerer)
    waited = None
    if q.answered_at is None:
        waited = service.Working.of(
            service.working_minutes(q.asked_at, utcnow(), cal), cal.day_minutes
        )
    context = {
        **_tabs(session, user),
        "section": "",
        "may_answer": answerer,
        "q": q,
        "p": p,
        "step": _step_label(p, q.state),
        "asker": users.get(q.asker_id) if insider else None,
        "unit": units.get(q.unit_id) if insider else None,
        "answerer": users.get(q.answered_by_id) if q.answered_by_id else None,
        "took": service.time_to_answer(q, cal),
        "waited": waited,
        "values": values
        or {"answer": q.answer or "", "public": "1" if q.public else "", "version": q.version},
        "errors": errors or {},
        "message": message,
        "message_kind": message_kind,
        "max_length": MAX_ANSWER,
    }
    return render(request, "questions/detail.html", context, user=user, status_code=status_code)


ASKED_MESSAGE = (
    "Đã gửi câu hỏi lên Bộ. Khi có trả lời, số trên mục «Hỏi đáp» sẽ báo cho bạn; "
    "xem lại ở «Câu hỏi của tôi»."
)


@router.get("/questions/{question_id}")
def question_page(
    question_id: IdPath,
    request: Request,
    session: SessionDep,
    user: OptionalUser,
    registry: RegistryDep,
    calendars: CalendarsDep,
    asked: bool = False,
    answered: bool = False,
) -> Response:
    q = service.get_visible(session, user, question_id)
    message = ASKED_MESSAGE if asked else "Đã lưu câu trả lời." if answered else None
    cal = ministry_calendar(session, calendars)
    return _question_page(request, session, user, registry, cal, q, message=message)


@router.post("/questions/{question_id}/answer")
async def answer_question(
    question_id: IdPath,
    request: Request,
    session: SessionDep,
    user: PageUser,
    registry: RegistryDep,
    calendars: CalendarsDep,
) -> Response:
    service.require_answerer(session, user)
    values = form_texts(await request.form())
    cal = ministry_calendar(session, calendars)
    try:
        service.answer(session, user=user, question_id=question_id, values=values, calendar=cal)
    except (ValidationFailed, Conflict) as exc:
        session.rollback()
        q = service.get_visible(session, user, question_id)
        errors = exc.fields if isinstance(exc, ValidationFailed) else {}
        if isinstance(exc, Conflict):
            values["version"] = str(q.version)  # the next save overwrites knowingly
        return _question_page(
            request, session, user, registry, cal, q, values=values, errors=errors,
            message=exc.message, message_kind="error", status_code=exc.status,
        )  # fmt: skip
    return RedirectResponse(f"/questions/{question_id}?answered=1", status_code=303)
