"""Practice dossiers ("làm thử"): start again from the beginning.

Resetting never rewrites history: a new practice dossier is opened with the same applicant on the
same procedure version (so the trainee meets the same steps and the same clock rules), and the old
attempt gets a final `reset` event naming its replacement and leaves the work queues. Mentors can
still open the old attempt and read it.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from casework.accounts.models import ACTING_ROLES, User
from casework.db import utcnow
from casework.dossiers import access, queue_index, script, service
from casework.dossiers.catalog import procedure_of
from casework.dossiers.clockwork import CalendarSource
from casework.dossiers.events import record_event
from casework.dossiers.models import Dossier, EventKind, Mode
from casework.errors import ActionNotAllowed, NotFound, PermissionDenied
from casework.web.auth import PageUser, verify_csrf
from casework.web.deps import CalendarsDep, SessionDep, TzDep

#: Keys of a practice dossier's data that its fresh copy keeps (a scenario's id and script).
CARRIED_KEYS = (
    "_scenario",
    "_scenario_hash",
    script.SCRIPT_KEY,
    script.COLLEAGUES_KEY,
    script.PLAYS_KEY,
    script.PATH_KEY,
)

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])


def reset_practice(
    session: Session,
    *,
    actor: User,
    code: str,
    tz: ZoneInfo,
    calendars: CalendarSource | None = None,
    now: datetime | None = None,
) -> Dossier:
    """Open a fresh copy of a practice dossier and close the old attempt; returns the new one."""
    now = now or utcnow()
    old = service._lock_dossier(session, code)
    if not access.can_view(session, actor, old):
        raise NotFound(f"Không tìm thấy hồ sơ {code}.")
    if old.mode != Mode.practice:
        raise ActionNotAllowed("Chỉ hồ sơ làm thử mới làm lại từ đầu được; hồ sơ thật không thể.")
    if not (access.can_act_in_unit(actor, old) and actor.has_role(*ACTING_ROLES)):
        raise PermissionDenied("Chỉ cán bộ của đơn vị đang làm hồ sơ này mới làm lại được.")
    plays = old.data.get(script.PLAYS_KEY)
    if plays and not actor.has_role(*plays):  # a scenario run: the same roles, played again
        raise PermissionDenied(
            "Bài thực hành này đóng vai trò khác với vai trò của bạn; hãy bắt đầu bài từ trang "
            "«Bài thực hành»."
        )
    if old.finished_at is not None and old.data.get("replaced_by"):
        raise ActionNotAllowed(f"Hồ sơ {code} đã được làm lại thành {old.data['replaced_by']}.")
    _, procedure = procedure_of(session, old)
    fresh = service.open_dossier(
        session,
        actor=actor,
        procedure=procedure,
        applicant=service.Applicant(
            name=old.applicant_name,
            kind=old.applicant_kind,
            id_number=old.applicant_id_number,
            address=old.applicant_address,
            phone=old.applicant_phone,
            email=old.applicant_email,
        ),
        mode=Mode.practice,
        channel=old.channel,
        received_at=now,
        tz=tz,
        now=now,
        calendars=calendars,
        commit=False,
        check_opening="_scenario" not in old.data,  # a scenario's own rule let them start it
    )
    # a scenario stays a scenario: same scripted applicant and colleagues, same feedback
    carried = {k: old.data[k] for k in CARRIED_KEYS if k in old.data}
    if carried:
        fresh.data = {**fresh.data, **carried}
        cal = (calendars or service.default_calendars()).for_unit(session, fresh.handling_unit_id)
        service.play_colleagues(
            session, dossier=fresh, procedure=procedure, now=now, tz=tz, cal=cal
        )
        session.add(fresh)
    record_event(
        session,
        dossier=old,
        kind=EventKind.audit,
        at=now,
        actor_id=actor.id,
        action="reset",
        payload={"label": "Làm lại từ đầu", "replaced_by": fresh.code},
    )
    old.data = {**old.data, "replaced_by": fresh.code}
    old.finished_at = old.finished_at or now
    queue_index.sync(session, old, procedure)
    old.version += 1
    old.updated_at = now
    session.add(old)
    session.commit()
    return fresh


@router.post("/dossiers/{code}/reset")
def reset(
    code: str, session: SessionDep, user: PageUser, tz: TzDep, calendars: CalendarsDep
) -> Response:
    fresh = reset_practice(session, actor=user, code=code, tz=tz, calendars=calendars)
    return RedirectResponse(f"/dossiers/{fresh.code}?opened=1", status_code=303)
