"""Printable slips: Mẫu 01–06 of a dossier (HTML, PDF) and the tracking book Mẫu 07 of a unit
(HTML, PDF, XLSX). Thin: check access, read the facts, call a builder in `slips`, lay it out.

- `GET /dossiers/{code}/slips/{kind}` and `…/{kind}.pdf`, kinds as in `slips.DOSSIER_SLIPS`;
- `GET /units/{unit_code}/book?from=YYYY-MM-DD&to=YYYY-MM-DD` and `/book.pdf`, `/book.xlsx`.

A dossier the user may not see, an unknown kind, a slip with no event behind it, or a unit whose
book the user may not read: all are 404, in Vietnamese, with nothing leaked. PDFs come from the
very same HTML through WeasyPrint, which may read nothing from outside (data: URLs only). Where
WeasyPrint cannot load Pango (`casework.capabilities`), a PDF is a 503 with the install hint and
the HTML pages offer «In» with a note instead of «Tải PDF».
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlmodel import select

from casework import capabilities
from casework.accounts.models import ACTING_ROLES, Role, Unit, User
from casework.db import utcnow
from casework.dossiers import slips
from casework.dossiers.access import visible_filter
from casework.dossiers.catalog import procedure_of
from casework.dossiers.queries import get_dossier
from casework.errors import NotFound, ValidationFailed
from casework.inspections import slips as inspection_slips
from casework.web.auth import PageUser, verify_csrf
from casework.web.deps import CalendarsDep, SessionDep, TzDep
from casework.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])

PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Where «Tải PDF» would be, when this server cannot make PDFs (the print view still works).
PDF_NOTE = (
    "Máy chủ chưa tạo được PDF (thiếu thư viện Pango); dùng nút «In», có thể chọn «Lưu dưới "
    "dạng PDF» của trình duyệt."
)
#: Slips carry personal data: never kept by a shared cache or the browser's back/forward cache.
PRIVATE = {"Cache-Control": "no-store"}


def _print_css(request: Request) -> str:
    path: Path = request.app.state.settings.templates_dir / "static" / "css" / "print.css"
    return path.read_text(encoding="utf-8")


def html_to_pdf(html: str, css: str) -> bytes:
    """The PDF of a slip page. Nothing is fetched: the QR code is inline SVG, the CSS is given.

    Raises `PdfUnavailable` (503) if WeasyPrint's native libraries cannot be loaded."""
    capabilities.require_pdf()
    from weasyprint import CSS, HTML
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols={"data"})
    stylesheet = CSS(string=css, url_fetcher=fetcher)
    pdf = HTML(string=html, url_fetcher=fetcher).write_pdf(stylesheets=[stylesheet])
    assert isinstance(pdf, bytes)
    return pdf


def _respond(
    request: Request, template: str, context: dict[str, Any], *, user: User, pdf_name: str | None
) -> Response:
    if pdf_name is None:
        note = None if capabilities.pdf_available() else PDF_NOTE
        context = {**context, "pdf": False, "pdf_note": note}
        return render(request, template, context, user=user, headers=PRIVATE)
    capabilities.require_pdf()  # before the page is rendered for nothing
    env = request.app.state.templates.env
    html = env.get_template(template).render(
        {**context, "pdf": True, "user": user, "request": request, "csrf_token": ""}
    )
    return Response(
        html_to_pdf(html, _print_css(request)),
        media_type=PDF,
        headers={**PRIVATE, "Content-Disposition": f'inline; filename="{pdf_name}"'},
    )


def _split(name: str, *suffixes: str) -> tuple[str, str]:
    for suffix in suffixes:
        if name.endswith(f".{suffix}"):
            return name[: -len(suffix) - 1], suffix
    return name, "html"


@router.get("/dossiers/{code}/slips/{name}")
def dossier_slip(
    code: str,
    name: str,
    request: Request,
    session: SessionDep,
    user: PageUser,
    calendars: CalendarsDep,
) -> Response:
    kind, fmt = _split(name, "pdf")
    dossier = get_dossier(session, user=user, code=code)
    if kind in inspection_slips.INSPECTION_SLIPS:
        return _inspection_doc(request, session, user, dossier, kind, fmt, calendars)
    if kind not in slips.DOSSIER_SLIPS:
        raise NotFound(
            f"Không có loại phiếu «{kind}». Các loại phiếu: {', '.join(slips.DOSSIER_SLIPS)}."
        )
    _, procedure = procedure_of(session, dossier)
    cal = calendars.for_unit(session, dossier.handling_unit_id)
    facts = slips.load_facts(session, dossier=dossier, procedure=procedure, cal=cal, now=utcnow())
    slip = slips.build(kind, facts)
    base = f"/dossiers/{dossier.code}/slips/{kind}"
    context = {
        "slip": slip,
        "kind": kind,
        "practice": facts.practice,
        "practice_mark": slips.PRACTICE_MARK,
        "back_url": f"/dossiers/{dossier.code}",
        "pdf_url": f"{base}.pdf",
        "page_title": f"{slips.DOSSIER_SLIPS[kind][1]} — {dossier.code}",
    }
    pdf_name = f"{dossier.code}-{kind}.pdf" if fmt == "pdf" else None
    return _respond(request, f"slips/{kind}.html", context, user=user, pdf_name=pdf_name)


def _inspection_doc(
    request: Request,
    session: Any,
    user: User,
    dossier: Any,
    kind: str,
    fmt: str,
    calendars: Any,
) -> Response:
    """Quyết định / Biên bản / Báo cáo kết quả kiểm tra (A4), from `inspections.slips`."""
    _, procedure = procedure_of(session, dossier)
    view = inspection_slips.inspection_view(session, dossier, procedure)
    if view is None:
        raise NotFound(f"Hồ sơ {dossier.code} không phải một cuộc kiểm tra.")
    cal = calendars.for_unit(session, dossier.handling_unit_id)
    facts = slips.load_facts(session, dossier=dossier, procedure=procedure, cal=cal, now=utcnow())
    doc = inspection_slips.build(kind, facts, view, session)
    base = f"/dossiers/{dossier.code}/slips/{kind}"
    context = {
        "slip": doc,
        "kind": kind,
        "practice": facts.practice,
        "practice_mark": slips.PRACTICE_MARK,
        "back_url": f"/dossiers/{dossier.code}",
        "pdf_url": f"{base}.pdf",
        "page_title": f"{inspection_slips.INSPECTION_SLIPS[kind][1]} — {dossier.code}",
    }
    pdf_name = f"{dossier.code}-{kind}.pdf" if fmt == "pdf" else None
    return _respond(request, f"slips/{kind}.html", context, user=user, pdf_name=pdf_name)


# ---- Mẫu 07 ---------------------------------------------------------------------------------


def book_unit(session: SessionDep, user: User, unit_code: str) -> tuple[Unit, Any]:
    """The unit whose book `user` may read, and the visibility filter; 404 otherwise.

    Staff (and auditors, admins) of the unit read its book; auditors and admins also read the
    books of every unit under theirs. Mentors never: the book holds only real dossiers.
    """
    unit = session.exec(select(Unit).where(Unit.code == unit_code)).first()
    own = session.get(Unit, user.unit_id)
    allowed = (
        unit is not None
        and own is not None
        and user.is_active
        and (
            (unit.id == own.id and user.has_role(*ACTING_ROLES, Role.auditor, Role.admin))
            or (user.has_role(Role.auditor, Role.admin) and unit.path.startswith(own.path))
        )
    )
    if not allowed:
        raise NotFound(f"Không tìm thấy sổ theo dõi hồ sơ của đơn vị {unit_code}.")
    assert unit is not None and own is not None
    return unit, visible_filter(user, own)


def _period(start: date | None, end: date | None, today: date) -> tuple[date, date]:
    start = start or today.replace(day=1)
    end = end or today
    if end < start:
        raise ValidationFailed(
            "Khoảng thời gian không hợp lệ: «đến ngày» phải sau hoặc bằng «từ ngày».",
            fields={"to": "Phải sau hoặc bằng «từ ngày»."},
        )
    if (end - start).days >= slips.MAX_BOOK_DAYS:
        raise ValidationFailed(
            f"Mỗi lần chỉ xem được sổ của tối đa {slips.MAX_BOOK_DAYS} ngày.",
            fields={"to": f"Tối đa {slips.MAX_BOOK_DAYS} ngày kể từ «từ ngày»."},
        )
    return start, end


FromQuery = Annotated[date | None, Query(alias="from")]
ToQuery = Annotated[date | None, Query(alias="to")]


def _book(
    request: Request,
    session: SessionDep,
    user: User,
    tz: Any,
    unit_code: str,
    start: date | None,
    end: date | None,
    fmt: str,
) -> Response:
    unit, visible = book_unit(session, user, unit_code)
    today = datetime.now(tz).date()
    start, end = _period(start, end, today)
    entries = slips.load_book(session, unit=unit, visible=visible, start=start, end=end, tz=tz)
    b = slips.book(unit, entries, start=start, end=end, tz=tz)
    stem = f"so-theo-doi-{unit.code}-{start:%Y%m%d}-{end:%Y%m%d}"
    if fmt == "xlsx":
        return Response(
            slips.book_xlsx(b, tz),
            media_type=XLSX,
            headers={**PRIVATE, "Content-Disposition": f'attachment; filename="{stem}.xlsx"'},
        )
    query = f"?from={start:%Y-%m-%d}&to={end:%Y-%m-%d}"
    context = {
        "book": b,
        "columns": slips.BOOK_COLUMNS,
        "practice": False,
        "practice_mark": slips.PRACTICE_MARK,
        "back_url": "/",
        "pdf_url": f"/units/{unit.code}/book.pdf{query}",
        "xlsx_url": f"/units/{unit.code}/book.xlsx{query}",
        "page_title": f"Sổ theo dõi hồ sơ — {unit.name}",
    }
    pdf_name = f"{stem}.pdf" if fmt == "pdf" else None
    return _respond(request, "slips/book.html", context, user=user, pdf_name=pdf_name)


@router.get("/units/{unit_code}/book")
def unit_book(
    unit_code: str,
    request: Request,
    session: SessionDep,
    user: PageUser,
    tz: TzDep,
    start: FromQuery = None,
    end: ToQuery = None,
) -> Response:
    return _book(request, session, user, tz, unit_code, start, end, "html")


@router.get("/units/{unit_code}/book.pdf")
def unit_book_pdf(
    unit_code: str,
    request: Request,
    session: SessionDep,
    user: PageUser,
    tz: TzDep,
    start: FromQuery = None,
    end: ToQuery = None,
) -> Response:
    return _book(request, session, user, tz, unit_code, start, end, "pdf")


@router.get("/units/{unit_code}/book.xlsx")
def unit_book_xlsx(
    unit_code: str,
    request: Request,
    session: SessionDep,
    user: PageUser,
    tz: TzDep,
    start: FromQuery = None,
    end: ToQuery = None,
) -> Response:
    return _book(request, session, user, tz, unit_code, start, end, "xlsx")
