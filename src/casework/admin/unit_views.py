"""Admin pages: the units under the admin's own unit (a filtered, paged list in tree order; htmx
swaps the `units` block when filtering) and adding one (a plain form: posts and redirects; a
refused form is shown again, 422, with what was typed and the reason next to each field)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from casework.accounts.models import UnitKind, User
from casework.admin import service, tree
from casework.admin.pages import base, picked, texts
from casework.errors import ValidationFailed
from casework.paging import Page
from casework.units import search
from casework.web.auth import PageUser, verify_csrf
from casework.web.deps import SessionDep
from casework.web.templating import is_htmx, render

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])


def _units_page(
    request: Request,
    session: Session,
    scope: service.Scope,
    admin: User,
    *,
    filters: dict[str, str] | None = None,
    page: int = 1,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    message: str | None = None,
    message_kind: str = "notice",
    status_code: int = 200,
) -> Response:
    form = {"q": "", "under": "", "kind": "", **(filters or {})}
    under, problem = search.pick(session, scope.root, form["under"])
    kind = form["kind"] if form["kind"] in service.KIND_LABELS else ""
    form["kind"] = kind
    if under is not None:
        form["under"] = under.code
    if problem:
        result = Page[tree.UnitRow]([], 0, 1, tree.PER_PAGE)
        errors = {**(errors or {}), "under": problem}
        status_code = 422
    else:
        wanted = tree.UnitFilter(q=form["q"].strip(), under=under, kind=kind)
        result = tree.list_units(session, scope, wanted, page=page)
    values = values or {"parent_id": scope.root.code, "kind": UnitKind.commune.value}
    context = {
        **base(scope, "units"),
        "form": form,
        "under": under,
        "page": result,
        "query": urlencode(form),
        "values": values,
        "parent": picked(session, scope, values, "parent_id"),
        "parent_kinds": tree.PARENT_KINDS,
        "errors": errors or {},
        "message": message,
        "message_kind": message_kind,
        "kinds": [k.value for k in UnitKind if k != UnitKind.ministry],
    }
    blocks = ["units"] if is_htmx(request) else None
    return render(
        request, "admin/units.html", context, user=admin, status_code=status_code,
        block_names=blocks,
    )  # fmt: skip


@router.get("/admin/units")
def units_page(
    request: Request,
    session: SessionDep,
    user: PageUser,
    q: Annotated[str, Query(max_length=100)] = "",
    under: Annotated[str, Query(max_length=100)] = "",
    kind: Annotated[str, Query(max_length=16)] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    created: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    scope = service.scope_of(session, user)
    message = f"Đã tạo đơn vị {created}." if created else None
    filters = {"q": q or created or "", "under": under, "kind": kind}  # just made: shown
    return _units_page(request, session, scope, user, filters=filters, page=page, message=message)


@router.post("/admin/units")
async def create_unit(request: Request, session: SessionDep, user: PageUser) -> Response:
    scope = service.scope_of(session, user)
    values = texts(await request.form())
    try:
        unit = tree.create_unit(session, scope, values)
    except ValidationFailed as exc:
        session.rollback()
        return _units_page(
            request, session, scope, user, values=values, errors=exc.fields,
            message=exc.message, message_kind="error", status_code=422,
        )  # fmt: skip
    return RedirectResponse(f"/admin/units?{urlencode({'created': unit.code})}", status_code=303)
