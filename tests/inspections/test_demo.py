"""The demo data (`casework demo load`, both databases) holds issue 15's parts: a plan with three
lines, one inspection waiting for its decision, one taken to its report with a certified team and
finding rows within the rules; the demo certificates with their evidence files; two classes."""

from __future__ import annotations

from sqlmodel import Session, col, select

from casework import demo
from casework.certificates.models import Certificate
from casework.classes.models import TrainingClass
from casework.dossiers.models import Dossier, Event
from casework.findings.models import FindingRow
from casework.inspections.models import Inspection, InspectionPlanItem, TeamMember
from tests.factories import TZ


def test_load_demo(session: Session, registry, tmp_path) -> None:  # type: ignore[no-untyped-def]
    demo.load(session, registry, TZ, upload_dir=tmp_path)
    assert len(session.exec(select(InspectionPlanItem)).all()) == 3
    rows = session.exec(select(Inspection)).all()
    states = {session.get(Dossier, r.dossier_id).state for r in rows}  # type: ignore[union-attr]
    assert states == {"decision", "closed"}
    assert len(session.exec(select(TeamMember)).all()) == 2
    slips = {e.payload.get("slip") for e in session.exec(select(Event)).all()}
    assert {"inspection_decision", "inspection_record", "inspection_report"} <= slips
    closed = next(r for r in rows if session.get(Dossier, r.dossier_id).state == "closed")  # type: ignore[union-attr]
    found = select(FindingRow).where(FindingRow.dossier_id == closed.dossier_id)
    finding_rows = session.exec(found).all()
    assert finding_rows and all(r.passed for r in finding_rows), finding_rows
    evidence = select(Certificate).where(col(Certificate.evidence_key).is_not(None))
    with_files = session.exec(evidence).all()
    assert with_files and all((tmp_path / str(c.evidence_key)).is_file() for c in with_files)
    assert len(session.exec(select(TrainingClass)).all()) == 2
