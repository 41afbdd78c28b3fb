"""Handbook pages: the procedure list with its full-text search, and a procedure page.

`/procedures` without a query lists the procedures by field (with each field's printed booklet);
with `q` it lists the passages that match (names, steps' guidance, checklists, documents, legal
bases, sources, published answers), best first, each with its snippet and a link to the exact
place, 20 a page. htmx swaps only the results, and the address follows. The printed handbook is
in `booklet_views`.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from casework import capabilities
from casework.accounts.models import ACTING_ROLES, Unit, User
from casework.dossiers.catalog import procedure_of_version, stored_version, versions_of
from casework.dossiers.service import LEVEL_FOR_UNIT
from casework.handbook import booklet_views, service
from casework.handbook.booklet import slug
from casework.handbook.passages import KIND_LABELS
from casework.handbook.search import HandbookFilter, search
from casework.ids import IdQuery
from casework.learning import service as learning
from casework.learning.levels import catalog_of
from casework.procedures import Procedure, diagrams
from casework.procedures.diff import diff
from casework.questions import service as questions
from casework.web.auth import OptionalUser, verify_csrf
from casework.web.deps import CalendarsDep, RegistryDep, SessionDep, TzDep
from casework.web.templating import is_htmx, render

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])
router.include_router(booklet_views.router)


@router.get("/procedures")
def procedure_list(
    request: Request,
    registry: RegistryDep,
    session: SessionDep,
    user: OptionalUser,
    level: Annotated[str | None, Query(max_length=20)] = None,
    field: Annotated[str | None, Query(max_length=200)] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    procedures = registry.all()
    f = HandbookFilter(level=level or None, field=field or None, q=(q or "").strip() or None)
    listed = search(procedures, HandbookFilter(level=f.level, field=f.field))
    groups: dict[str, list[Procedure]] = {}
    for p in sorted(listed, key=lambda p: p.field):
        groups.setdefault(p.field, []).append(p)
    results = None
    if f.q:
        results = service.find(session, registry, q=f.q, level=f.level, field=f.field, page=page)

    def url(**changes: object) -> str:
        values = {"q": f.q, "level": f.level, "field": f.field, "page": page, **changes}
        kept = {k: v for k, v in values.items() if v not in (None, "", 1)}
        return "/procedures" + ("?" + urlencode(kept) if kept else "")

    context = {
        "results": results,
        "groups": groups,
        "found": listed,
        "filter": f,
        "levels": sorted({p.level for p in procedures}),
        "fields": sorted({p.field for p in procedures}),
        "total": len(procedures),
        "url": url,
        "slug": slug,
        "kinds": KIND_LABELS,
        "pdf": capabilities.pdf_available(),
    }
    if is_htmx(request):
        return render(request, "handbook/list.html", context, user=user, block_names=["results"])
    return render(request, "handbook/list.html", context, user=user)


def _can_open(session: SessionDep, user: User | None, procedure: Procedure) -> bool:
    if user is None or not user.has_role(*ACTING_ROLES):
        return False
    unit = session.get(Unit, user.unit_id)
    initial_roles = procedure.states[procedure.initial_state].roles
    return (
        unit is not None
        and LEVEL_FOR_UNIT.get(unit.kind) == procedure.level  # type: ignore[call-overload]
        and user.has_role(*initial_roles)
    )


@router.get("/procedures/{code}")
def procedure_page(
    code: str,
    request: Request,
    registry: RegistryDep,
    session: SessionDep,
    user: OptionalUser,
    calendars: CalendarsDep,
    tz: TzDep,
    faq_q: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    procedure = registry.get(code)
    faq = questions.faq(
        session, procedure=procedure, calendar=calendars.for_unit(session, None), q=faq_q
    )
    if is_htmx(request):  # the FAQ search swaps only its results
        return render(
            request,
            "handbook/detail.html",
            {"p": procedure, "faq": faq, "can_ask": questions.can_ask(user)},
            user=user,
            block_names=["faq"],
        )
    learning.record_read(  # the path
        session, user=user, procedure_code=procedure.code, tz=tz,
        levels=catalog_of(request.app.state),
    )  # fmt: skip
    rows = versions_of(session, code)
    history = []
    for newer, older in zip(rows, rows[1:], strict=False):
        history.append((newer, diff(procedure_of_version(older), procedure_of_version(newer))))
    if rows:
        history.append((rows[-1], []))
    common = diagrams.everywhere_actions(procedure)
    return render(
        request,
        "handbook/detail.html",
        {
            "p": procedure,
            "history": history,
            "current_hash": procedure.content_hash,
            "diagram": diagrams.dot_available(),
            "common_actions": common,
            "can_open": _can_open(session, user, procedure),
            "faq": faq,
            "can_ask": questions.can_ask(user),
            "pdf": capabilities.pdf_available(),
            "field_slug": slug(procedure.field),
        },
        user=user,
    )


@router.get("/procedures/{code}/diagram.svg")
def procedure_diagram(
    code: str,
    registry: RegistryDep,
    session: SessionDep,
    version: IdQuery = None,
    current: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    """The state diagram as SVG; `version` for a stored version, `current` to highlight a step."""
    procedure = (
        procedure_of_version(stored_version(session, code, version))
        if version is not None
        else registry.get(code)
    )
    if current is not None and current not in procedure.states:
        current = None
    svg = diagrams.to_svg(procedure, current=current)
    return Response(
        svg,
        media_type="image/svg+xml",
        headers={
            "Cache-Control": "public, max-age=3600",
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
            "X-Content-Type-Options": "nosniff",
        },
    )
