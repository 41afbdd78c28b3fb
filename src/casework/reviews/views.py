"""Mentor review pages: the review queue, mentor assignments, and the forms on the dossier page.

Plain forms with post/redirect/get: a comment, score or verdict redirects back to the dossier page
at the event it concerns. A rejected form shows the dossier page again (422) with the reason on
top. A user who may not see the dossier gets 404; one who sees it but is not an assigned mentor
gets 403 (`errors.PermissionDenied`, turned into HTTP in `web/handlers.py`).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session, col, select

from casework.accounts.models import Unit, User
from casework.admin import service as admin
from casework.dossiers import queries
from casework.dossiers.catalog import procedure_of
from casework.dossiers.clockwork import CalendarSource
from casework.dossiers.views import dossier_context
from casework.errors import ActionNotAllowed, Conflict, ValidationFailed
from casework.reviews import service
from casework.web.auth import PageUser, verify_csrf
from casework.web.deps import CalendarsDep, SessionDep, TzDep
from casework.web.forms import form_text, form_texts
from casework.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])

PER_PAGE = 20


# ---- the review queue -------------------------------------------------------------------------


@router.get("/reviews")
def review_queue(
    request: Request,
    session: SessionDep,
    user: PageUser,
    status: Annotated[str, Query(pattern="^(pending|reviewed|all)$")] = "pending",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    result = service.review_queue(session, user=user, status=status, page=page, per_page=PER_PAGE)
    ids = [d.id for d in result.items if d.id is not None]
    unit_ids = {d.handling_unit_id for d in result.items}
    units = {u.id: u for u in session.exec(select(Unit).where(col(Unit.id).in_(unit_ids))).all()}
    context = {
        "page": result,
        "status": status,
        "statuses": service.STATUS_LABELS,
        "procedures": {d.id: procedure_of(session, d)[1] for d in result.items},
        "verdicts": service.latest_verdicts(session, ids),
        "verdict_labels": service.VERDICT_LABELS,
        "units": units,
    }
    return render(request, "reviews/queue.html", context, user=user)


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
        "rows": service.list_assignments(session, scope),
        "mentors": service.mentors_in_scope(session, scope),
        "unit_choices": [(u, admin.depth(scope, u)) for u in admin.units(session, scope)],
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
    scope = service.assignment_scope(session, user)
    message = {"saved": "Đã lưu phân công.", "removed": "Đã bỏ phân công."}.get(done or "")
    return _assignments_page(request, session, scope, user, message=message)


@router.post("/reviews/assignments")
async def create_assignment(request: Request, session: SessionDep, user: PageUser) -> Response:
    scope = service.assignment_scope(session, user)
    form = await request.form()
    values = form_texts(form)
    try:
        service.assign(
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
def delete_assignment(assignment_id: int, session: SessionDep, user: PageUser) -> Response:
    scope = service.assignment_scope(session, user)
    service.unassign(session, scope=scope, assignment_id=assignment_id)
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


@router.post("/dossiers/{code}/reviews/comments")
async def comment(
    code: str,
    request: Request,
    session: SessionDep,
    user: PageUser,
    calendars: CalendarsDep,
    tz: TzDep,
) -> Response:
    queries.get_dossier(session, user=user, code=code)
    form = await request.form()
    try:
        ev = service.add_comment(
            session,
            actor=user,
            code=code,
            on=form_text(form, "on"),
            reply_to=form_text(form, "reply_to") or None,
            text=form_text(form, "text"),
        )
    except (ValidationFailed, Conflict) as exc:
        return _failed(request, session, user, code, calendars, tz, exc)
    return RedirectResponse(f"/dossiers/{code}#ev-{ev.payload['on']}", status_code=303)


@router.post("/dossiers/{code}/reviews/scores")
async def score(
    code: str,
    request: Request,
    session: SessionDep,
    user: PageUser,
    calendars: CalendarsDep,
    tz: TzDep,
) -> Response:
    queries.get_dossier(session, user=user, code=code)
    form = await request.form()
    marks = []
    for i in range(100):
        if f"mark_{i}" not in form and f"note_{i}" not in form:
            break
        marks.append((form_text(form, f"mark_{i}"), form_text(form, f"note_{i}")))
    try:
        ev = service.score_step(
            session, actor=user, code=code, on=form_text(form, "on"), marks=marks
        )
    except (ValidationFailed, Conflict) as exc:
        return _failed(request, session, user, code, calendars, tz, exc)
    return RedirectResponse(f"/dossiers/{code}#ev-{ev.payload['on']}", status_code=303)


@router.post("/dossiers/{code}/reviews/verdict")
async def verdict(
    code: str,
    request: Request,
    session: SessionDep,
    user: PageUser,
    calendars: CalendarsDep,
    tz: TzDep,
) -> Response:
    queries.get_dossier(session, user=user, code=code)
    form = await request.form()
    try:
        service.give_verdict(
            session,
            actor=user,
            code=code,
            verdict=form_text(form, "verdict"),
            to_state=form_text(form, "to_state") or None,
            note=form_text(form, "note"),
            calendars=calendars,
        )
    except (ValidationFailed, Conflict, ActionNotAllowed) as exc:
        return _failed(request, session, user, code, calendars, tz, exc)
    return RedirectResponse(f"/dossiers/{code}#verdict", status_code=303)
