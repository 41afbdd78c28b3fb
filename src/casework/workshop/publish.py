"""Publishing an approved draft: a procedure as a new version in force from an effective date, a
practice scenario as its id's next version. One transaction each (it commits), with its
`DraftEvent`; the catalogue generation is bumped so every worker reloads (`workshop.live`)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import Session, select

from casework.accounts.models import User
from casework.db import utcnow
from casework.dossiers.catalog import procedure_of_version
from casework.dossiers.models import ProcedureVersion
from casework.errors import ActionNotAllowed, Conflict, ValidationFailed
from casework.procedures import ProcedureRegistry
from casework.workshop import live, scenario_store
from casework.workshop.models import (
    DraftAction,
    DraftKind,
    DraftStatus,
    ProcedureDraft,
    ScenarioVersion,
)
from casework.workshop.service import _event, _locked, _refuse_invalid, _when, validate_draft

#: an effective date this far in the past still counts as "now" (no reason needed)
PAST_TOLERANCE = timedelta(minutes=5)


def _approved(session: Session, actor: User, draft_id: int, kind: str) -> ProcedureDraft:
    """The approved draft an editor publishes, its row held; refused if it is of another kind
    (a procedure's and a scenario's publications are not the same step)."""
    draft = _locked(
        session, actor, draft_id, (DraftStatus.approved,),
        "Chỉ công bố được bản nháp đã được duyệt.",
    )  # fmt: skip
    if draft.kind != kind:
        raise ActionNotAllowed(
            "Bản nháp này là bài thực hành, không phải thủ tục."
            if draft.kind == DraftKind.scenario
            else "Bản nháp này là thủ tục, không phải bài thực hành."
        )
    return draft


def start_of_day(day: date, tz: ZoneInfo) -> datetime:
    """Local midnight of `day` (an effective date typed as a date) as an aware instant."""
    return datetime.combine(day, time(0, 0), tzinfo=tz)


def publish_draft(
    session: Session,
    *,
    actor: User,
    draft_id: int,
    workflows_dir: Path,
    registry: ProcedureRegistry,
    effective_from: datetime | None = None,
    reason: str = "",
    source_note: str = "",
    now: datetime | None = None,
) -> ProcedureVersion:
    """Publish an approved procedure draft as a new version in force from `effective_from`
    (default: now). A date in the past needs a `reason`. Dossiers received before that instant
    keep the old version; those received at or after it get this one; open dossiers stay pinned."""
    now = now or utcnow()
    draft = _approved(session, actor, draft_id, DraftKind.procedure)
    when = effective_from or now
    reason = reason.strip()
    if when.tzinfo is None:
        raise ValidationFailed(
            "Ngày hiệu lực phải có múi giờ.", fields={"effective_from": "Thiếu múi giờ."}
        )
    if when < now - PAST_TOLERANCE and not reason.strip():
        raise ValidationFailed(
            "Ngày hiệu lực đã qua: cần ghi lý do.",
            fields={"reason": "Ghi lý do áp dụng từ một ngày đã qua (ví dụ: nghị định có hiệu "
                    "lực từ ngày đó)."},
        )  # fmt: skip
    checked = validate_draft(
        session, draft_id=draft_id, workflows_dir=workflows_dir, registry=registry
    )
    _refuse_invalid(checked, "công bố")
    assert checked.procedure is not None
    proc = checked.procedure
    same = session.exec(
        select(ProcedureVersion).where(ProcedureVersion.content_hash == proc.content_hash)
    ).first()
    if same is not None:
        raise Conflict(
            f"Bản nháp giống hệt phiên bản {same.version} đã công bố của thủ tục {same.code}; "
            "không có gì mới để công bố (nếu muốn dùng lại phiên bản cũ, hãy tăng «version»)."
        )
    highest = session.exec(
        select(func.max(ProcedureVersion.version)).where(ProcedureVersion.code == proc.code)
    ).one()
    row = ProcedureVersion(
        code=proc.code,
        version=max(int(highest or 0) + 1, proc.version),
        name=proc.name,
        content_hash=proc.content_hash,
        definition=proc.model_dump(mode="json", by_alias=True),
        source_file="workshop",
        created_at=now,
        effective_from=when,
        published_by_id=actor.id,
        reason=reason.strip(),
        source_note=source_note.strip(),
        yaml_text=draft.yaml_text,
    )
    session.add(row)
    session.flush()
    draft.status = DraftStatus.published
    draft.published_version_id = row.id
    draft.effective_from = when
    draft.effective_reason = reason.strip()
    draft.updated_at = now
    session.add(draft)
    note = f"phiên bản {row.version}, hiệu lực từ {_when(when)}"
    _event(session, draft, actor, DraftAction.published, note + (f"; {reason}" if reason else ""))
    live.bump(session)
    session.commit()
    procedure_of_version(row)
    return row


def publish_scenario_draft(
    session: Session,
    *,
    actor: User,
    draft_id: int,
    workflows_dir: Path,
    registry: ProcedureRegistry,
    reason: str = "",
    source_note: str = "",
    now: datetime | None = None,
) -> ScenarioVersion:
    """Publish an approved scenario draft as its id's next version: the practice pages of every
    worker serve it from the next request (no effective date: practice material, not law)."""
    now = now or utcnow()
    draft = _approved(session, actor, draft_id, DraftKind.scenario)
    checked = validate_draft(
        session, draft_id=draft_id, workflows_dir=workflows_dir, registry=registry
    )
    _refuse_invalid(checked, "công bố")
    row = scenario_store.publish_scenario(
        session, draft=draft, actor=actor, now=now, reason=reason, source_note=source_note
    )
    draft.status = DraftStatus.published
    draft.effective_from = now
    draft.effective_reason = reason.strip()
    draft.updated_at = now
    session.add(draft)
    note = f"bài thực hành phiên bản {row.version}" + (
        f"; {reason.strip()}" if reason.strip() else ""
    )
    _event(session, draft, actor, DraftAction.published, note)
    live.bump(session)
    session.commit()
    return row
