"""The version history of a procedure (or of a practice scenario): each published version with
who published it, from when, why and with which source, and the steps of the draft it came from
(the audit trail)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, col, select

from casework.accounts.models import User
from casework.dossiers.catalog import versions_of
from casework.dossiers.models import ProcedureVersion
from casework.workshop.models import DraftEvent, ProcedureDraft, ScenarioVersion
from casework.workshop.scenario_store import versions_of as scenario_versions


@dataclass
class HistoryEvent:
    action: str
    actor: str
    note: str
    at: datetime


@dataclass
class VersionEntry:
    row: ProcedureVersion | ScenarioVersion
    #: when it applies from (its effective date, or when it was stored from a file)
    since: datetime
    published_by: str
    #: the workshop draft it came from (None: stored from a repository file)
    draft_id: int | None
    events: list[HistoryEvent] = field(default_factory=list)


def _names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    users = session.exec(select(User).where(col(User.id).in_(ids)))
    return {u.id: u.full_name for u in users if u.id is not None}


def version_history(session: Session, code: str) -> list[VersionEntry]:
    """Every published version of `code`, newest first, with its draft's events."""
    rows = versions_of(session, code)
    drafts = {
        d.published_version_id: d
        for d in session.exec(
            select(ProcedureDraft).where(
                col(ProcedureDraft.published_version_id).in_([r.id for r in rows])
            )
        )
    }
    return _entries(session, rows, drafts)


def scenario_history(session: Session, scenario_id: str) -> list[VersionEntry]:
    """Every published version of a practice scenario, newest first, with its draft's events."""
    rows = scenario_versions(session, scenario_id)
    wanted = [r.draft_id for r in rows if r.draft_id is not None]
    by_id = {
        d.id: d
        for d in session.exec(select(ProcedureDraft).where(col(ProcedureDraft.id).in_(wanted)))
    } if wanted else {}  # fmt: skip
    drafts = {r.id: by_id[r.draft_id] for r in rows if r.draft_id in by_id}
    return _entries(session, rows, drafts)


def _entries(
    session: Session,
    rows: Sequence[ProcedureVersion | ScenarioVersion],
    drafts: dict[int | None, ProcedureDraft],
) -> list[VersionEntry]:
    draft_ids = [d.id for d in drafts.values() if d.id is not None]
    events = list(
        session.exec(
            select(DraftEvent)
            .where(col(DraftEvent.draft_id).in_(draft_ids))
            .order_by(col(DraftEvent.at), col(DraftEvent.id))
        )
    ) if draft_ids else []  # fmt: skip
    names = _names(
        session,
        {r.published_by_id for r in rows if r.published_by_id is not None}
        | {e.actor_id for e in events if e.actor_id is not None},
    )
    out = []
    for row in rows:
        draft = drafts.get(row.id)
        entry = VersionEntry(
            row=row,
            since=getattr(row, "effective_from", None) or row.created_at,
            published_by=names.get(row.published_by_id or 0, "tệp trong kho mã nguồn"),
            draft_id=draft.id if draft is not None else None,
        )
        if draft is not None:
            entry.events = [
                HistoryEvent(e.action, names.get(e.actor_id or 0, "hệ thống"), e.note, e.at)
                for e in events
                if e.draft_id == draft.id
            ]
        out.append(entry)
    return out
