"""Auditor report pages: timeliness, per step, Decision 766 indicators, drill-down, exports.

Thin views: read the filters (unit in the reader's subtree, months, procedures, grouping), call
one function of `reports.queries`, and either draw the page (htmx: only the `report` block) or
send the same table as CSV/XLSX (`/reports/<name>.csv|.xlsx`). A bad filter shows the page again
with the reason beside the field (422) and the figures of the default filter.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session, col, select

from casework.accounts.models import Unit, User
from casework.checkpoints import service as checkpoint_service
from casework.clock import Bucket, WorkCalendar
from casework.db import utcnow
from casework.errors import NotFound
from casework.ids import parse_id, parse_int
from casework.procedures import ProcedureRegistry
from casework.reports import charts, drill, exports, indicators, queries, step_queries, tables
from casework.reports.access import reader_root, unit_in_subtree
from casework.reports.drill import DRILL
from casework.reports.queries import GROUPS, Period, Scope
from casework.reports.stats import month_of
from casework.reports.step_queries import STEP_GROUPS
from casework.web.auth import PageUser, verify_csrf
from casework.web.deps import CalendarsDep, RegistryDep, SessionDep
from casework.web.templating import is_htmx, render

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])

MONTH = re.compile(r"^(\d{4})-(\d{2})$")
TABS = {
    "timeliness": "Tiến độ giải quyết",
    "steps": "Theo bước xử lý",
    "indicators": "Chỉ số Quyết định 766",
    "dossiers": "Danh sách hồ sơ",
}
EXPORT_CAP = 50_000


@dataclass
class ReportQuery:
    """The parsed filters of a report request."""

    scope: Scope
    form: dict[str, Any]
    errors: dict[str, str] = field(default_factory=dict)
    now: datetime = field(default_factory=utcnow)

    def query(self, **changes: Any) -> str:
        values = {**self.form, **changes}
        pairs: list[tuple[str, str]] = []
        for key, value in values.items():
            if isinstance(value, list):
                pairs.extend((key, v) for v in value)
            elif value not in (None, ""):
                pairs.append((key, str(value)))
        return urlencode(pairs)


def _month(text: str) -> date | None:
    match = MONTH.match(text.strip())
    if not match:
        return None
    year, month = int(match[1]), int(match[2])
    return date(year, month, 1) if 2000 <= year <= 2100 and 1 <= month <= 12 else None


def _parse(
    request: Request, session: Session, user: User, registry: ProcedureRegistry, cal: WorkCalendar
) -> ReportQuery:
    params = request.query_params
    root = reader_root(session, user)
    now = utcnow()
    this_month = month_of(now, cal)
    errors: dict[str, str] = {}
    raw_unit = params.get("unit", "")
    unit_id = parse_id(raw_unit)
    unit = unit_in_subtree(session, root, unit_id)
    first = _month(params.get("from", "")) if params.get("from") else date(this_month.year, 1, 1)
    last = _month(params.get("to", "")) if params.get("to") else this_month
    if first is None:
        errors["from"] = "Tháng bắt đầu phải có dạng năm-tháng, ví dụ 2026-01."
    if last is None:
        errors["to"] = "Tháng kết thúc phải có dạng năm-tháng, ví dụ 2026-06."
    if first and last and last < first:
        errors["to"] = "Tháng kết thúc phải bằng hoặc sau tháng bắt đầu."
    if errors:
        first, last = date(this_month.year, 1, 1), this_month
    assert first is not None and last is not None
    procedures = [p for p in params.getlist("procedure") if p]
    unknown = [p for p in procedures if p not in registry]
    if unknown:
        errors["procedure"] = f"Không có thủ tục mã {', '.join(unknown)}."
        procedures = [p for p in procedures if p not in unknown]
    form = {
        "unit": str(unit.id),
        "from": params.get("from", f"{first:%Y-%m}"),
        "to": params.get("to", f"{last:%Y-%m}"),
        "procedure": procedures,
        "group": params.get("group", ""),
        "kind": params.get("kind", ""),
        "dist": params.get("dist", ""),
    }
    return ReportQuery(Scope(unit, Period(first, last), procedures), form, errors, now)


def _unit_choices(session: Session, root: Unit, current: Unit) -> list[tuple[Unit, int]]:
    """The reader's unit, the way down to the chosen unit, and the chosen unit's children —
    enough to move up and down the tree without listing thousands of communes."""
    ids = [int(i) for i in current.path.strip("/").split("/") if i]
    start = ids.index(root.id) if root.id in ids else 0
    chain = [session.get(Unit, i) for i in ids[start:]]
    children = session.exec(
        select(Unit).where(Unit.parent_id == current.id).order_by(col(Unit.name))
    ).all()
    out = [(u, depth) for depth, u in enumerate(chain) if u is not None]
    out += [(u, len(chain)) for u in children]
    return out


def _context(
    req: ReportQuery, session: Session, user: User, registry: ProcedureRegistry, tab: str
) -> dict[str, Any]:
    root = reader_root(session, user)
    return {
        "tab": tab,
        "tabs": TABS,
        "req": req,
        "form": req.form,
        "errors": req.errors,
        "scope": req.scope,
        "unit_choices": _unit_choices(session, root, req.scope.unit),
        "procedures": sorted(registry.all(), key=lambda p: p.name),
        "groups": STEP_GROUPS if tab == "steps" else GROUPS,
        "drill_kinds": DRILL,
    }


# ---- the reports --------------------------------------------------------------------------------


def _timeliness(
    req: ReportQuery, session: Session, registry: ProcedureRegistry, cal: WorkCalendar
) -> tuple[dict[str, Any], exports.Table]:
    group = req.form["group"] if req.form["group"] in GROUPS else "procedure"
    req.form["group"] = group
    rows, total = queries.timeliness(
        session, req.scope, registry, group=group, now=req.now, cal=cal
    )
    months = queries.monthly(session, req.scope)
    trend = charts.columns(
        "Tỉ lệ giải quyết trước hạn và đúng hạn theo tháng",
        [(f"{m:%m/%y}", r.on_time_rate) for m, r in months],
        y_max=100,
        unit="%",
    )
    with_time = [r for r in rows if r.histogram]
    dist_row = next((r for r in with_time if r.key == req.form["dist"]), None) or (
        with_time[0] if with_time else None
    )
    distribution = None
    if dist_row is not None:
        bins: dict[int, int] = {}
        for tenths, n in dist_row.histogram.items():
            bins[tenths // 10] = bins.get(tenths // 10, 0) + n
        top = max(bins)
        distribution = charts.columns(
            f"Phân bố thời gian giải quyết — {dist_row.label} (hạn {dist_row.limit:g} "
            f"{dist_row.unit_label})",
            [(f"{b}–{b + 1}", float(bins.get(b, 0))) for b in range(top + 1)],
        )
    _, current = queries.progress_at(req.scope, req.now, cal)
    table = tables.timeliness_table(
        "Báo cáo tiến độ giải quyết hồ sơ", group, rows, total,
        current=current, notes=_notes(req, cal),
    )  # fmt: skip
    checkpoint = checkpoint_service.latest(session)  # what these figures can be checked against
    if checkpoint is not None:
        at = checkpoint.created_at.astimezone(cal.tz)
        table.notes.append(
            f"Điểm kiểm chứng đã ký mới nhất: số {checkpoint.id}, lúc {at:%H:%M %d/%m/%Y}."
        )
    ctx = {
        "checkpoint": checkpoint,
        "rows": rows,
        "total": total,
        "group": group,
        "trend": trend,
        "months": months,
        "distribution": distribution,
        "with_time": with_time,
        "dist_row": dist_row,
        "progress_current": current,
        "in_progress_label": tables.in_progress_label(current),
        "in_progress_parts": tables.IN_PROGRESS,
        "hours_per_day": cal.day_minutes / 60,
    }
    return ctx, table


def _steps(
    req: ReportQuery, session: Session, registry: ProcedureRegistry, cal: WorkCalendar
) -> tuple[dict[str, Any], exports.Table]:
    group = req.form["group"] if req.form["group"] in STEP_GROUPS else "step"
    req.form["group"] = group
    rows, total = step_queries.steps(session, req.scope, registry, group=group)
    if group == "officer":  # the officers with the most late steps, from the rows themselves
        chart = charts.bars(
            "Cán bộ có nhiều lượt bước trễ hạn nhất", [(r.label, float(r.late)) for r in rows[:15]]
        )
    else:
        by_unit = (
            rows
            if group == "unit"
            else step_queries.steps(session, req.scope, registry, group="unit")[0]
        )
        chart = charts.bars(
            "Số lượt bước xử lý trễ hạn theo đơn vị",
            [(r.label, float(r.late)) for r in by_unit[:15]],
        )
    first = {"step": "Bước", "unit": "Đơn vị", "officer": "Cán bộ"}[group]
    second = {"step": "Thủ tục", "unit": "Mã đơn vị", "officer": "Tài khoản · đơn vị"}[group]
    headers = [
        first,
        second,
        "Số lượt",
        "Có định mức",
        "Trước hạn",
        "Đúng hạn",
        "Trễ hạn",
        "Tỉ lệ trễ (%)",
        "Thời gian trung bình (ngày làm việc)",
        "Định mức trung bình (ngày làm việc)",
    ]
    table = exports.Table("Báo cáo theo bước xử lý", headers, notes=_notes(req, cal))
    for r in [*rows, total]:
        detail = r.detail if group != "unit" else (r.key or "")
        table.rows.append(
            [
                r.label,
                detail,
                r.n,
                r.allotted,
                r.early,
                r.on_time,
                r.late,
                _round(r.late_rate),
                _round(r.spent_avg, 2),
                _round(r.allot_avg, 2),
            ]
        )
    return {"rows": rows, "total": total, "group": group, "chart": chart}, table


def _indicators(
    req: ReportQuery, session: Session, registry: ProcedureRegistry, cal: WorkCalendar
) -> tuple[dict[str, Any], exports.Table]:
    rows, total = queries.timeliness(
        session, req.scope, registry, group="procedure", now=req.now, cal=cal
    )
    current = req.scope.period.includes(req.now.astimezone(cal.tz).date())
    found = indicators.compute(total, rows, current=current)
    headers = ["Chỉ số", "Tên", "Giá trị", "Mức đạt điểm tối đa", "Công thức", "Số liệu đầu vào"]
    table = exports.Table("Chỉ số Quyết định 766/QĐ-TTg", headers, notes=_notes(req, cal))
    for ind in found:
        table.rows.append(
            [
                ind.code,
                ind.name,
                ind.value if ind.value is not None else "",
                f"≥ {ind.target:g}%" if ind.target is not None else "",
                ind.formula,
                "; ".join(f"{k}: {v}" for k, v in ind.inputs),
            ]
        )
    return {"indicators": found, "current": current}, table


def _dossiers(
    req: ReportQuery, session: Session, registry: ProcedureRegistry, cal: WorkCalendar,
    *, export: bool = False,
) -> tuple[dict[str, Any], exports.Table]:  # fmt: skip
    kind = req.form["kind"] if req.form["kind"] in DRILL else "received"
    req.form["kind"] = kind
    raw_page = req.form.get("page") or "1"
    page = parse_int(str(raw_page), 1, 10_000) or 1
    per_page = EXPORT_CAP if export else 50
    items, total, more = drill.drill_down(
        session, req.scope, kind, now=req.now, cal=cal, page=1 if export else page,
        per_page=per_page, cap=EXPORT_CAP if export else 10_000,
    )  # fmt: skip
    unit_ids = {d.handling_unit_id for d in items}
    units = {
        u.id: u for u in session.exec(select(Unit).where(col(Unit.id).in_(unit_ids)))
    } if unit_ids else {}  # fmt: skip
    headers = [
        "Mã hồ sơ",
        "Thủ tục",
        "Đơn vị giải quyết",
        "Người nộp",
        "Tiếp nhận (giờ Việt Nam)",
        "Hạn giải quyết (giờ Việt Nam)",
        "Kết thúc xử lý (giờ Việt Nam)",
        "Kết quả",
        "Thời gian giải quyết",
        "Lượt bổ sung",
        "Lượt gia hạn",
    ]
    table = exports.Table(f"Danh sách hồ sơ — {DRILL[kind]}", headers, notes=_notes(req, cal))
    if more and export:
        table.notes.append(f"Chỉ xuất {EXPORT_CAP:,} hồ sơ mới nhất.".replace(",", "."))

    def local(value: datetime | None) -> datetime | None:
        return value.astimezone(cal.tz) if value else None

    for d in items:
        procedure = registry.get(d.procedure_code) if d.procedure_code in registry else None
        unit = units.get(d.handling_unit_id)
        bucket = Bucket(d.result_bucket).label if d.result_bucket else ""
        table.rows.append(
            [
                d.code,
                procedure.name if procedure else d.procedure_code,
                unit.name if unit else "",
                d.applicant_name,
                local(d.received_at),
                local(d.due_at),
                local(d.processing_ended_at),
                bucket,
                d.elapsed,
                d.supplement_requests,
                d.extensions,
            ]
        )
    pages = max(1, -(-total // 50))
    ctx = {
        "items": items,
        "units": units,
        "total": total,
        "more": more,
        "kind": kind,
        "page": page,
        "pages": pages,
        "registry": registry,
    }
    return ctx, table


Builder = Callable[..., tuple[dict[str, Any], exports.Table]]
BUILDERS: dict[str, Builder] = {
    "timeliness": _timeliness,
    "steps": _steps,
    "indicators": _indicators,
    "dossiers": _dossiers,
}


def _notes(req: ReportQuery, cal: WorkCalendar) -> list[str]:
    procedures = ", ".join(req.scope.procedures) or "tất cả thủ tục"
    return [
        f"Đơn vị: {req.scope.unit.name} (gồm các đơn vị trực thuộc)",
        f"Kỳ báo cáo: {req.scope.period.text}; thủ tục: {procedures}",
        "Chỉ tính hồ sơ thật; hồ sơ làm thử không được tính.",
        f"Lập lúc {utcnow().astimezone(cal.tz):%d/%m/%Y %H:%M} (giờ Việt Nam); mọi thời điểm"
        " trong bảng theo giờ Việt Nam.",
    ]


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


# ---- routes -------------------------------------------------------------------------------------


@router.get("/reports")
def reports_home(session: SessionDep, user: PageUser) -> Response:
    reader_root(session, user)  # the same refusal as the reports themselves
    return RedirectResponse("/reports/timeliness", status_code=303)


@router.get("/reports/{name}.{fmt}")
def report_export(
    name: str,
    fmt: str,
    request: Request,
    session: SessionDep,
    user: PageUser,
    registry: RegistryDep,
    calendars: CalendarsDep,
) -> Response:
    if name not in BUILDERS or fmt not in ("csv", "xlsx"):
        raise NotFound("Không có báo cáo này.")
    cal = calendars.for_unit(session, None)
    req = _parse(request, session, user, registry, cal)
    req.form["page"] = request.query_params.get("page", "1")
    extra = {"export": True} if name == "dossiers" else {}
    _, table = BUILDERS[name](req, session, registry, cal, **extra)
    period = req.scope.period
    stem = f"bao-cao-{name}-{req.scope.unit.code}-{period.first:%Y%m}-{period.last:%Y%m}"
    return exports.download(table, fmt, stem)


@router.get("/reports/{name}")
def report_page(
    name: str,
    request: Request,
    session: SessionDep,
    user: PageUser,
    registry: RegistryDep,
    calendars: CalendarsDep,
) -> Response:
    if name not in BUILDERS:
        raise NotFound("Không có báo cáo này.")
    cal = calendars.for_unit(session, None)
    req = _parse(request, session, user, registry, cal)
    req.form["page"] = request.query_params.get("page", "1")
    ctx, table = BUILDERS[name](req, session, registry, cal)
    context = {
        **_context(req, session, user, registry, name),
        **ctx,
        "table": table,
        "fmt": tables.decimal,
        "duration": tables.duration,
        "current": req.scope.period.includes(req.now.astimezone(cal.tz).date()),
        "export_query": req.query(page=""),
    }
    blocks = ["report"] if is_htmx(request) else None
    status = 422 if req.errors else 200
    return render(
        request, f"reports/{name}.html", context, user=user, status_code=status, block_names=blocks
    )
