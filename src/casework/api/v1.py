"""`/api/v1` routes. Thin: parse, call one service, shape the answer."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request, status
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from casework.accounts.models import Unit, User
from casework.api.schemas import (
    BODY_ERROR_RESPONSES,
    ERROR_RESPONSES,
    ActionIn,
    ActionOut,
    AllowedActionOut,
    ApplicantOut,
    ClockOut,
    DocumentOut,
    DossierOut,
    DossierPage,
    EventOut,
    LimitOut,
    MeOut,
    OpenDossierIn,
    PauseOut,
    ProcedureOut,
    ProcedureSummary,
    SnapshotOut,
    StateOut,
    StepOut,
)
from casework.db import utcnow
from casework.dossiers import clockwork, queries, service
from casework.dossiers.catalog import procedure_of
from casework.dossiers.clockwork import CalendarSource
from casework.dossiers.models import Dossier
from casework.errors import ValidationFailed
from casework.ids import SeqPath
from casework.procedures import Procedure
from casework.web.deps import (
    ApiUser,
    BearerToken,
    CalendarsDep,
    RegistryDep,
    SessionDep,
    TzDep,
    token_user,
)

router = APIRouter(prefix="/api/v1", tags=["api v1"], responses=ERROR_RESPONSES)


def _procedure_summary(p: Procedure) -> ProcedureSummary:
    return ProcedureSummary(
        code=p.code,
        version=p.version,
        name=p.name,
        level=p.level,
        kind=p.kind,
        field=p.field,
        limit=LimitOut.model_validate(p.limit.model_dump()),
        needs_recheck=bool(p.needs_recheck),
    )


def _procedure_out(p: Procedure) -> ProcedureOut:
    return ProcedureOut(
        **_procedure_summary(p).model_dump(),
        legal_basis=list(p.legal_basis),
        clock_starts=p.clock_starts,
        documents=[DocumentOut(key=d.key, name=d.name, required=d.required) for d in p.documents],
        states=[
            StateOut(
                id=sid,
                label=s.label,
                national_status=s.national_status,
                roles=list(s.roles),
                allot=s.allot,
                paused=s.paused,
                final=s.final,
            )
            for sid, s in p.states.items()
        ],
        actions=[
            ActionOut(
                action=t.action,
                label=t.label,
                source=list(t.source),
                target=t.target,
                roles=list(t.roles),
                requires=list(t.requires),
                slip=t.slip,
            )
            for t in p.transitions
        ],
        source=p.source_summary,
        verified_on=p.checked_on,
    )


def _clock_out(view: clockwork.ClockView, tz: ZoneInfo) -> ClockOut:
    def loc(value: datetime | None) -> datetime | None:
        return value.astimezone(tz) if value else None

    return ClockOut(
        started_at=loc(view.started_at),
        effective_receipt_day=view.effective_receipt_day,
        due=loc(view.due_at),
        appointment=loc(view.appointment_at),
        extended=view.extended,
        status=view.status.value if view.status else None,
        status_label=view.standing.label,
        waiting_on_applicant=view.waiting_on_applicant,
        paused=view.paused,
        paused_working_minutes=view.paused_working_minutes,
        supplement_requests=view.supplement_requests,
        extensions=view.extensions,
        processing_ended_at=loc(view.processing_ended_at),
        trace=view.trace,
        pauses=[
            PauseOut(
                state=p.state,
                started_at=p.started_at.astimezone(tz),
                ended_at=loc(p.ended_at),
                reason=p.reason,
                legal_basis=p.legal_basis,
            )
            for p in view.pauses
        ],
        steps=[
            StepOut(
                ordinal=s.ordinal,
                state=s.state,
                label=s.label,
                entered_at=s.entered_at.astimezone(tz),
                left_at=loc(s.left_at),
                left_action=s.left_action,
                allot=s.allot,
                due_at=loc(s.due_at),
                bucket=s.bucket,
            )
            for s in view.steps
        ],
    )


def _dossier_out(
    session: Session,
    user: User,
    d: Dossier,
    tz: ZoneInfo,
    calendars: CalendarSource,
    fired: service.Fired | None = None,
) -> DossierOut:
    """The dossier as JSON; instants in Vietnam local time with their offset. After an action,
    from what its transaction knew (`fired`): no statement at all."""
    if fired is not None:
        version, procedure, cal = fired.version, fired.procedure, fired.cal
        units = fired.unit_codes or {}
    else:
        version, procedure = procedure_of(session, d)
        cal = calendars.for_unit(session, d.handling_unit_id)
        units = service.unit_codes(session, d)
    state = procedure.states[d.state]
    return DossierOut(
        code=d.code,
        procedure_code=d.procedure_code,
        procedure_version=version.version,
        procedure_name=procedure.name,
        mode=d.mode,
        practice=d.mode == "practice",
        state=d.state,
        state_label=state.label,
        national_status=d.national_status,
        finished=state.final,
        channel=d.channel,
        applicant=ApplicantOut(
            kind=d.applicant_kind,
            name=d.applicant_name,
            id_number=d.applicant_id_number,
            address=d.applicant_address,
            phone=d.applicant_phone,
            email=d.applicant_email,
        ),
        receiving_unit=units.get(d.receiving_unit_id, ""),
        handling_unit=units.get(d.handling_unit_id, ""),
        received_at=d.received_at.astimezone(tz),
        updated_at=d.updated_at.astimezone(tz),
        finished_at=d.finished_at.astimezone(tz) if d.finished_at else None,
        version=d.version,
        data=d.data,
        clock=_clock_out(
            clockwork.clock_view(
                session,
                dossier=d,
                procedure=procedure,
                cal=cal,
                now=utcnow(),
                steps=fired.steps if fired is not None else None,
                pauses=fired.pauses if fired is not None else None,
            ),
            tz,
        ),
        allowed_actions=[
            AllowedActionOut(
                action=t.action,
                label=t.label,
                target=t.target,
                requires=list(t.requires),
                slip=t.slip,
            )
            for t in service.allowed_actions(session, actor=user, dossier=d, procedure=procedure)
        ],
    )


@router.get("/me", response_model=MeOut, summary="Người dùng của mã truy cập")
def me(user: ApiUser, session: SessionDep) -> MeOut:
    unit = session.get(Unit, user.unit_id)
    assert unit is not None
    return MeOut(
        username=user.username,
        full_name=user.full_name,
        unit_code=unit.code,
        unit_name=unit.name,
        roles=list(user.roles),
    )


@router.get("/procedures", response_model=list[ProcedureSummary], summary="Danh sách thủ tục")
def list_procedures(user: ApiUser, registry: RegistryDep) -> list[ProcedureSummary]:
    return [_procedure_summary(p) for p in registry.all()]


@router.get(
    "/procedures/{code}", response_model=ProcedureOut, summary="Một thủ tục (phiên bản hiện hành)"
)
def get_procedure(code: str, user: ApiUser, registry: RegistryDep) -> ProcedureOut:
    return _procedure_out(registry.get(code))


@router.post(
    "/dossiers",
    response_model=DossierOut,
    status_code=status.HTTP_201_CREATED,
    summary="Mở (tiếp nhận) một hồ sơ tại đơn vị của người dùng",
    responses=BODY_ERROR_RESPONSES,
)
def open_dossier(
    body: OpenDossierIn,
    user: ApiUser,
    session: SessionDep,
    registry: RegistryDep,
    tz: TzDep,
    calendars: CalendarsDep,
) -> DossierOut:
    received_at = body.received_at
    if received_at is not None and received_at.tzinfo is None:
        received_at = received_at.replace(tzinfo=tz)
    procedure = registry.get(body.procedure_code)
    if (refusal := service.applicant_form_refusal(procedure)) is not None:
        raise refusal
    dossier = service.open_dossier(
        session,
        actor=user,
        procedure=procedure,
        applicant=service.Applicant(**body.applicant.model_dump()),
        mode=body.mode,
        channel=body.channel,
        received_at=received_at,
        tz=tz,
        calendars=calendars,
    )
    return _dossier_out(session, user, dossier, tz, calendars)


def _instant(name: str, value: datetime | None, tz: ZoneInfo) -> datetime | None:
    """A query instant: no offset = Vietnam time (as for received_at); one that UTC cannot hold
    (year 1 with a positive offset, year 9999 with a negative one) is a 422, not a crash."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValidationFailed(
            "Dữ liệu gửi lên chưa đúng.", fields={name: "Thời điểm nằm ngoài khoảng cho phép."}
        ) from None


@router.get("/dossiers", response_model=DossierPage, summary="Danh sách hồ sơ được xem")
def list_dossiers(
    user: ApiUser,
    session: SessionDep,
    tz: TzDep,
    calendars: CalendarsDep,
    state: str | None = None,
    mode: Annotated[str | None, Query(pattern="^(real|practice)$")] = None,
    procedure: str | None = None,
    q: Annotated[
        str | None, Query(max_length=100, description="Mã hồ sơ hoặc tên người nộp")
    ] = None,
    received_from: datetime | None = None,
    received_to: datetime | None = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=queries.MAX_PAGE_SIZE)] = 20,
) -> DossierPage:
    result = queries.list_dossiers(
        session,
        user=user,
        filters=queries.DossierFilter(
            state=state,
            mode=mode,
            procedure_code=procedure,
            q=q,
            received_from=_instant("received_from", received_from, tz),
            received_to=_instant("received_to", received_to, tz),
        ),
        page=page,
        per_page=per_page,
    )
    return DossierPage(
        items=[_dossier_out(session, user, d, tz, calendars) for d in result.items],
        total=result.total,
        page=result.page,
        per_page=result.per_page,
        pages=result.pages,
    )


@router.get("/dossiers/{code}", response_model=DossierOut, summary="Một hồ sơ")
def get_dossier(
    code: str, user: ApiUser, session: SessionDep, tz: TzDep, calendars: CalendarsDep
) -> DossierOut:
    return _dossier_out(
        session, user, queries.get_dossier(session, user=user, code=code), tz, calendars
    )


@router.post(
    "/dossiers/{code}/actions/{action}",
    response_model=DossierOut,
    summary="Thực hiện một thao tác (chuyển bước) trên hồ sơ",
    responses=BODY_ERROR_RESPONSES,
)
async def fire_action(
    code: str,
    action: str,
    body: ActionIn,
    request: Request,
    token: BearerToken,
    session: SessionDep,
    tz: TzDep,
    calendars: CalendarsDep,
) -> DossierOut:
    # `async def` with the token check, the action and the answer in ONE trip to the thread
    # pool: as a plain `def` with `ApiUser`, FastAPI sends the token check, the endpoint and the
    # validation of the answer to the pool one after the other (issue 19, the hot path).
    def fire() -> DossierOut:
        user = token_user(request, session, token)
        fired = service.fire(
            session,
            actor=user,
            code=code,
            action=action,
            data=body.data,
            expected_version=body.expected_version,
            tz=tz,
            calendars=calendars,
            answer=True,
        )
        return _dossier_out(session, user, fired.dossier, tz, calendars, fired)

    return await run_in_threadpool(fire)


@router.get("/dossiers/{code}/events", response_model=list[EventOut], summary="Nhật ký của hồ sơ")
def list_events(code: str, user: ApiUser, session: SessionDep, tz: TzDep) -> list[EventOut]:
    dossier = queries.get_dossier(session, user=user, code=code)
    names = {}
    out = []
    for ev in queries.timeline(session, dossier):
        if ev.actor_id is not None and ev.actor_id not in names:
            actor = session.get(User, ev.actor_id)
            names[ev.actor_id] = actor.full_name if actor else None
        out.append(
            EventOut(
                seq=ev.seq,
                at=ev.at.astimezone(tz),
                actor=names.get(ev.actor_id) if ev.actor_id is not None else None,
                kind=ev.kind,
                action=ev.action,
                from_state=ev.from_state,
                to_state=ev.to_state,
                payload=ev.payload,
                hash=ev.hash,
                prev_hash=ev.prev_hash,
            )
        )
    return out


@router.get(
    "/dossiers/{code}/replay/{seq}",
    response_model=SnapshotOut,
    summary="Hồ sơ như tại thời điểm ngay sau dòng nhật ký số seq",
)
def replay(code: str, seq: SeqPath, user: ApiUser, session: SessionDep, tz: TzDep) -> SnapshotOut:
    dossier = queries.get_dossier(session, user=user, code=code)
    snap = queries.replay(session, dossier, seq)
    _, procedure = procedure_of(session, dossier)
    state = procedure.states.get(snap["state"] or "")
    snap["at"] = snap["at"].astimezone(tz)
    if snap["received_at"]:
        snap["received_at"] = datetime.fromisoformat(snap["received_at"]).astimezone(tz).isoformat()
    return SnapshotOut(
        **snap,
        state_label=state.label if state else None,
        finished=bool(state and state.final),
    )
