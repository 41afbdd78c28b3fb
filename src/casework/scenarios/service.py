"""Starting a scenario (a practice dossier with a scripted applicant) and reading its feedback."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from casework.accounts.models import ROLE_LABELS, Role, Unit, UnitKind, User
from casework.dossiers import script, service
from casework.dossiers.access import visible_filter
from casework.dossiers.catalog import procedure_of
from casework.dossiers.clockwork import CalendarSource
from casework.dossiers.models import Dossier, Event, EventKind, Mode
from casework.dossiers.queries import timeline
from casework.dossiers.service import LEVEL_FOR_UNIT, LEVEL_LABELS
from casework.errors import NotFound, PermissionDenied
from casework.procedures import Procedure, ProcedureRegistry
from casework.scenarios.feedback import Feedback, TakenAction, evaluate
from casework.scenarios.schema import Scenario, ScenarioRegistry
from casework.workshop import scenario_store

SCENARIO_KEY = "_scenario"
#: the hash of the scenario's text the run started on (`workshop.scenario_store.content_hash`):
#: a scenario published in the workshop later does not change how the run is scored
SCENARIO_HASH_KEY = "_scenario_hash"


def refusal(unit: Unit, actor: User, scenario: Scenario, procedure: Procedure) -> str | None:
    """Why `actor` may not start `scenario` at `unit`, or None: the unit's level must be one the
    scenario is practised at, and the actor must hold a role the scenario lets a trainee play."""
    level = LEVEL_FOR_UNIT[UnitKind(unit.kind)]
    if level not in scenario.levels(procedure):
        return (
            f"Bài này luyện thủ tục {LEVEL_LABELS[procedure.level]}; đơn vị {unit.name} "
            f"({LEVEL_LABELS[level]}) không làm bài này."
        )
    playable = scenario.playable_roles(procedure)
    if not actor.has_role(*playable):
        return (
            "Bài này dành cho vai trò: "
            + ", ".join(ROLE_LABELS.get(Role(r), r) for r in playable)
            + "."
        )
    return None


def played_roles(
    actor: User, scenario: Scenario, procedure: Procedure, *, together: bool
) -> list[str]:
    """The roles the trainee plays: theirs among the playable ones, or every role when officers
    play the scenario together (the system then plays no colleague)."""
    playable = scenario.playable_roles(procedure)
    return playable if together else [r for r in playable if actor.has_role(r)]


def colleague_plan(
    scenario: Scenario, procedure: Procedure, played: list[str]
) -> list[dict[str, Any]]:
    """The right-path steps nobody in `played` may take: the system takes them (`script`)."""
    plan = []
    for i, step in enumerate(scenario.expected):
        option = step.options[0]
        t = procedure.transition(step.state, option.action)
        assert t is not None  # walked by check_against
        if set(t.roles) & set(played):
            continue
        data = dict(option.data)
        if option.missing_documents is not None:
            data.setdefault("missing_documents", list(option.missing_documents))
        plan.append(
            {"i": i, "state": step.state, "action": t.action, "role": t.roles[0], "data": data}
        )
    return plan


def start(
    session: Session,
    *,
    actor: User,
    scenario: Scenario,
    procedures: ProcedureRegistry,
    tz: ZoneInfo,
    calendars: CalendarSource | None = None,
    now: datetime | None = None,
    together: bool = True,
) -> Dossier:
    """Open the scenario's practice dossier at the actor's unit, the colleagues the trainee does
    not play scripted into it (and acting at once if the first step is theirs); one transaction.

    `together`: officers play it together, each their own role, and the system plays nobody
    (the page asks; alone is its default)."""
    procedure = procedures.get(scenario.procedure)
    unit = session.get(Unit, actor.unit_id)
    assert unit is not None
    why = refusal(unit, actor, scenario, procedure)
    if why is not None:
        raise PermissionDenied(why)
    received_at = (
        datetime.fromisoformat(scenario.received_at).replace(tzinfo=tz)
        if scenario.received_at
        else None
    )
    a = scenario.applicant
    dossier = service.open_dossier(
        session,
        actor=actor,
        procedure=procedure,
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
        check_opening=False,
    )
    played = played_roles(actor, scenario, procedure, together=together)
    dossier.data = {
        SCENARIO_KEY: scenario.id,
        SCENARIO_HASH_KEY: scenario_store.hash_of(scenario),
        script.SCRIPT_KEY: [r.model_dump() for r in scenario.responses],
        script.COLLEAGUES_KEY: colleague_plan(scenario, procedure, played),
        script.PLAYS_KEY: played,
        script.PATH_KEY: [step.state for step in scenario.expected],
    }
    cal = (calendars or service.default_calendars()).for_unit(session, dossier.handling_unit_id)
    service.play_colleagues(
        session, dossier=dossier, procedure=procedure, now=now or dossier.created_at, tz=tz, cal=cal
    )
    session.add(dossier)
    session.commit()
    return dossier


def feedback(
    session: Session,
    *,
    dossier: Dossier,
    scenarios: ScenarioRegistry,
    calendars: CalendarSource,
    events: list[Event] | None = None,
) -> tuple[Scenario, Feedback]:
    """`events`: the dossier's events in `seq` order when the caller has them (a list of runs
    read them in one query), else read here."""
    scenario_id = dossier.data.get(SCENARIO_KEY)
    if not scenario_id:
        raise NotFound(f"Hồ sơ {dossier.code} không phải bài thực hành.")
    _, procedure = procedure_of(session, dossier)
    try:
        served: Scenario | None = scenarios.get(scenario_id)
    except NotFound:  # no longer served (it no longer walks against the procedures in force)
        served = None
    digest = dossier.data.get(SCENARIO_HASH_KEY)
    scenario = (  # the version the run started on
        scenario_store.run_scenario(session, scenario_id, served, str(digest), procedure)
        if digest
        else served
    )
    if scenario is None:
        scenario = scenarios.get(scenario_id)  # NotFound, in Vietnamese
    events = timeline(session, dossier) if events is None else events
    taken = attempt(events)
    cal = calendars.for_unit(session, dossier.handling_unit_id)
    final = dossier.state if procedure.states[dossier.state].final else None
    return scenario, evaluate(scenario, procedure, events[0].at, taken, cal, final_state=final)


def attempt(events: list[Event]) -> list[TakenAction]:
    """The actions on the path that counts: when a mentor returns the dossier for redo from a
    step, the actions taken from that step on are dropped and the redo is scored instead."""
    taken: list[TakenAction] = []
    for ev in events:
        if ev.kind == EventKind.action and ev.action:
            taken.append(
                TakenAction(
                    ev.action,
                    ev.at,
                    ev.payload.get("data", {}),
                    from_state=ev.from_state or "",
                    to_state=ev.to_state or "",
                    simulated=bool(ev.payload.get("simulated")),
                    extra={k: v for k, v in ev.payload.items() if k == "team_check"},
                )
            )
        elif ev.kind == "review" and ev.action == "redo" and ev.to_state:
            starts = [i for i, t in enumerate(taken) if t.from_state == ev.to_state]
            if starts:
                del taken[starts[-1] :]
    return taken


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
