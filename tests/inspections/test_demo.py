"""The demo inspections load on top of the demo data (both databases): a plan with three lines,
one inspection waiting for its decision, one taken to its report with a certified team."""

from __future__ import annotations

from sqlmodel import Session, select

from casework import demo
from casework.dossiers.models import Dossier, Event
from casework.inspections import demo as inspection_demo
from casework.inspections.models import Inspection, InspectionPlanItem, TeamMember
from tests.factories import TZ


def test_load_demo(session: Session, registry) -> None:  # type: ignore[no-untyped-def]
    demo.load(session, registry, TZ)
    assert inspection_demo.load_demo(session, registry, TZ) == 2
    assert len(session.exec(select(InspectionPlanItem)).all()) == 3
    rows = session.exec(select(Inspection)).all()
    states = {session.get(Dossier, r.dossier_id).state for r in rows}  # type: ignore[union-attr]
    assert states == {"decision", "closed"}
    assert len(session.exec(select(TeamMember)).all()) == 2
    slips = {e.payload.get("slip") for e in session.exec(select(Event)).all()}
    assert {"inspection_decision", "inspection_record", "inspection_report"} <= slips
