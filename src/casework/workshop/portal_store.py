"""Store a portal import (``portal_import``) as a workshop draft, through the workshop service.

A record of a procedure the catalogue does not have yet becomes a new draft (``open_draft`` with
``code=None`` and the imported text) and an ``imported`` event naming the source and what could
not be mapped. A record of a procedure already published is NOT turned into a draft: the import
has a skeleton where the published version has real steps, so storing it would throw those away;
the editor opens that procedure's draft and copies the values the import lists instead.
"""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session, col, select

from casework.accounts.models import User
from casework.db import utcnow
from casework.dossiers.models import ProcedureVersion
from casework.errors import Conflict, ValidationFailed
from casework.workshop import service
from casework.workshop.models import DraftAction, DraftEvent, ProcedureDraft
from casework.workshop.portal_import import PortalDraft


def import_note(result: PortalDraft) -> str:
    """The event's note: where from, and how many values are left for the editor."""
    note = f"Nhập từ {result.source}."
    if result.missing:
        note += " Trang nguồn không ghi: " + ", ".join(result.missing) + "."
    if result.unmapped:
        note += f" {len(result.unmapped)} mục chưa chuyển được (xem đầu tệp)."
    return note


def store_portal_draft(
    session: Session, *, actor: User, result: PortalDraft, workflows_dir: Path
) -> ProcedureDraft:
    """A new draft holding the imported text. Refused (``ValidationFailed`` naming the field
    «code») when the record has no code, and (``Conflict``) when the code is already published
    or already has an open draft."""
    service.require_editor(actor)
    if not result.code:
        raise ValidationFailed(
            "Trang nguồn không ghi mã thủ tục: nhập mã (mã quốc gia dạng 2.002131, hoặc mã địa "
            "phương) rồi nhập lại.",
            fields={"code": "Nhập mã thủ tục."},
        )
    published = session.exec(
        select(ProcedureVersion)
        .where(ProcedureVersion.code == result.code)
        .order_by(col(ProcedureVersion.version).desc())
    ).first()  # any published version, also one whose effective date is still to come
    if published is not None:
        raise Conflict(
            f"Thủ tục «{result.code}» đã có trong danh mục (phiên bản {published.version}). Bản "
            "nhập chỉ có khung các bước, nên không thay bản đã công bố: hãy mở bản nháp của thủ "
            "tục này và chép các giá trị từ danh sách kết quả nhập."
        )
    existing = service.open_draft_for(session, result.code)
    if existing is not None:
        raise Conflict(
            f"Đã có bản nháp đang mở của thủ tục «{result.code}» (bản nháp số {existing.id}): "
            "mở bản nháp đó thay vì nhập lại."
        )
    draft = service.open_draft(
        session, actor=actor, code=None, workflows_dir=workflows_dir, yaml_text=result.yaml_text
    )
    assert draft.id is not None
    session.add(
        DraftEvent(
            draft_id=draft.id,
            actor_id=actor.id,
            action=DraftAction.imported,
            note=import_note(result),
            at=utcnow(),
        )
    )
    session.commit()
    return draft
