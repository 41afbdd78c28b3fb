"""GET /units/search: the unit picker's results (an htmx fragment), or the same results as a page
for looking a unit's code up without JavaScript.

Any signed-in user; the results are units at or below the user's own unit (`search.viewer_root`),
so a province's admin finds only their province. `name` is the picker's field (the results' ids
follow it); the text is `q`, or that field itself (what htmx sends when the field still has its
name: the page before the picker's script ran).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from casework.accounts.models import UnitKind
from casework.units import search
from casework.web.auth import PageUser
from casework.web.deps import SessionDep
from casework.web.templating import is_htmx, render

router = APIRouter(include_in_schema=False)

NAME = r"^[a-z][a-z0-9_]{0,31}$"
KINDS = {k.value for k in UnitKind}


@router.get("/units/search")
def search_units(
    request: Request,
    session: SessionDep,
    user: PageUser,
    q: Annotated[str | None, Query(max_length=100)] = None,
    name: Annotated[str, Query(pattern=NAME)] = "unit",
    kind: Annotated[list[str] | None, Query(max_length=3)] = None,
) -> Response:
    root = search.viewer_root(session, user)
    text = q if q is not None else (request.query_params.get(name) or "")
    kinds = [k for k in kind or [] if k in KINDS]
    found = search.search(session, root, text[:100], kinds=kinds)
    context = {"name": name, "q": text[:100], "found": found, "root": root, "kinds": kinds}
    blocks = ["options"] if is_htmx(request) else None
    return render(request, "units/search.html", context, user=user, block_names=blocks)
