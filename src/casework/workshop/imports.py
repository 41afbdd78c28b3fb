"""A repository file that differs from its published version, stored as a draft at start-up.

Shared by the procedures (`workshop.startup`) and the practice scenarios
(`workshop.scenario_store`): status 'draft', no author (the system), one 'imported' event whose
note names the file and the version it differs from. Never published by itself.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from casework.workshop.models import DraftAction, DraftEvent, ProcedureDraft


def imported_draft(
    session: Session,
    *,
    code: str,
    kind: str,
    body: str,
    shown: str,
    version: int,
    now: datetime,
    base_version_id: int | None = None,
) -> ProcedureDraft:
    """Add the draft of file `shown` (text `body`) and its 'imported' event (no commit)."""
    draft = ProcedureDraft(
        code=code,
        kind=kind,
        base_version_id=base_version_id,
        yaml_text=body,
        created_at=now,
        updated_at=now,
    )
    session.add(draft)
    session.flush()
    assert draft.id is not None
    session.add(
        DraftEvent(
            draft_id=draft.id,
            action=DraftAction.imported,
            note=f"Tệp {shown} khác phiên bản {version} đã công bố: nhập thành bản nháp khi "
            "khởi động (không tự công bố).",
            at=now,
        )
    )
    return draft
