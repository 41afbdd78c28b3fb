"""`casework audit verify`: recompute every event chain, in batches, without loading all rows."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from casework.dossiers.events import ChainProblem, verify_chain
from casework.dossiers.models import Dossier, Event
from casework.errors import NotFound

BATCH = 500


@dataclass
class AuditReport:
    dossiers: int = 0
    events: int = 0
    problems: list[ChainProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(session: Session, *, code: str | None = None) -> AuditReport:
    """Recompute the chains of every dossier (or one), reading committed data in a session of
    its own, in batches, so the caller's session and objects are left as they were."""
    with Session(session.get_bind()) as own:
        return _verify(own, code=code)


def _verify(session: Session, *, code: str | None) -> AuditReport:
    report = AuditReport()
    query = select(Dossier).order_by(col(Dossier.id))
    if code is not None:
        query = query.where(Dossier.code == code)
        if session.exec(query).first() is None:
            raise NotFound(f"Không tìm thấy hồ sơ {code}.")
    last_id = 0
    while True:
        batch = session.exec(query.where(col(Dossier.id) > last_id).limit(BATCH)).all()
        if not batch:
            return report
        ids = [d.id for d in batch]
        events: dict[int, list[Event]] = {i: [] for i in ids if i is not None}
        for ev in session.exec(
            select(Event)
            .where(col(Event.dossier_id).in_(ids))
            .order_by(col(Event.dossier_id), col(Event.seq))
        ):
            events[ev.dossier_id].append(ev)
        for dossier in batch:
            assert dossier.id is not None
            chain = events[dossier.id]
            report.dossiers += 1
            report.events += len(chain)
            report.problems.extend(verify_chain(dossier, chain))
        last_id = batch[-1].id or last_id
        session.expunge_all()  # bounded memory (this session is ours alone)
