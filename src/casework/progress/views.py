"""Progress pages: a trainee's progress (and the mentor's sign-off forms), a unit's trainees and
the leaderboard. /progress itself (per province and unit): `progress.dashboard`. Sign-offs and the
certificate: `signoffs.views`.

Thin views: one service call, one template. A form posts and redirects back (post/redirect/get);
a rejected sign-off shows the page again (422) with the reason on top. A trainee or unit the
viewer may not see is a 404; a viewer who sees it but may not sign or opt out gets a 403.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from casework.accounts.models import Unit, User
from casework.learning import views as learning
from casework.procedures import ProcedureRegistry
from casework.progress import service
from casework.reviews.service import VERDICT_LABELS
from casework.scenarios.schema import ScenarioRegistry
from casework.signoffs import service as signoffs
from casework.web.auth import PageUser, verify_csrf
from casework.web.deps import CalendarsDep, RegistryDep, SessionDep
from casework.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])


def _scenarios(request: Request) -> ScenarioRegistry:
    registry: ScenarioRegistry = request.app.state.scenarios
    return registry


# ---- a trainee --------------------------------------------------------------------------------


def _trainee_page(
    request: Request,
    session: Session,
    viewer: User,
    trainee: User,
    procedures: ProcedureRegistry,
    calendars: Any,
    *,
    message: str | None = None,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    progress = service.progress_of(
        session, [trainee], scenarios=_scenarios(request), calendars=calendars
    )[trainee.id or 0]
    unit = session.get(Unit, trainee.unit_id)
    assert unit is not None
    sign_offs = signoffs.panel(
        session, viewer=viewer, trainee=trainee, procedures=procedures,
        min_passed=request.app.state.settings.signoff_min_passed,
    )  # fmt: skip
    context = {
        "trainee": trainee,
        "unit": unit,
        "progress": progress,
        "score": progress.score,
        "badge_hints": service.BADGE_HINTS,
        "verdict_labels": VERDICT_LABELS,
        "procedure_names": {p.code: p.name for p in procedures.all()},
        "learning": learning.summary_for(
            request, session, trainee, procedures, calendars, progress
        ),
        "signoffs": sign_offs,
        "can_see_unit": service.mentor_covers(session, viewer, unit)
        or service.admin_covers(session, viewer, unit),
        "message": message,
        "errors": errors or {},
        "values": values or {},
    }
    return render(request, "progress/trainee.html", context, user=viewer, status_code=status_code)


@router.get("/progress/users/{username}")
def trainee_page(
    username: str,
    request: Request,
    session: SessionDep,
    user: PageUser,
    procedures: RegistryDep,
    calendars: CalendarsDep,
    signed: Annotated[str | None, Query(max_length=64)] = None,
    revoked: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    trainee = service.visible_trainee(session, user, username)
    message = None
    if signed and signed in procedures:
        message = f"Đã ký xác nhận: {signed} — có thể làm độc lập."
    elif revoked and revoked in procedures:
        message = f"Đã thu hồi xác nhận {revoked}."
    return _trainee_page(request, session, user, trainee, procedures, calendars, message=message)


# ---- a unit, opt-out --------------------------------------------------------------------------


@router.get("/progress/units/{code}")
def unit_page(
    code: str,
    request: Request,
    session: SessionDep,
    user: PageUser,
    calendars: CalendarsDep,
    saved: Annotated[str | None, Query(pattern="^(in|out)$")] = None,
) -> Response:
    unit = service.visible_unit(session, user, code)
    assert unit.id is not None
    trainees = service.trainees_of(session, [unit.id])
    progress = service.progress_of(
        session, trainees, scenarios=_scenarios(request), calendars=calendars
    )
    message = None
    if saved == "out":
        message = "Đơn vị đã rút khỏi bảng xếp hạng."
    elif saved == "in":
        message = "Đơn vị đã tham gia lại bảng xếp hạng."
    context = {
        "unit": unit,
        "rows": [progress[t.id] for t in trainees if t.id is not None],
        "opted_out": unit.id in service.opted_out_ids(session),
        "can_opt_out": service.admin_covers(session, user, unit),
        "message": message,
    }
    return render(request, "progress/unit.html", context, user=user)


@router.post("/progress/units/{code}/opt-out")
async def opt_out(code: str, request: Request, session: SessionDep, user: PageUser) -> Response:
    unit = service.visible_unit(session, user, code)
    form = await request.form()
    out = form.get("opted_out") == "1"
    service.set_opt_out(session, admin=user, unit=unit, opted_out=out)
    return RedirectResponse(
        f"/progress/units/{unit.code}?saved={'out' if out else 'in'}", status_code=303
    )


# ---- the leaderboard --------------------------------------------------------------------------


@router.get("/progress/leaderboard")
def leaderboard(
    request: Request,
    session: SessionDep,
    user: PageUser,
    calendars: CalendarsDep,
    procedures: RegistryDep,
    province: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    provinces = service.provinces(session)
    if province is None or province not in provinces:
        own = session.get(Unit, user.unit_id)
        province = own.province if own is not None and own.province in provinces else None
    if province is None and provinces:
        province = provinces[0]
    standings = (
        service.leaderboard(
            session,
            province=province,
            scenarios=_scenarios(request),
            calendars=calendars,
            procedures=procedures,
            quizzes=learning.quizzes_of(request),
        )
        if province
        else []
    )
    context = {"provinces": provinces, "province": province, "standings": standings}
    return render(request, "progress/leaderboard.html", context, user=user)
