"""The printed handbook: one procedure or a whole field, as a page to print and as a PDF.

- `GET /procedures/{code}/booklet` and `…/booklet.pdf`: one procedure;
- `GET /procedures/fields/{field}/booklet` and `…/booklet.pdf` (`?level=commune|province|…`):
  every procedure of the field (its name without accents, as in the handbook's links), with a
  cover and a table of contents.

Public, like the handbook. An unknown procedure, field or level, or a field with no procedure at
that level: 404 in Vietnamese. Where WeasyPrint cannot load Pango the PDF is a 503 with the
install hint and the print page offers «In» with a note instead of «Tải PDF».
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from casework import capabilities
from casework.accounts.models import User
from casework.dossiers.slip_views import PDF, PDF_NOTE, html_to_pdf
from casework.errors import NotFound
from casework.handbook import booklet as booklets
from casework.handbook.passages import LEVELS
from casework.web.auth import OptionalUser, verify_csrf
from casework.web.deps import RegistryDep, SessionDep, TzDep
from casework.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])
TEMPLATE = "handbook/booklet.html"
LevelQuery = Annotated[str | None, Query(max_length=20)]


def _css(request: Request) -> str:
    path: Path = request.app.state.settings.templates_dir / "static" / "css" / "booklet.css"
    return path.read_text(encoding="utf-8")


def respond(
    request: Request,
    session: SessionDep,
    registry: RegistryDep,
    user: User | None,
    book: booklets.Booklet,
    key: tuple[object, ...],
    as_pdf: bool,
    template: str = TEMPLATE,
    extra: dict[str, Any] | None = None,
) -> Response:
    """The booklet's print page, or its PDF (kept per `key`, see `booklet.pdf`). `template`
    extends `handbook/booklet.html` with what `extra` gives it (the workshop's draft print)."""
    context: dict[str, Any] = {"book": book, "pdf": as_pdf, **(extra or {})}
    if not as_pdf:
        context["pdf_note"] = None if capabilities.pdf_available() else PDF_NOTE
        return render(request, template, context, user=user)
    capabilities.require_pdf()  # before anything is rendered for nothing

    def make() -> bytes:
        env = request.app.state.templates.env
        html = env.get_template(template).render(
            {**context, "user": None, "request": request, "csrf_token": ""}
        )
        return html_to_pdf(html, _css(request))

    body = booklets.pdf(session, registry, key, book.printed_on, make)
    return Response(
        body,
        media_type=PDF,
        headers={
            "Content-Disposition": f'inline; filename="{book.filename}"',
            "Cache-Control": "public, max-age=300",
        },
    )


def wants_pdf(request: Request) -> bool:
    """Each booklet has two addresses, the page and `….pdf`, served by one function."""
    return request.url.path.endswith(".pdf")


def procedure_booklet(
    code: str,
    request: Request,
    session: SessionDep,
    registry: RegistryDep,
    user: OptionalUser,
    tz: TzDep,
) -> Response:
    p = registry.get(code)
    book = booklets.of_procedure(session, p, datetime.now(tz).date())
    key = ("procedure", p.code)
    return respond(request, session, registry, user, book, key, wants_pdf(request))


def field_booklet(
    field_slug: str,
    request: Request,
    session: SessionDep,
    registry: RegistryDep,
    user: OptionalUser,
    tz: TzDep,
    level: LevelQuery = None,
) -> Response:
    name = booklets.field_of(registry, field_slug)
    if name is None:
        raise NotFound(f"Không có lĩnh vực «{field_slug}» trong sổ tay.")
    level = level or None
    if level is not None and level not in LEVELS:
        raise NotFound(f"Không có cấp «{level}». Các cấp: {', '.join(LEVELS)}.")
    book = booklets.of_field(session, registry, name, level, datetime.now(tz).date())
    if not book.chapters:
        where = LEVELS.get(level or "", "cấp này").lower()
        raise NotFound(f"Lĩnh vực «{name}» không có thủ tục nào ở {where}.")
    key = ("field", field_slug, level)
    return respond(request, session, registry, user, book, key, wants_pdf(request))


for _path, _endpoint in (
    ("/procedures/{code}/booklet", procedure_booklet),
    ("/procedures/fields/{field_slug}/booklet", field_booklet),
):
    router.add_api_route(_path, _endpoint, methods=["GET"])
    router.add_api_route(f"{_path}.pdf", _endpoint, methods=["GET"])
