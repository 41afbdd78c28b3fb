"""What the workshop's preview shows: the handbook page drawn from a draft procedure, and a scenario
draft's dry run against the procedure it plays. Read-only."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Request
from sqlmodel import Session

from casework import capabilities
from casework.handbook.booklet import slug
from casework.procedures import Procedure, ProcedureRegistry, diagrams
from casework.questions import service as questions
from casework.workshop.models import DraftKind, ProcedureDraft
from casework.workshop.validation import check_scenario_text


def handbook_context(request: Request, session: Session, procedure: Procedure) -> dict[str, Any]:
    """What `handbook/detail.html` needs, for a procedure that is not published yet."""
    calendar = request.app.state.calendars.for_unit(session, None)
    return {
        "p": procedure,
        "history": [],
        "current_hash": procedure.content_hash,
        "diagram": diagrams.dot_available(),
        "common_actions": diagrams.everywhere_actions(procedure),
        "can_open": False,
        "faq": questions.faq(session, procedure=procedure, calendar=calendar),
        "can_ask": False,
        "pdf": capabilities.pdf_available(),
        "field_slug": slug(procedure.field),
    }


@dataclass
class DryRun:
    ok: bool
    problems: list[str]
    steps: list[tuple[str, str]]  # (the step's label, the actions expected there)


def scenario_dry_run(request: Request, draft: ProcedureDraft) -> DryRun | None:
    """A scenario draft walked against the procedure it plays (the one in force): every expected
    action possible at its step, the path ending in a final state."""
    if draft.kind != DraftKind.scenario:
        return None
    registry: ProcedureRegistry = request.app.state.registry
    scenario, problems = check_scenario_text(draft.yaml_text, registry)
    if scenario is None:
        return DryRun(False, [f"{p.line or '-'}: {p.message}" for p in problems], [])
    procedure = registry.get(scenario.procedure)
    steps = []
    for step in scenario.expected:
        label = procedure.states[step.state].label if step.state in procedure.states else ""
        steps.append((label or str(step.state), ", ".join(o.action for o in step.options)))
    return DryRun(True, [], steps)
