"""Admin pages: users, units and calendars under the admin's own unit.

Thin views: parse the form, call one function of `admin.service`, pick a template. A non-admin
gets a 403; a user or unit outside the admin's subtree is a 404. Forms post and redirect; a
rejected form is shown again (422) with what was typed and the reason next to each field. htmx
swaps the `users` block when filtering. A calendar change answers with the page itself (no
redirect), because its result is the list of open dossiers whose due moved.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from casework.accounts import service as accounts
from casework.accounts import sessions
from casework.accounts.models import Role, Unit, User
from casework.admin import grants, history, operator, service, unit_views
from casework.admin.pages import base, picked, role_choices, texts
from casework.errors import ValidationFailed
from casework.ids import CountQuery, IdPath
from casework.paging import Page
from casework.units import search
from casework.web.auth import PageUser, now, timeouts, verify_csrf
from casework.web.deps import SessionDep
from casework.web.forms import form_text
from casework.web.templating import is_htmx, render

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])
router.include_router(unit_views.router)
log = logging.getLogger("casework.access")


def _refused(request: Request, admin: User, exc: grants.GrantRefused) -> None:
    """A grant the table refuses is a refused access: logged as the error handler logs one."""
    log.warning(
        "access_refused status=403 path=%s user=%s reason=%s",
        request.url.path, admin.username, exc.code,
    )  # fmt: skip


# ---- users ----------------------------------------------------------------------------------


@router.get("/admin")
def admin_home(session: SessionDep, user: PageUser) -> Response:
    service.scope_of(session, user)
    return RedirectResponse("/admin/users", status_code=303)


@router.get("/admin/users")
def users_page(
    request: Request,
    session: SessionDep,
    user: PageUser,
    unit: Annotated[str | None, Query(max_length=100)] = None,
    role: Annotated[str | None, Query(max_length=16)] = None,
    active: Annotated[str | None, Query(pattern="^(1|0)?$")] = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    created: str | None = None,
) -> Response:
    scope = service.scope_of(session, user)
    chosen, problem = search.pick(session, scope.root, unit)
    filters = service.UserFilter(
        unit_id=chosen.id if chosen else None,
        role=role if role in {r.value for r in Role} else None,
        active=None if not active else active == "1",
        q=q or None,
    )
    if problem:
        result = Page[User]([], 0, 1, service.PER_PAGE)
    else:
        result = service.list_users(session, scope, filters, page=page)
    form = {
        "unit": chosen.code if chosen else (unit or "").strip(),
        "role": filters.role or "",
        "active": active or "",
        "q": q or "",
    }
    context = {
        **base(scope, "users"),
        "page": result,
        "form": form,
        "chosen": chosen,
        "errors": {"unit": problem} if problem else {},
        "units": service.unit_names(session, (u.unit_id for u in result.items)),
        "query": urlencode(form),
        "message": f"Đã tạo tài khoản {created}." if created else None,
    }
    blocks = ["users"] if is_htmx(request) else None
    return render(
        request, "admin/users.html", context, user=user, block_names=blocks,
        status_code=422 if problem else 200,
    )  # fmt: skip


def _new_user_form(
    request: Request,
    session: Session,
    scope: service.Scope,
    admin: User,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    message: str | None = None,
    status: int | None = None,
) -> Response:
    context = {
        **base(scope, "users"),
        "values": values,
        "picked": picked(session, scope, values, "unit_id"),
        "roles": role_choices(scope, None, values.get("roles", [])),
        "errors": errors or {},
        "message": message,
        "min_password": accounts.MIN_PASSWORD_LENGTH,
    }
    if status is None:
        status = 422 if errors or message else 200
    return render(request, "admin/user_new.html", context, user=admin, status_code=status)


@router.get("/admin/users/new")
def new_user_form(request: Request, session: SessionDep, user: PageUser) -> Response:
    scope = service.scope_of(session, user)
    values = {"unit_id": scope.root.code, "roles": [Role.receiver.value]}
    return _new_user_form(request, session, scope, user, values)


@router.post("/admin/users")
async def create_user(request: Request, session: SessionDep, user: PageUser) -> Response:
    scope = service.scope_of(session, user)
    values = texts(await request.form())
    try:
        created = service.create_user(session, scope, values)
    except (ValidationFailed, grants.GrantRefused) as exc:
        session.rollback()
        values["password"] = ""  # never echo a password back into the page
        status = exc.status
        if isinstance(exc, grants.GrantRefused):
            _refused(request, user, exc)
        return _new_user_form(
            request, session, scope, user, values, exc.fields, exc.message, status=status
        )
    return RedirectResponse(f"/admin/users/{created.id}?created=1", status_code=303)


def _user_page(
    request: Request,
    session: Session,
    scope: service.Scope,
    admin: User,
    target: User,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    failed: str | None = None,
    message: str | None = None,
    message_kind: str = "notice",
    status_code: int = 200,
) -> Response:
    target_unit = session.get(Unit, target.unit_id)
    values = values or {
        "full_name": target.full_name,
        "unit_id": target_unit.code if target_unit else "",
        "roles": target.roles,
    }
    is_self = target.id == admin.id
    peer = target_unit is not None and grants.is_peer_admin(admin, scope.root, target, target_unit)
    live = [] if is_self or peer else sessions.active(
        session, user=target, timeouts=timeouts(request), now=now()
    )  # fmt: skip
    context = {
        **base(scope, "users"),
        "target": target,
        "target_unit": target_unit,
        "values": values,
        "picked": picked(session, scope, values, "unit_id"),
        "roles": role_choices(scope, target, values.get("roles", []), frozen=is_self or peer),
        "locked_reason": grants.SELF_ROLES if is_self else grants.PEER if peer else None,
        "self_password": grants.SELF_PASSWORD,
        "history": history.lines(session, target),
        "errors": errors or {},
        "failed": failed,
        "message": message,
        "message_kind": message_kind,
        "tokens": accounts.count_active_tokens(session, user=target),
        "sessions": [{"row": r, "device": sessions.device(r.user_agent)} for r in live],
        "is_self": is_self,
        "peer": peer,
        "min_password": accounts.MIN_PASSWORD_LENGTH,
    }
    return render(request, "admin/user_edit.html", context, user=admin, status_code=status_code)


DONE_MESSAGES = {
    "created": "Đã tạo tài khoản. Báo cho người dùng tên đăng nhập và mật khẩu ban đầu.",
    "saved": "Đã lưu thay đổi.",
    "locked": "Đã khóa tài khoản: người dùng không đăng nhập và không dùng API được nữa.",
    "unlocked": "Đã mở khóa tài khoản.",
    "password": "Đã đặt mật khẩu mới. Báo cho người dùng và nhắc họ giữ kín.",
    "revoked": "Đã thu hồi các mã truy cập API.",
    "session": "Đã kết thúc phiên đó: thiết bị ấy phải đăng nhập lại.",
}


@router.get("/admin/users/{user_id}")
def user_page(
    user_id: IdPath,
    request: Request,
    session: SessionDep,
    user: PageUser,
    created: bool = False,
    done: Annotated[str | None, Query(max_length=16)] = None,
    n: CountQuery = None,
) -> Response:
    scope = service.scope_of(session, user)
    target = service.user_in_scope(session, scope, user_id)
    message = DONE_MESSAGES.get("created" if created else done or "")
    if done == "revoked" and n is not None:
        message = f"Đã thu hồi {n} mã truy cập API."
    return _user_page(request, session, scope, user, target, message=message)


@router.post("/admin/users/{user_id}")
async def update_user(
    user_id: IdPath, request: Request, session: SessionDep, user: PageUser
) -> Response:
    scope = service.scope_of(session, user)
    target = service.user_in_scope(session, scope, user_id)
    values = texts(await request.form())
    try:
        service.update_user(session, scope, target, values)
    except (ValidationFailed, grants.GrantRefused) as exc:
        session.rollback()
        if isinstance(exc, grants.GrantRefused):
            _refused(request, user, exc)
        target = service.user_in_scope(session, scope, user_id)
        return _user_page(
            request, session, scope, user, target, values=values, errors=exc.fields,
            failed="edit", message=exc.message, message_kind="error", status_code=exc.status,
        )  # fmt: skip
    return RedirectResponse(f"/admin/users/{user_id}?done=saved", status_code=303)


@router.post("/admin/users/{user_id}/active")
async def set_active(
    user_id: IdPath, request: Request, session: SessionDep, user: PageUser
) -> Response:
    scope = service.scope_of(session, user)
    target = service.user_in_scope(session, scope, user_id)
    active = (await request.form()).get("active") == "1"
    try:
        service.set_active(session, scope, target, active=active)
    except grants.GrantRefused as exc:
        session.rollback()
        _refused(request, user, exc)
        target = service.user_in_scope(session, scope, user_id)
        return _user_page(
            request, session, scope, user, target, errors=exc.fields, failed="active",
            message=exc.message, message_kind="error", status_code=exc.status,
        )  # fmt: skip
    done = "unlocked" if active else "locked"
    return RedirectResponse(f"/admin/users/{user_id}?done={done}", status_code=303)


@router.post("/admin/users/{user_id}/password")
async def reset_password(
    user_id: IdPath, request: Request, session: SessionDep, user: PageUser
) -> Response:
    scope = service.scope_of(session, user)
    target = service.user_in_scope(session, scope, user_id)
    form = await request.form()
    password = form_text(form, "password")
    again = form_text(form, "password_again")
    try:
        service.reset_password(session, scope, target, password=password, again=again)
    except (ValidationFailed, grants.GrantRefused) as exc:
        session.rollback()
        if isinstance(exc, grants.GrantRefused):
            _refused(request, user, exc)
        target = service.user_in_scope(session, scope, user_id)
        return _user_page(
            request, session, scope, user, target, errors=exc.fields,
            failed="password", message=exc.message, message_kind="error", status_code=exc.status,
        )  # fmt: skip
    return RedirectResponse(f"/admin/users/{user_id}?done=password", status_code=303)


@router.post("/admin/users/{user_id}/sessions/{session_id}/end")
def end_session(
    user_id: IdPath, session_id: IdPath, request: Request, session: SessionDep, user: PageUser
) -> Response:
    scope = service.scope_of(session, user)
    target = service.user_in_scope(session, scope, user_id)
    try:
        service.end_session(
            session, scope, target, session_id, timeouts=timeouts(request), now=now()
        )
    except grants.GrantRefused as exc:
        session.rollback()
        _refused(request, user, exc)
        target = service.user_in_scope(session, scope, user_id)
        return _user_page(
            request, session, scope, user, target, errors=exc.fields, failed="session",
            message=exc.message, message_kind="error", status_code=exc.status,
        )  # fmt: skip
    return RedirectResponse(f"/admin/users/{user_id}?done=session", status_code=303)


@router.post("/admin/users/{user_id}/tokens/revoke")
def revoke_tokens(user_id: IdPath, session: SessionDep, user: PageUser) -> Response:
    scope = service.scope_of(session, user)
    target = service.user_in_scope(session, scope, user_id)
    n = operator.revoke_tokens(session, user=target, actor=user)
    return RedirectResponse(f"/admin/users/{user_id}?done=revoked&n={n}", status_code=303)
