"""Starting a scenario (a practice dossier with a scripted applicant) and reading its feedback."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from casework.accounts.models import Unit, User
from casework.dossiers import service
from casework.dossiers.access import visible_filter
from casework.dossiers.catalog import procedure_of
from casework.dossiers.clockwork import CalendarSource
from casework.dossiers.models import Dossier, Event, EventKind, Mode
from casework.dossiers.queries import timeline
from casework.errors import NotFound
from casework.procedures import ProcedureRegistry
from casework.scenarios.feedback import Feedback, TakenAction, evaluate
from casework.scenarios.schema import Scenario, ScenarioRegistry

SCENARIO_KEY = "_scenario"


def start(
    session: Session,
    *,
    actor: User,
    scenario: Scenario,
    procedures: ProcedureRegistry,
    tz: ZoneInfo,
    calendars: CalendarSource | None = None,
    now: datetime | None = None,
) -> Dossier:
    """Open the scenario's practice dossier at the actor's unit; one transaction."""
    received_at = (
        datetime.fromisoformat(scenario.received_at).replace(tzinfo=tz)
        if scenario.received_at
        else None
    )
    a = scenario.applicant
    dossier = service.open_dossier(
        session,
        actor=actor,
        procedure=procedures.get(scenario.procedure),
        applicant=service.Applicant(
            name=a.name,
            kind=a.kind,
            id_number=a.id_number,
            address=a.address,
            phone=a.phone,
            email=a.email,
        ),  # fmt: skip
        mode=Mode.practice,
        received_at=received_at,
        tz=tz,
        now=now,
        calendars=calendars,
        commit=False,
    )
    dossier.data = {
        SCENARIO_KEY: scenario.id,
        service.SCRIPT_KEY: [r.model_dump() for r in scenario.responses],
    }
    session.add(dossier)
    session.commit()
    return dossier


def feedback(
    session: Session,
    *,
    dossier: Dossier,
    scenarios: ScenarioRegistry,
    calendars: CalendarSource,
) -> tuple[Scenario, Feedback]:
    scenario_id = dossier.data.get(SCENARIO_KEY)
    if not scenario_id:
        raise NotFound(f"Hồ sơ {dossier.code} không phải bài thực hành.")
    scenario = scenarios.get(scenario_id)
    _, procedure = procedure_of(session, dossier)
    events = timeline(session, dossier)
    taken = attempt(events)
    cal = calendars.for_unit(session, dossier.handling_unit_id)
    return scenario, evaluate(scenario, procedure, events[0].at, taken, cal)


def attempt(events: list[Event]) -> list[TakenAction]:
    """The trainee's actions on the path that counts: when a mentor returns the dossier for redo
    from a step, the actions taken from that step on are dropped and the redo is scored instead."""
    taken: list[tuple[str | None, TakenAction]] = []
    for ev in events:
        if ev.kind == EventKind.action and ev.action:
            taken.append((ev.from_state, TakenAction(ev.action, ev.at, ev.payload.get("data", {}))))
        elif ev.kind == "review" and ev.action == "redo" and ev.to_state:
            starts = [i for i, (source, _) in enumerate(taken) if source == ev.to_state]
            if starts:
                del taken[starts[-1] :]
    return [action for _, action in taken]


def runs_of_unit(session: Session, *, user: User, limit: int = 50) -> list[Dossier]:
    """Recent scenario dossiers of the user's unit that the user may read (newest first): a
    mentor's own unit, for one, shows them nothing (DESIGN §6)."""
    unit = session.get(Unit, user.unit_id)
    if unit is None:
        return []
    rows = session.exec(
        select(Dossier)
        .where(
            Dossier.mode == Mode.practice,
            Dossier.receiving_unit_id == user.unit_id,
            visible_filter(user, unit),
        )
        .order_by(col(Dossier.id).desc())
        .limit(limit * 4)
    ).all()
    return [d for d in rows if d.data.get(SCENARIO_KEY)][:limit]


def opened_by(session: Session, dossier: Dossier) -> int | None:
    first = session.exec(
        select(Event).where(Event.dossier_id == dossier.id, Event.seq == 1)
    ).first()
    return first.actor_id if first else None
