"""What the workshop's preview shows: the handbook page drawn from a draft procedure, and a scenario
draft's dry run against the procedure it plays (`scenario_check`). Read-only."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from sqlmodel import Session

from casework import capabilities
from casework.handbook.booklet import slug
from casework.procedures import Procedure, diagrams
from casework.questions import service as questions
from casework.workshop.models import DraftKind, ProcedureDraft
from casework.workshop.scenario_check import DryRun, dry_run


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


def scenario_dry_run(
    request: Request, session: Session, draft: ProcedureDraft, *, use_draft: bool = True
) -> DryRun | None:
    """A scenario draft's dry run (`scenario_check.dry_run`): against the procedure's open draft
    when there is a valid one and `use_draft`, else against the version in force."""
    if draft.kind != DraftKind.scenario:
        return None
    state = request.app.state
    return dry_run(
        session, text=draft.yaml_text, registry=state.registry,
        workflows_dir=state.settings.workflows_dir,
        tz=ZoneInfo(state.settings.timezone), use_draft=use_draft,
    )  # fmt: skip
