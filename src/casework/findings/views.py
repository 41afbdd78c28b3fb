"""Findings pages: the "Kết quả kiểm tra" of an inspection dossier — its rows (add, edit,
delete), the conclusion the rows give, and the handling of a violation with its follow-up.

Thin views: parse, call `findings.service`, pick a template. Plain form posts with a redirect; a
refused form is shown again (422) with what was typed and the reason beside the column.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from casework import inputs
from casework.accounts.models import Role, User
from casework.db import utcnow
from casework.errors import NotFound, ValidationFailed
from casework.findings import forms, report, service, tolerance
from casework.ids import IdPath, IdQuery
from casework.numbers import fmt_number
from casework.procedures import ProcedureRegistry
from casework.reports import exports
from casework.web.auth import PageUser, verify_csrf
from casework.web.deps import RegistryDep, SessionDep, TzDep
from casework.web.forms import form_texts
from casework.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])


def _page(
    request: Request,
    session: Session,
    user: User,
    code: str,
    *,
    edit: int | None = None,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    message: str | None = None,
    form_for: str | None = None,
    saved: str | None = None,
) -> Response:
    found = service.sheet(session, actor=user, code=code)
    handling = found.handling
    handling_values = values if form_for == "handling" else None
    if handling_values is None:
        handling_values = {
            k: (getattr(handling, k) or "") if handling else "" for k in forms.HANDLING_FIELDS
        }
        for k in ("remedy_deadline", "follow_up_on"):
            if handling_values[k]:
                handling_values[k] = handling_values[k].isoformat()
        if handling and handling.amount is not None:
            handling_values["amount"] = fmt_number(handling.amount, 0)
    context = {
        "s": found,
        "d": found.dossier,
        "p": found.procedure,
        "columns": forms.COLUMNS,
        "display": forms.display,
        "display_handling": forms.display_handling,
        "kind_labels": forms.KIND_LABELS,
        "handling_fields": forms.HANDLING_FIELDS,
        "handling_values": handling_values,
        "quality_results": tolerance.QUALITY_RESULTS,
        "edit": edit,
        "values": values or {},
        "errors": errors or {},
        "message": message,
        "form_for": form_for,
        "saved": saved,
        "sources": [
            (tolerance.SRC_T, True),
            (tolerance.SRC_PLAN, False),
            (tolerance.SRC_MEAN, True),
            (tolerance.SRC_2T, True),
            (tolerance.SRC_STAMP, False),
            (tolerance.SRC_MPE, False),
            (tolerance.SRC_R76, False),
            (tolerance.SRC_LAB, False),
        ],
    }
    status = 422 if errors or message else 200
    return render(request, "findings/page.html", context, user=user, status_code=status)


@router.get("/dossiers/{code}/findings")
def findings_page(
    request: Request,
    session: SessionDep,
    user: PageUser,
    code: str,
    edit: IdQuery = None,
    saved: Annotated[str | None, Query(max_length=16)] = None,
) -> Response:
    return _page(request, session, user, code, edit=edit, saved=saved)


@router.post("/dossiers/{code}/findings")
async def add_row(
    request: Request, session: SessionDep, user: PageUser, tz: TzDep, code: str
) -> Response:
    values = form_texts(await request.form())
    kind = str(values.get("kind", ""))
    try:
        inputs.screen(values)
        row = service.add_row(session, actor=user, code=code, kind=kind, form=values, tz=tz)
    except ValidationFailed as exc:
        return _page(
            request, session, user, code, values=values, errors=exc.fields,
            message=exc.message, form_for=f"new-{kind}",
        )  # fmt: skip
    return RedirectResponse(f"/dossiers/{code}/findings?saved=row#row-{row.id}", status_code=303)


@router.post("/dossiers/{code}/findings/{row_id}")
async def update_row(
    request: Request, session: SessionDep, user: PageUser, tz: TzDep, code: str, row_id: IdPath
) -> Response:
    values = form_texts(await request.form())
    try:
        inputs.screen(values)
        service.update_row(session, actor=user, code=code, row_id=row_id, form=values, tz=tz)
    except ValidationFailed as exc:
        return _page(
            request, session, user, code, edit=row_id, values=values, errors=exc.fields,
            message=exc.message, form_for=f"row-{row_id}",
        )  # fmt: skip
    return RedirectResponse(f"/dossiers/{code}/findings?saved=row#row-{row_id}", status_code=303)


@router.post("/dossiers/{code}/findings/{row_id}/delete")
def delete_row(session: SessionDep, user: PageUser, code: str, row_id: IdPath) -> Response:
    service.delete_row(session, actor=user, code=code, row_id=row_id)
    return RedirectResponse(f"/dossiers/{code}/findings?saved=deleted", status_code=303)


@router.post("/dossiers/{code}/handling")
async def save_handling(
    request: Request, session: SessionDep, user: PageUser, code: str
) -> Response:
    values = form_texts(await request.form())
    try:
        inputs.screen(values)
        service.save_handling(session, actor=user, code=code, form=values)
    except ValidationFailed as exc:
        return _page(
            request, session, user, code, values=values, errors=exc.fields,
            message=exc.message, form_for="handling",
        )  # fmt: skip
    return RedirectResponse(f"/dossiers/{code}/findings?saved=handling#handling", status_code=303)


# ---- the periodic report (commune → department → ministry) ------------------------------------


def _periods(today: date) -> list[tuple[str, str]]:
    """The choices of the period menu: the last eight quarters, then the last twelve months."""
    out = []
    year, quarter = today.year, (today.month - 1) // 3 + 1
    for _ in range(8):
        out.append((f"{year}-Q{quarter}", f"Quý {quarter}/{year}"))
        year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
    year, month = today.year, today.month
    for _ in range(12):
        out.append((f"{year}-{month:02d}", f"Tháng {month:02d}/{year}"))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out


def _report(
    session: Session, user: User, registry: ProcedureRegistry, tz: ZoneInfo,
    period: str | None, unit: int | None,
) -> report.Report:  # fmt: skip
    root = report.report_root(session, user, unit)
    chosen = report.parse_period(period, utcnow().astimezone(tz).date())
    return report.build(session, root=root, period=chosen, registry=registry, tz=tz)


@router.get("/findings/report.{fmt}")
def report_export(
    session: SessionDep,
    user: PageUser,
    registry: RegistryDep,
    tz: TzDep,
    fmt: str,
    period: Annotated[str | None, Query(max_length=16)] = None,
    unit: IdQuery = None,
) -> Response:
    if fmt not in ("csv", "xlsx"):
        raise NotFound("Không có định dạng này (csv hoặc xlsx).")
    found = _report(session, user, registry, tz, period, unit)
    stem = f"bao-cao-kiem-tra-{found.root.code}-{found.period.key}"
    return exports.download(found.table(), fmt, stem)


@router.get("/findings/report")
def report_page(
    request: Request,
    session: SessionDep,
    user: PageUser,
    registry: RegistryDep,
    tz: TzDep,
    period: Annotated[str | None, Query(max_length=16)] = None,
    unit: IdQuery = None,
) -> Response:
    found = _report(session, user, registry, tz, period, unit)
    context = {
        "r": found,
        "headers": report.HEADERS,
        "periods": _periods(utcnow().astimezone(tz).date()),
        "can_drill": user.has_role(Role.auditor, Role.admin),
        "query": urlencode({"period": found.period.key, "unit": found.root.id}),
    }
    return render(request, "findings/report.html", context, user=user)
