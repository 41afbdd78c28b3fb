"""/readiness: the national readiness map and table of provinces (the ministry), one province's
communes (the ministry, and each department for its own), and both as CSV/XLSX.

Thin: who may see what (`queries.reader_scope`), the figures (`queries.figures`), the rows
(`tables`), one template. Filters are a GET form; htmx swaps the `results` block.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from casework.accounts.models import Unit, UnitKind
from casework.caching.figures import kept
from casework.db import utcnow
from casework.errors import NotFound
from casework.listing import page_param, sort_param
from casework.readiness import queries, tables, tilemap
from casework.readiness.rules import (
    FIELD_LABELS,
    FIELDS,
    LEVEL_COLOURS,
    LEVEL_LABELS,
    PROVINCE_RULE,
    RULES,
    WINDOW_DAYS,
    Level,
)
from casework.reports.exports import LOCAL, PRIVATE, download
from casework.web.auth import PageUser, verify_csrf
from casework.web.deps import RegistryDep, SessionDep
from casework.web.templating import is_htmx, render

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])

Text = Annotated[str, Query(max_length=100)]


def _filters(
    field: str, level: str, uncertified: str, q: str, sort: str, page: str, communes: str
) -> Any:
    key, desc = sort_param(sort, tables.SORTS, "name")
    return tables.Filters(
        communes=communes == "1",
        field=field if field in FIELDS else "dl",
        level=level if level in Level.__members__ else "",
        uncertified=uncertified == "1",
        q=q.strip(),
        sort=key,
        desc=desc,
        page=page_param(page),
    )


def _query(province: Unit | None, f: tables.Filters, **changes: Any) -> str:
    values: dict[str, Any] = {
        "province": province.code if province is not None else "",
        "field": f.field if f.field != "dl" else "",
        "level": f.level,
        "uncertified": "1" if f.uncertified else "",
        "q": f.q,
        "sort": ("-" if f.desc else "") + f.sort if f.sort != "name" or f.desc else "",
        "page": f.page if f.page > 1 else "",
        "communes": "1" if f.communes and province is None else "",
    }
    values.update(changes)
    return urlencode({k: v for k, v in values.items() if v not in ("", None)})


def _rows(
    request: Request, session: Any, user: Any, registry: Any, province_code: str, communes: bool
) -> tuple[queries.Scope, Unit | None, list[tables.Row], tables.Row | None, datetime]:
    """The rows: the provinces, or the communes of one province (or of all, `communes`)."""
    scope = queries.reader_scope(session, user)
    province = queries.province_in_scope(session, scope, province_code)
    listing = (province.id if province is not None else None, communes and province is None)

    def build() -> tuple[list[tables.Row], tables.Row | None, datetime]:
        now = utcnow()
        figures = queries.figures(
            session,
            procedures=registry,
            department=province,
            now=now,
            today=now.astimezone(LOCAL).date(),
        )
        if province is None and not communes:
            return tables.province_rows(figures), None, now
        rows = [tables.commune_row(f) for f in figures.values() if f.unit.kind == UnitKind.commune]
        own = figures.get(province.id or -1) if province is not None else None
        return rows, tables.commune_row(own) if own else None, now

    # the rows of the listing, kept per process until a write moves them or for a minute
    # (`caching.figures`); filters, sorting and paging work on the kept rows
    rows, own, now = kept(session, ("readiness", *listing), build)
    return scope, province, rows, own, now


def _notes(province: Unit | None, f: tables.Filters, now: datetime) -> list[str]:
    where = province.province or province.name if province is not None else "Toàn quốc"
    if province is None and f.communes:
        where += " (từng xã, phường)"
    notes = [
        f"Phạm vi: {where}. Số liệu lúc {now.astimezone(LOCAL):%d/%m/%Y %H:%M} (giờ Việt Nam); "
        f"hoạt động tính trong {WINDOW_DAYS} ngày qua.",
        f"Lĩnh vực của bộ lọc: {FIELD_LABELS[f.field]}.",
    ]
    if f.level:
        notes.append(f"Chỉ mức: {LEVEL_LABELS[Level[f.level]]}.")
    if f.uncertified:
        notes.append("Chỉ nơi chưa có cán bộ nào có chứng chỉ của lĩnh vực.")
    if f.q:
        notes.append(f"Tên có: {f.q}.")
    return notes


@router.get("/readiness")
def readiness_page(
    request: Request,
    session: SessionDep,
    user: PageUser,
    registry: RegistryDep,
    province: Annotated[str, Query(max_length=64)] = "",
    field: Text = "",
    level: Text = "",
    uncertified: Text = "",
    q: Text = "",
    sort: Text = "",
    page: Text = "",
    communes: Text = "",
) -> Response:
    f = _filters(field, level, uncertified, q, sort, page, communes)
    scope, unit, rows, own, now = _rows(request, session, user, registry, province, f.communes)
    shown = tables.apply(rows, f)
    paged = tables.page(shown, f.page)
    f = tables.Filters(**{**f.__dict__, "page": paged.page})
    listing_communes = unit is not None or f.communes
    tiles, width, height = ([], 0, 0) if listing_communes else tilemap.tiles(rows, f.field)
    context = {
        "scope": scope,
        "province": unit,
        "communes": listing_communes,
        "own": own,
        "filters": f,
        "page": paged,
        "tiles": tiles,
        "map_width": width,
        "map_height": height,
        "rules": RULES,
        "province_rule": PROVINCE_RULE,
        "fields": FIELDS,
        "field_labels": FIELD_LABELS,
        "levels": list(Level),
        "level_labels": LEVEL_LABELS,
        "level_colours": LEVEL_COLOURS,
        "window": WINDOW_DAYS,
        "now": now,
        "query": _query(unit, f, page=""),
        "url": lambda **changes: "/readiness?" + _query(unit, f, **changes),
        "htmx": is_htmx(request),
    }
    blocks = ["results"] if is_htmx(request) else None
    return render(
        request, "readiness/page.html", context, user=user, block_names=blocks, headers=PRIVATE
    )


@router.get("/readiness.{fmt}")
def readiness_export(
    fmt: str,
    request: Request,
    session: SessionDep,
    user: PageUser,
    registry: RegistryDep,
    province: Annotated[str, Query(max_length=64)] = "",
    field: Text = "",
    level: Text = "",
    uncertified: Text = "",
    q: Text = "",
    sort: Text = "",
    communes: Text = "",
) -> Response:
    if fmt not in ("csv", "xlsx"):
        raise NotFound("Không có định dạng tải về này (chỉ CSV hoặc XLSX).")
    f = _filters(field, level, uncertified, q, sort, "", communes)
    _, unit, rows, _, now = _rows(request, session, user, registry, province, f.communes)
    table = tables.export_table(
        tables.apply(rows, f),
        province=unit,
        communes=unit is not None or f.communes,
        notes=_notes(unit, f, now),
    )
    where = unit.code if unit else ("toan-quoc-xa" if f.communes else "toan-quoc")
    stem = f"muc-san-sang-{where}-{now.astimezone(LOCAL):%Y%m%d}"
    return download(table, fmt, stem)
