"""Inspection pages: the unit's annual plans, opening an inspection (from a plan line or ad hoc)
and signing its decision with the team. Thin: parse, call one service, pick a template; plain
forms with post/redirect/get, errors keep what was typed and name the field (422)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session, col, select

from casework import inputs
from casework.accounts.models import User
from casework.db import utcnow
from casework.dossiers.catalog import procedure_of
from casework.dossiers.models import Dossier
from casework.dossiers.queries import get_dossier
from casework.errors import ValidationFailed
from casework.ids import IdPath, IdQuery, parse_int
from casework.inspections import plans, service
from casework.inspections import team as teams
from casework.inspections.models import TEAM_ROLE_LABELS, TRIGGER_LABELS, InspectionPlanItem
from casework.inspections.rules import inspection_of
from casework.inspections.service import Establishment, OtherMember, TeamLine
from casework.web.auth import PageUser, verify_csrf
from casework.web.deps import CalendarsDep, RegistryDep, SessionDep, TzDep
from casework.web.forms import form_texts
from casework.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])

#: Lines of the team form (empty ones are skipped): officers with an account, then people
#: another body sends (police, market control…) typed by name.
TEAM_LINES = 6
OTHER_LINES = 3
PLANS_PER_PAGE = 5


def _int(text: str | None) -> int | None:
    """A whole number of a form field (ASCII digits, at most 2⁶³−1), else None."""
    return parse_int(str(text).strip())


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(str(text))
    except (TypeError, ValueError):
        return None


def _establishment(values: dict[str, str]) -> Establishment:
    return Establishment(
        name=values.get("establishment_name", ""),
        address=values.get("establishment_address", ""),
        business_code=values.get("business_code", ""),
        trades=values.get("trades", ""),
    )


# ---- the plans ------------------------------------------------------------------------------


def _plans_context(
    session: Session,
    user: User,
    registry: Any,
    *,
    year: int | None,
    page: int,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    message: str | None = None,
    failed: str = "",
) -> dict[str, Any]:
    everything = plans.plans(session, actor=user, year=year)
    shown = everything[(page - 1) * PLANS_PER_PAGE : page * PLANS_PER_PAGE]
    items = plans.items_of(session, [p.id for p in shown if p.id is not None])
    by_plan: dict[int, list[InspectionPlanItem]] = {}
    for item in items:
        by_plan.setdefault(item.plan_id, []).append(item)
    openable = service.openable(session, user, registry.all())
    opened = [item.dossier_id for item in items if item.dossier_id]
    codes: dict[int | None, str] = {}
    if opened:
        query = select(Dossier.id, Dossier.code).where(col(Dossier.id).in_(opened))
        codes = dict(session.exec(query).all())
    return {
        "plans": shown,
        "items": by_plan,
        "dossier_codes": codes,
        "year": year,
        "page": page,
        "pages": max(1, -(-len(everything) // PLANS_PER_PAGE)),
        "total": len(everything),
        "openable": openable,
        "names": {p.code: p.name for p in registry.all()},
        "errors": errors or {},
        "values": values or {},
        "message": message,
        "failed": failed,
        "this_year": utcnow().year,
    }


@router.get("/inspections")
def plans_page(
    request: Request,
    session: SessionDep,
    user: PageUser,
    registry: RegistryDep,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    saved: Annotated[str | None, Query(max_length=16)] = None,
) -> Response:
    message = {"plan": "Đã lưu kế hoạch.", "item": "Đã thêm cơ sở vào kế hoạch."}.get(saved or "")
    ctx = _plans_context(session, user, registry, year=year, page=page, message=message)
    return render(request, "inspections/plans.html", ctx, user=user)


@router.post("/inspections/plans")
async def create_plan(
    request: Request, session: SessionDep, user: PageUser, registry: RegistryDep
) -> Response:
    values = form_texts(await request.form())
    try:
        inputs.screen(values)
        plan = plans.create_plan(
            session,
            actor=user,
            procedures=registry.all(),
            year=_int(values.get("year")),
            number=values.get("number", ""),
            approved_on=_day(values.get("approved_on")),
            approved_by=values.get("approved_by", ""),
        )
    except ValidationFailed as exc:
        ctx = _plans_context(
            session, user, registry, year=None, page=1, errors=exc.fields, values=values,
            message=exc.message, failed="plan",
        )  # fmt: skip
        return render(request, "inspections/plans.html", ctx, user=user, status_code=422)
    return RedirectResponse(f"/inspections?year={plan.year}&saved=plan", status_code=303)


@router.post("/inspections/plans/{plan_id}/items")
async def add_item(
    plan_id: IdPath, request: Request, session: SessionDep, user: PageUser, registry: RegistryDep
) -> Response:
    values = form_texts(await request.form())
    try:
        inputs.screen(values)
        item = plans.add_plan_item(
            session,
            actor=user,
            procedures=registry.all(),
            plan_id=plan_id,
            procedure_code=values.get("procedure", ""),
            month=_int(values.get("month")),
            establishment=_establishment(values),
        )
    except ValidationFailed as exc:
        ctx = _plans_context(
            session, user, registry, year=None, page=1, errors=exc.fields, values=values,
            message=exc.message, failed=f"item-{plan_id}",
        )  # fmt: skip
        return render(request, "inspections/plans.html", ctx, user=user, status_code=422)
    return RedirectResponse(f"/inspections?saved=item#item-{item.id}", status_code=303)


# ---- opening -----------------------------------------------------------------------------------


def _new_context(
    session: Session,
    user: User,
    registry: Any,
    values: dict[str, str],
    errors: dict[str, str] | None = None,
    message: str | None = None,
) -> dict[str, Any]:
    item = None
    item_id = _int(values.get("item"))
    if item_id is not None:
        item = service.plan_item(session, actor=user, item_id=item_id)
    return {
        "choices": service.openable(session, user, registry.all()),
        "item": item,
        "names": {p.code: p.name for p in registry.all()},
        "triggers": TRIGGER_LABELS,
        "values": values,
        "errors": errors or {},
        "message": message,
    }


def _follow_up_values(session: Session, user: User, code: str) -> dict[str, str]:
    """An ad hoc inspection that checks the remedy of inspection `code`: its procedure and
    establishment, and why (the findings page's «Mở cuộc kiểm tra lại» link)."""
    earlier = get_dossier(session, user=user, code=code)  # 404 for who may not read it
    row = inspection_of(session, earlier)
    return {
        "procedure": earlier.procedure_code,
        "trigger": "other",
        "trigger_note": f"Kiểm tra lại việc khắc phục vi phạm của cuộc kiểm tra {earlier.code}.",
        "establishment_name": row.establishment_name if row else earlier.applicant_name,
        "establishment_address": row.establishment_address if row else earlier.applicant_address,
        "business_code": row.business_code if row else "",
        "trades": row.trades if row else "",
    }


@router.get("/inspections/new")
def new_inspection(
    request: Request,
    session: SessionDep,
    user: PageUser,
    registry: RegistryDep,
    item: IdQuery = None,
    procedure: Annotated[str | None, Query(max_length=64)] = None,
    follow_up: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    values = {"item": str(item or ""), "procedure": procedure or "", "mode": "real"}
    if follow_up:
        values |= _follow_up_values(session, user, follow_up)
    ctx = _new_context(session, user, registry, values)
    return render(request, "inspections/new.html", ctx, user=user)


@router.post("/inspections")
async def open_inspection(
    request: Request,
    session: SessionDep,
    user: PageUser,
    registry: RegistryDep,
    tz: TzDep,
    calendars: CalendarsDep,
) -> Response:
    values = form_texts(await request.form())
    try:
        inputs.screen(values)
        dossier = service.open_inspection(
            session,
            actor=user,
            procedures=registry.all(),
            procedure_code=values.get("procedure", ""),
            establishment=_establishment(values),
            plan_item_id=_int(values.get("item")),
            trigger=values.get("trigger", ""),
            trigger_note=values.get("trigger_note", ""),
            mode=values.get("mode", "real"),
            tz=tz,
            calendars=calendars,
        )
    except ValidationFailed as exc:
        ctx = _new_context(session, user, registry, values, exc.fields, exc.message)
        return render(request, "inspections/new.html", ctx, user=user, status_code=422)
    return RedirectResponse(f"/dossiers/{dossier.code}?opened=1", status_code=303)


# ---- the decision ------------------------------------------------------------------------------


def _decision_context(
    session: Session,
    user: User,
    code: str,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    message: str | None = None,
) -> dict[str, Any]:
    dossier = get_dossier(session, user=user, code=code)
    transition = service.decision_transition(session, user, dossier)
    _, procedure = procedure_of(session, dossier)
    inspection = inspection_of(session, dossier)
    eligible = service.eligible_members(session, dossier)
    quality = procedure.field == teams.QUALITY
    if values is None:
        default_place = ""
        if inspection is not None:
            default_place = ", ".join(
                x for x in (inspection.establishment_name, inspection.establishment_address) if x
            )
        values = {"place": default_place}
        if quality:  # tick the officers their latest quality decision declared controllers
            known = teams.remembered_controllers(session, [u.id for u, _ in eligible if u.id])
            values["qc"] = [str(uid) for uid, declared in known.items() if declared]
    return {
        "d": dossier,
        "p": procedure,
        "t": transition,
        "inspection": inspection,
        "eligible": eligible,
        "roles": TEAM_ROLE_LABELS,
        "lines": range(TEAM_LINES),
        "other_lines": range(OTHER_LINES),
        "quality": quality,
        "rule": teams.rule_text(procedure.field),
        "values": values,
        "errors": errors or {},
        "message": message,
    }


@router.get("/inspections/{code}/decision")
def decision_form(code: str, request: Request, session: SessionDep, user: PageUser) -> Response:
    ctx = _decision_context(session, user, code)
    return render(request, "inspections/decision.html", ctx, user=user)


@router.post("/inspections/{code}/decision")
async def issue_decision(
    code: str,
    request: Request,
    session: SessionDep,
    user: PageUser,
    tz: TzDep,
    calendars: CalendarsDep,
) -> Response:
    form = await request.form()
    values: dict[str, Any] = form_texts(form)
    ticked = {str(v) for v in form.getlist("qc")}
    values["qc"] = sorted(ticked)
    at = None
    errors: dict[str, str] = {}
    if values.get("inspection_at"):
        try:
            at = datetime.fromisoformat(values["inspection_at"]).replace(tzinfo=tz)
        except ValueError:
            errors["inspection_at"] = "Thời gian kiểm tra chưa đúng dạng ngày giờ."
    team = []
    for i in range(TEAM_LINES):  # blank lines stay in place: the messages name the form's line
        user_id = _int(values.get(f"member_{i}"))
        controller = user_id is not None and str(user_id) in ticked
        team.append(TeamLine(user_id, values.get(f"role_{i}", ""), controller))
    others = [
        OtherMember(
            values.get(f"other_name_{j}", ""),
            values.get(f"other_body_{j}", ""),
            bool(values.get(f"other_qc_{j}")),
        )
        for j in range(OTHER_LINES)
    ]
    try:
        inputs.screen(values)
        if errors:
            raise ValidationFailed("Chưa ký được quyết định kiểm tra.", fields=errors)
        service.issue_decision(
            session,
            actor=user,
            code=code,
            decision_number=values.get("decision_number", ""),
            inspection_at=at,
            place=values.get("place", ""),
            team=team,
            others=others,
            tz=tz,
            calendars=calendars,
        )
    except ValidationFailed as exc:
        session.rollback()
        ctx = _decision_context(session, user, code, values, exc.fields, exc.message)
        return render(request, "inspections/decision.html", ctx, user=user, status_code=422)
    return RedirectResponse(f"/dossiers/{code}?decided=1", status_code=303)
