"""Mentor review pages: the review queue and its bulk pass, mentor assignments, and the forms on
the dossier page (the mentor's comment, score and verdict; the trainee's submission and reply).

Plain forms with post/redirect/get: a comment, score, verdict, submission or reply redirects back
to the dossier page at what it concerns. A rejected form shows the dossier page again (409/422)
with the reason on top. A user who may not see the dossier gets 404; one who sees it but may not
do this gets 403 (`errors.PermissionDenied`, turned into HTTP in `web/handlers.py`).

The queue's filters are a GET form; htmx swaps the `results` block and pushes the address, so the
address always says what is shown (as on /readiness). The bulk pass answers with the queue page
itself, naming each run passed or refused (a reload re-sends it: every run then says it already
has its verdict).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session
from starlette.datastructures import FormData

from casework.accounts.models import Role, User
from casework.admin import service as admin
from casework.db import utcnow
from casework.dossiers import queries
from casework.dossiers.clockwork import CalendarSource
from casework.dossiers.views import dossier_context
from casework.errors import ActionNotAllowed, Conflict, PermissionDenied, ValidationFailed
from casework.ids import IdPath
from casework.learning.levels import catalog_of
from casework.procedures import ProcedureRegistry
from casework.reviews import assignments as assigning
from casework.reviews import queue, service, submissions
from casework.reviews.waiting import REMIND_AFTER_DAYS
from casework.scenarios.schema import ScenarioRegistry
from casework.text import fold
from casework.units import search as units_search
from casework.web.auth import PageUser, verify_csrf
from casework.web.deps import CalendarsDep, RegistryDep, SessionDep, TzDep
from casework.web.forms import form_text, form_texts
from casework.web.templating import is_htmx, render

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])

Text = Annotated[str, Query(max_length=100)]


# ---- the review queue -------------------------------------------------------------------------


def _scenarios(request: Request) -> ScenarioRegistry:
    registry: ScenarioRegistry = request.app.state.scenarios
    return registry


def _queue_page(
    request: Request,
    session: Session,
    user: User,
    calendars: CalendarSource,
    registry: ProcedureRegistry,
    filters: queue.Filters,
    *,
    result: queue.BulkResult | None = None,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    message: str | None = None,
    status_code: int = 200,
) -> Response:
    now = utcnow()
    found, f = queue.review_queue(session, user=user, filters=filters, calendars=calendars, now=now)
    context = {
        "page": found,
        "filters": f,
        "statuses": list(queue.STATUS_LABELS),
        "waiting_choices": list(queue.WAITING_LABELS),
        "picked_unit": queue.unit_by_code(session, f.unit),
        "procedure_choices": sorted(
            ((p.code, p.name) for p in registry.all()), key=lambda c: fold(c[1])
        ),
        "cards": queue.cards(
            session, found.items, scenarios=_scenarios(request), calendars=calendars, now=now
        ),
        "remind_after": REMIND_AFTER_DAYS,
        "url": lambda **changes: "/reviews?" + f.query(**changes),
        "result": result,
        "values": values or {},
        "errors": errors or {},
        "message": message,
    }
    blocks = ["results"] if is_htmx(request) else None
    return render(
        request, "reviews/queue.html", context, user=user, status_code=status_code,
        block_names=blocks,
    )  # fmt: skip


@router.get("/reviews")
def review_queue(
    request: Request,
    session: SessionDep,
    user: PageUser,
    calendars: CalendarsDep,
    registry: RegistryDep,
    status: Text = "",
    unit: Text = "",
    procedure: Text = "",
    trainee: Text = "",
    waiting: Text = "",
    page: Text = "",
) -> Response:
    filters = queue.Filters.parse(
        {"status": status, "unit": unit, "procedure": procedure, "trainee": trainee,
         "waiting": waiting, "page": page}
    )  # fmt: skip
    return _queue_page(request, session, user, calendars, registry, filters)


@router.post("/reviews/bulk-pass")
async def bulk_pass(
    request: Request,
    session: SessionDep,
    user: PageUser,
    calendars: CalendarsDep,
    registry: RegistryDep,
) -> Response:
    if not user.has_role(Role.mentor):
        raise PermissionDenied("Chỉ cán bộ hướng dẫn mới nhận xét hồ sơ làm thử.")
    form = await request.form()
    values = form_texts(form)
    filters = queue.Filters.parse({k: str(v) for k, v in values.items()})
    codes = [v for v in form.getlist("code") if isinstance(v, str)]
    values["codes"] = codes
    try:
        result = queue.bulk_pass(
            session, actor=user, codes=codes, note=values.get("note", ""),
            scenarios=_scenarios(request), calendars=calendars,
            levels=catalog_of(request.app.state),
        )  # fmt: skip
    except ValidationFailed as exc:
        session.rollback()
        return _queue_page(
            request, session, user, calendars, registry, filters, values=values,
            errors=exc.fields, message=exc.message, status_code=exc.status,
        )  # fmt: skip
    session.expire_all()
    return _queue_page(
        request, session, user, calendars, registry, filters, result=result,
        values={} if result.passed else values, status_code=200 if result.passed else 422,
    )  # fmt: skip


# ---- assignments ------------------------------------------------------------------------------


def _assignments_page(
    request: Request,
    session: Session,
    scope: admin.Scope,
    user: User,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    message: str | None = None,
    message_kind: str = "notice",
    status_code: int = 200,
) -> Response:
    context = {
        "root": scope.root,
        "rows": assigning.list_assignments(session, scope),
        "mentors": assigning.mentors_in_scope(session, scope),
        # the unit the form names (the picker's code, or an id from older forms), for its label
        "picked": units_search.lookup(session, scope.root, (values or {}).get("unit_id")),
        "values": values or {},
        "errors": errors or {},
        "message": message,
        "message_kind": message_kind,
    }
    return render(request, "reviews/assignments.html", context, user=user, status_code=status_code)


@router.get("/reviews/assignments")
def assignments(
    request: Request, session: SessionDep, user: PageUser, done: str | None = None
) -> Response:
    scope = assigning.assignment_scope(session, user)
    message = {"saved": "Đã lưu phân công.", "removed": "Đã bỏ phân công."}.get(done or "")
    return _assignments_page(request, session, scope, user, message=message)


@router.post("/reviews/assignments")
async def create_assignment(request: Request, session: SessionDep, user: PageUser) -> Response:
    scope = assigning.assignment_scope(session, user)
    form = await request.form()
    values = form_texts(form)
    try:
        assigning.assign(
            session,
            scope=scope,
            mentor_id=values.get("mentor_id"),
            unit_id=values.get("unit_id"),
            can_view_real=values.get("can_view_real") == "1",
        )
    except (ValidationFailed, Conflict) as exc:
        session.rollback()
        fields = exc.fields if isinstance(exc, ValidationFailed) else {}
        return _assignments_page(
            request, session, scope, user, values=values, errors=fields,
            message=exc.message, message_kind="error", status_code=exc.status,
        )  # fmt: skip
    return RedirectResponse("/reviews/assignments?done=saved", status_code=303)


@router.post("/reviews/assignments/{assignment_id}/delete")
def delete_assignment(assignment_id: IdPath, session: SessionDep, user: PageUser) -> Response:
    scope = assigning.assignment_scope(session, user)
    assigning.unassign(session, scope=scope, assignment_id=assignment_id)
    return RedirectResponse("/reviews/assignments?done=removed", status_code=303)


# ---- forms on the dossier page ----------------------------------------------------------------


def _failed(
    request: Request,
    session: Session,
    user: User,
    code: str,
    calendars: CalendarSource,
    tz: Any,
    exc: ValidationFailed | Conflict | ActionNotAllowed,
) -> Response:
    session.rollback()
    session.expire_all()
    dossier = queries.get_dossier(session, user=user, code=code)
    ctx = dossier_context(
        session, user, dossier, calendars, tz, message=exc.message, message_kind="error"
    )
    return render(request, "dossiers/detail.html", ctx, user=user, status_code=exc.status)


@dataclass(frozen=True)
class _OnDossier:
    """What a form on the dossier page needs: to write, and to draw the page again on refusal."""

    request: Request
    session: Session
    user: User
    calendars: CalendarSource
    tz: Any


def _on_dossier(
    request: Request, session: SessionDep, user: PageUser, calendars: CalendarsDep, tz: TzDep
) -> _OnDossier:
    return _OnDossier(request, session, user, calendars, tz)


OnDossier = Annotated[_OnDossier, Depends(_on_dossier)]


async def _dossier_form(p: _OnDossier, code: str, write: Callable[[FormData], str]) -> Response:
    """Read the form, write through one service (`write` returns the page's anchor to go back
    to), redirect; a refusal draws the dossier page again with the reason on top."""
    queries.get_dossier(p.session, user=p.user, code=code)
    form = await p.request.form()
    try:
        anchor = write(form)
    except (ValidationFailed, Conflict, ActionNotAllowed) as exc:
        return _failed(p.request, p.session, p.user, code, p.calendars, p.tz, exc)
    return RedirectResponse(f"/dossiers/{code}#{anchor}", status_code=303)


@router.post("/dossiers/{code}/reviews/comments")
async def comment(code: str, p: OnDossier) -> Response:
    def write(form: FormData) -> str:
        ev = service.add_comment(
            p.session, actor=p.user, code=code, on=form_text(form, "on"),
            reply_to=form_text(form, "reply_to") or None, text=form_text(form, "text"),
        )  # fmt: skip
        return f"ev-{ev.payload['on']}"

    return await _dossier_form(p, code, write)


@router.post("/dossiers/{code}/reviews/scores")
async def score(code: str, p: OnDossier) -> Response:
    def write(form: FormData) -> str:
        marks = []
        for i in range(100):
            if f"mark_{i}" not in form and f"note_{i}" not in form:
                break
            marks.append((form_text(form, f"mark_{i}"), form_text(form, f"note_{i}")))
        ev = service.score_step(
            p.session, actor=p.user, code=code, on=form_text(form, "on"), marks=marks
        )
        return f"ev-{ev.payload['on']}"

    return await _dossier_form(p, code, write)


@router.post("/dossiers/{code}/reviews/verdict")
async def verdict(code: str, p: OnDossier) -> Response:
    def write(form: FormData) -> str:
        service.give_verdict(
            p.session, actor=p.user, code=code, verdict=form_text(form, "verdict"),
            to_state=form_text(form, "to_state") or None, note=form_text(form, "note"),
            calendars=p.calendars, levels=catalog_of(p.request.app.state),
        )  # fmt: skip
        return "verdict"

    return await _dossier_form(p, code, write)


# ---- the trainee's forms on the dossier page --------------------------------------------------


@router.post("/dossiers/{code}/reviews/submit")
async def submit(code: str, p: OnDossier) -> Response:
    def write(form: FormData) -> str:
        submissions.submit(p.session, actor=p.user, code=code, note=form_text(form, "note"))
        return "submit-review"

    return await _dossier_form(p, code, write)


@router.post("/dossiers/{code}/reviews/withdraw")
async def withdraw(code: str, p: OnDossier) -> Response:
    def write(form: FormData) -> str:
        submissions.withdraw(p.session, actor=p.user, code=code)
        return "submit-review"

    return await _dossier_form(p, code, write)


@router.post("/dossiers/{code}/reviews/replies")
async def reply(code: str, p: OnDossier) -> Response:
    def write(form: FormData) -> str:
        ev = submissions.reply(
            p.session, actor=p.user, code=code, reply_to=form_text(form, "reply_to"),
            text=form_text(form, "text"),
        )  # fmt: skip
        return f"ev-{ev.seq}"

    return await _dossier_form(p, code, write)
