"""/progress: the progress of trainees at scale — per province, then per unit — for the ministry
(every province), a department (its province), a mentor (the units assigned to them) and any
auditor or admin (their own unit and below); and the same tables as CSV/XLSX.

Thin: who reads what and the figures (`figures`), the rows (`tables`), one template. Filters are
a GET form; htmx swaps the `results` block and the address follows. A user with nothing to read
here (a trainee) is sent to their own progress page; the files then answer 403.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from casework.accounts.models import Role
from casework.caching.figures import kept
from casework.db import utcnow
from casework.errors import NotFound, PermissionDenied
from casework.learning.path import LEVELS
from casework.listing import page_param, sort_param
from casework.progress import figures, tables
from casework.reports.exports import LOCAL, PRIVATE, download
from casework.units.places import Place
from casework.web.auth import PageUser, verify_csrf
from casework.web.deps import SessionDep
from casework.web.templating import is_htmx, render

#: the place of the totals line of the national tables
_NATION = Place(0, "", "Tổng", "ministry", None, None, None, None)

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])

Text = Annotated[str, Query(max_length=100)]


def _filters(
    q: str, inactive: str, sort: str, page: str, units: str, path: str = ""
) -> tables.Filters:
    key, desc = sort_param(sort, tables.SORTS, "name")
    return tables.Filters(
        q=q.strip(), inactive=inactive == "1", sort=key, desc=desc, page=page_param(page),
        units=units == "1", field=path.strip(),
    )  # fmt: skip


@dataclass
class Listing:
    province: Place | None  # the province whose units are listed
    fixed: bool  # the reader's scope is that one province (no way back to the provinces)
    units: bool  # units are listed (of the province, or of the whole scope)
    rows: list[tables.Row]
    now: datetime


def _listing(session: Session, scope: figures.Scope, province_code: str, units: bool) -> Listing:
    """The rows: the provinces the scope reaches, or the units of one of them (of all, `units`).
    A province's figures are read for that province only."""
    reached = figures.provinces(session, scope)
    fixed = len(reached) == 1
    chosen = reached[0] if fixed else None
    if province_code and (chosen is None or chosen[0].code != province_code):
        chosen = next((pp for pp in reached if pp[0].code == province_code), None)
        if chosen is None:
            raise NotFound("Không tìm thấy tỉnh, thành phố này trong phạm vi của bạn.")
    part = scope.under(chosen[1]) if chosen is not None else scope

    def build() -> Listing:
        now = utcnow()
        data = figures.figures(session, scope=part, now=now)
        if chosen is not None:
            return Listing(chosen[0], fixed, True, tables.unit_rows(data, chosen[0].id), now)
        if units:
            return Listing(None, False, True, tables.unit_rows(data), now)
        return Listing(None, False, False, tables.province_rows(data), now)

    # kept per process until a write moves the figures or for a minute (`caching.figures`);
    # filters, sorting and paging work on the kept rows
    listing = chosen[0].id if chosen is not None else None, fixed, units and chosen is None
    return kept(session, ("progress", part.paths, part.coached, *listing), build)


def _query(listing: Listing, f: tables.Filters, **changes: Any) -> str:
    values: dict[str, Any] = {
        "province": listing.province.code if listing.province and not listing.fixed else "",
        "units": "1" if listing.units and listing.province is None else "",
        "inactive": "1" if f.inactive else "",
        "q": f.q,
        "sort": ("-" if f.desc else "") + f.sort if f.sort != "name" or f.desc else "",
        "page": f.page if f.page > 1 else "",
        "path": f.field,
    }
    values.update(changes)
    return urlencode({k: v for k, v in values.items() if v not in ("", None)})


def _where(listing: Listing) -> str:
    if listing.province is not None:
        return listing.province.province or listing.province.name
    return "từng đơn vị" if listing.units else "theo tỉnh, thành phố"


def _notes(listing: Listing, f: tables.Filters) -> list[str]:
    notes = [
        f"Phạm vi: {_where(listing)}. Số liệu lúc {listing.now.astimezone(LOCAL):%d/%m/%Y %H:%M} "
        f"(giờ Việt Nam); hoạt động tính trong {figures.ACTIVE_DAYS} ngày qua.",
    ]
    if f.inactive:
        notes.append(f"Chỉ đơn vị chưa có hoạt động trong {figures.ACTIVE_DAYS} ngày qua.")
    if f.q:
        notes.append(f"Tên hoặc mã có: {f.q}.")
    return notes


@dataclass(frozen=True)
class Asked:
    """The query of the page and of its files: the province, and the filters."""

    province: str
    filters: tables.Filters


def asked(
    province: Annotated[str, Query(max_length=64)] = "",
    q: Text = "",
    inactive: Text = "",
    sort: Text = "",
    page: Text = "",
    units: Text = "",
    path: Annotated[str, Query(max_length=200)] = "",
) -> Asked:
    return Asked(province, _filters(q, inactive, sort, page, units, path))


AskedDep = Annotated[Asked, Depends(asked)]


@router.get("/progress")
def progress_page(request: Request, session: SessionDep, user: PageUser, ask: AskedDep) -> Response:
    scope = figures.reader_scope(session, user)
    if scope.empty and not user.has_role(Role.mentor):
        return RedirectResponse(f"/progress/users/{user.username}", status_code=303)
    f = ask.filters
    listing = _listing(session, scope, ask.province, f.units)
    path_field = tables.chosen_field(listing.rows, f.field)
    f = replace(f, field=path_field)
    shown = tables.apply(listing.rows, f)
    paged = tables.page(shown, f.page)
    f = replace(f, page=paged.page)
    context = {
        "empty": scope.empty,
        "listing": listing,
        "filters": f,
        "page": paged,
        "total": tables.total(shown, listing.province or _NATION),
        "path_fields": tables.path_fields(listing.rows),
        "path_field": path_field,
        "path_levels": LEVELS,
        "days": figures.ACTIVE_DAYS,
        "query": _query(listing, f, page=""),
        "url": lambda **changes: "/progress?" + _query(listing, f, **changes),
    }
    blocks = ["results"] if is_htmx(request) else None
    return render(
        request, "progress/dashboard.html", context, user=user, block_names=blocks, headers=PRIVATE
    )


@router.get("/progress.{fmt}")
def progress_export(fmt: str, session: SessionDep, user: PageUser, ask: AskedDep) -> Response:
    """Every matching row (no paging), in the page's order."""
    if fmt not in ("csv", "xlsx"):
        raise NotFound("Không có định dạng tải về này (chỉ CSV hoặc XLSX).")
    scope = figures.reader_scope(session, user)
    if scope.empty:
        raise PermissionDenied(
            "Bảng tiến độ dành cho cán bộ hướng dẫn (các đơn vị được phân công), cán bộ kiểm "
            "tra và quản trị (đơn vị của mình và cấp dưới)."
        )
    listing = _listing(session, scope, ask.province, ask.filters.units)
    f = replace(ask.filters, field=tables.chosen_field(listing.rows, ask.filters.field))
    table = tables.export_table(
        tables.apply(listing.rows, f),
        provinces=not listing.units,
        title=f"Tiến độ học viên — {_where(listing)}",
        notes=_notes(listing, ask.filters),
    )
    slug = listing.province.code if listing.province else ("don-vi" if listing.units else "tinh")
    return download(table, fmt, f"tien-do-hoc-vien-{slug}-{listing.now.astimezone(LOCAL):%Y%m%d}")
