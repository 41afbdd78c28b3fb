"""Scenario pages: the list with briefings, starting one, and the step-by-step feedback."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from casework.accounts.models import ACTING_ROLES, Unit
from casework.dossiers import access, queries
from casework.errors import PermissionDenied
from casework.scenarios import service
from casework.scenarios.schema import DIFFICULTY_LABELS, TRAP_LABELS, ScenarioRegistry
from casework.web.auth import PageUser, verify_csrf
from casework.web.deps import CalendarsDep, RegistryDep, SessionDep, TzDep
from casework.web.templating import render

STATUS_LABELS = {
    "ok": "Đúng",
    "partial": "Đúng một phần",
    "wrong": "Chưa đúng",
    "pending": "Chưa làm",
    "missed": "Bỏ lỡ",
    "simulated": "Hệ thống làm thay (mô phỏng)",
}

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])


def _scenarios(request: Request) -> ScenarioRegistry:
    registry: ScenarioRegistry = request.app.state.scenarios
    return registry


@router.get("/scenarios")
def scenario_list(
    request: Request, session: SessionDep, user: PageUser, registry: RegistryDep
) -> Response:
    unit = session.get(Unit, user.unit_id)
    assert unit is not None
    items = []
    for scenario in _scenarios(request).all():
        procedure = registry.get(scenario.procedure)
        items.append((scenario, procedure, service.refusal(unit, user, scenario, procedure)))
    return render(
        request,
        "scenarios/list.html",
        {
            "mine": [i for i in items if i[2] is None],
            "others": [i for i in items if i[2] is not None],
            "traps": TRAP_LABELS,
            "difficulty": DIFFICULTY_LABELS,
            "runs": service.runs_of_unit(session, user=user),
        },
        user=user,
    )


@router.post("/scenarios/{scenario_id}/start")
def start_scenario(
    scenario_id: str,
    request: Request,
    session: SessionDep,
    user: PageUser,
    registry: RegistryDep,
    tz: TzDep,
    calendars: CalendarsDep,
    together: Annotated[str, Form()] = "",
) -> Response:
    scenario = _scenarios(request).get(scenario_id)
    if not user.has_role(*ACTING_ROLES):
        raise PermissionDenied("Chỉ cán bộ tiếp nhận, thụ lý, lãnh đạo mới làm bài thực hành.")
    dossier = service.start(
        session,
        actor=user,
        scenario=scenario,
        procedures=registry,
        tz=tz,
        calendars=calendars,
        together=together == "1",
    )
    return RedirectResponse(f"/dossiers/{dossier.code}?opened=1", status_code=303)


@router.get("/dossiers/{code}/feedback")
def scenario_feedback(
    code: str, request: Request, session: SessionDep, user: PageUser, calendars: CalendarsDep
) -> Response:
    dossier = queries.get_dossier(session, user=user, code=code)
    scenario, fb = service.feedback(
        session, dossier=dossier, scenarios=_scenarios(request), calendars=calendars
    )
    can_redo = (
        access.can_act_in_unit(user, dossier)
        and user.has_role(*ACTING_ROLES)
        and not dossier.data.get("replaced_by")
    )
    return render(
        request,
        "scenarios/feedback.html",
        {
            "d": dossier,
            "scenario": scenario,
            "fb": fb,
            "traps": TRAP_LABELS,
            "statuses": STATUS_LABELS,
            "difficulty": DIFFICULTY_LABELS,
            "can_redo": can_redo,
        },
        user=user,
    )
