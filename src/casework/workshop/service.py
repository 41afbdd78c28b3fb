"""The workshop's steps: open, save, check, submit, return, approve, abandon a draft (publishing
is `workshop.publish`).

Each function is one transaction (it commits) and writes one `DraftEvent`; refusals are the
domain errors of `casework.errors` with Vietnamese messages. Only a `catalogue_editor` acts here;
the approver is never the draft's author nor its last editor (four eyes).
"""

from __future__ import annotations

from collections.abc import Container
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlmodel import Session, col, select

from casework.accounts.models import Role, User
from casework.db import utcnow
from casework.dossiers.catalog import current_versions
from casework.dossiers.models import ProcedureVersion
from casework.errors import (
    ActionNotAllowed,
    Conflict,
    DraftInvalid,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from casework.procedures import ProcedureRegistry
from casework.procedures.loader import procedure_files
from casework.procedures.yamlsafe import fast_load
from casework.settings import get_settings
from casework.workshop import scenario_store
from casework.workshop.export import version_yaml
from casework.workshop.models import (
    OPEN_STATUSES,
    DraftAction,
    DraftEvent,
    DraftKind,
    DraftStatus,
    ProcedureDraft,
)
from casework.workshop.validation import Checked, check_procedure_text, check_text

EDITABLE = (DraftStatus.draft, DraftStatus.returned)

NEW_PROCEDURE_TEMPLATE = """\
code: "MA-THU-TUC"
code_kind: local
version: 1
name: Tên thủ tục
level: province
kind: application
field: Lĩnh vực
legal_basis: []
limit: {value: 5, unit: working_days}
documents: []
include: [one_stop]
states:
  received: {label: Tiếp nhận, national_status: 2, role: receiver, allot: 0.5, initial: true}
transitions: []
"""


# ------------------------------------------------------------------------------------------
# Reading
# ------------------------------------------------------------------------------------------


def require_editor(actor: User) -> None:
    if not actor.has_role(Role.catalogue_editor):
        raise PermissionDenied("Chỉ biên tập viên danh mục thủ tục của Bộ được làm việc này.")


def get_draft(session: Session, draft_id: int) -> ProcedureDraft:
    draft = session.get(ProcedureDraft, draft_id)
    if draft is None:
        raise NotFound(f"Không có bản nháp số {draft_id}.")
    return draft


def list_drafts(
    session: Session, *, statuses: tuple[str, ...] = OPEN_STATUSES
) -> list[ProcedureDraft]:
    """Drafts in `statuses` (default: still being worked on), latest change first."""
    return list(
        session.exec(
            select(ProcedureDraft)
            .where(col(ProcedureDraft.status).in_(statuses))
            .order_by(col(ProcedureDraft.updated_at).desc(), col(ProcedureDraft.id).desc())
        )
    )


def draft_events(session: Session, draft_id: int) -> list[DraftEvent]:
    """A draft's audit trail, oldest first."""
    return list(
        session.exec(
            select(DraftEvent)
            .where(DraftEvent.draft_id == draft_id)
            .order_by(col(DraftEvent.at), col(DraftEvent.id))
        )
    )


def open_draft_for(
    session: Session, code: str, kind: str = DraftKind.procedure
) -> ProcedureDraft | None:
    return session.exec(
        select(ProcedureDraft).where(
            ProcedureDraft.code == code,
            ProcedureDraft.kind == kind,
            col(ProcedureDraft.status).in_(OPEN_STATUSES),
        )
    ).first()


# ------------------------------------------------------------------------------------------
# Open and save
# ------------------------------------------------------------------------------------------


def _event(
    session: Session, draft: ProcedureDraft, actor: User | None, action: str, note: str = ""
) -> DraftEvent:
    assert draft.id is not None
    row = DraftEvent(
        draft_id=draft.id,
        actor_id=actor.id if actor is not None else None,
        action=action,
        note=note,
        at=utcnow(),
    )
    session.add(row)
    return row


def repository_text(workflows_dir: Path, row: ProcedureVersion) -> str | None:
    """The repository file's text when that file holds exactly this version (its includes and
    comments kept), else None."""
    for path in procedure_files(workflows_dir):
        text_ = path.read_text(encoding="utf-8")
        data = fast_load(text_)
        if isinstance(data, dict) and str(data.get("code")) == row.code:
            proc = check_procedure_text(text_, workflows_dir).procedure
            return text_ if proc is not None and proc.content_hash == row.content_hash else None
    return None


def open_draft(
    session: Session,
    *,
    actor: User,
    code: str | None,
    workflows_dir: Path,
    yaml_text: str | None = None,
    kind: str = DraftKind.procedure,
) -> ProcedureDraft:
    """The draft of procedure `code`: the one already open (anyone's: editors share it), or a
    new one from the version in force (its YAML: the repository file when it holds exactly that
    version, else the version's own text). `code=None` starts a new procedure from `yaml_text`
    (default: a template). `kind="scenario"`: `code` is a scenario's id, its text the version
    published (`scenario_store`; the file in `workflows/scenarios/` before the first sync)."""
    require_editor(actor)
    now = utcnow()
    if code is not None:
        found = open_draft_for(session, code, kind)
        if found is not None:
            return found
    if kind == DraftKind.scenario:
        body = yaml_text or (_published_scenario(session, workflows_dir, code) if code else None)
        if body is None:
            raise NotFound(f"Không có bài thực hành «{code}» trong workflows/scenarios/.")
        draft = ProcedureDraft(code=code or _id_in(body) or "", kind=kind, yaml_text=body)
    elif code is not None:
        base = current_versions(session, now).get(code)
        if base is None:
            raise NotFound(f"Không tìm thấy thủ tục có mã «{code}» trong danh mục đã công bố.")
        body = yaml_text or repository_text(workflows_dir, base) or version_yaml(base)
        draft = ProcedureDraft(code=code, base_version_id=base.id, yaml_text=body)
    else:
        body = yaml_text or NEW_PROCEDURE_TEMPLATE
        draft = ProcedureDraft(code=_code_in(body) or "", yaml_text=body)
    draft.author_id = actor.id
    draft.last_saved_by_id = actor.id
    draft.created_at = draft.updated_at = now
    session.add(draft)
    session.flush()
    _event(session, draft, actor, DraftAction.created)
    session.commit()
    return draft


def _code_in(body: str, key: str = "code") -> str | None:
    try:
        data = fast_load(body)
    except Exception:  # noqa: BLE001 - a draft may be any text while it is typed
        return None
    code = data.get(key) if isinstance(data, dict) else None
    return str(code)[:64] if code is not None else None


def _id_in(body: str) -> str | None:
    return _code_in(body, "id")


def _published_scenario(session: Session, workflows_dir: Path, scenario_id: str) -> str | None:
    row = scenario_store.latest_version(session, scenario_id)
    return row.yaml_text if row is not None else scenario_text(workflows_dir, scenario_id)


def scenario_text(workflows_dir: Path, scenario_id: str) -> str | None:
    """The text of the scenario file whose `id` is `scenario_id`."""
    for path in sorted((workflows_dir / "scenarios").glob("*.yaml")):
        body = path.read_text(encoding="utf-8")
        if _id_in(body) == scenario_id:
            return body
    return None


def _when(at: datetime) -> str:
    return at.astimezone(ZoneInfo(get_settings().timezone)).strftime("%H:%M ngày %d/%m/%Y")


def _name(session: Session, user_id: int | None) -> str:
    user = session.get(User, user_id) if user_id is not None else None
    return user.full_name if user is not None else "hệ thống (nhập khi khởi động)"


def save_draft(
    session: Session, *, actor: User, draft_id: int, yaml_text: str, revision: int
) -> ProcedureDraft:
    """Store the editor's text. `revision` is the revision the editor opened; if someone saved
    since, `Conflict` names who and when (nothing is overwritten). A returned draft becomes a
    draft again. Saving does not check the text (see `validate_draft`)."""
    require_editor(actor)
    draft = get_draft(session, draft_id)
    _lock(session, draft)
    if draft.status not in EDITABLE:
        raise ActionNotAllowed(
            f"Bản nháp đang ở trạng thái «{draft.status}»: không sửa được; "
            "hãy trả lại bản nháp trước khi sửa."
        )
    if draft.revision != revision:
        who = _name(session, draft.last_saved_by_id)
        raise Conflict(
            f"{who} đã lưu bản nháp này lúc {_when(draft.updated_at)} (lần sửa {draft.revision}) "
            "sau khi bạn mở nó. Nội dung của bạn chưa được lưu: hãy mở lại bản mới nhất, "
            "so sánh rồi sửa tiếp.",
            details={
                "saved_by": who,
                "saved_at": draft.updated_at.isoformat(),
                "revision": draft.revision,
            },
        )
    draft.yaml_text = yaml_text
    draft.revision += 1
    draft.last_saved_by_id = actor.id
    draft.updated_at = utcnow()
    if draft.kind == DraftKind.procedure and draft.base_version_id is None:
        draft.code = _code_in(yaml_text) or draft.code
    if draft.status == DraftStatus.returned:
        draft.status = DraftStatus.draft
    session.add(draft)
    _event(session, draft, actor, DraftAction.saved, f"lần sửa {draft.revision}")
    session.commit()
    return draft


def _lock(session: Session, draft: ProcedureDraft) -> None:
    """Hold the draft's row to the end of the transaction (PostgreSQL; SQLite writers are
    serialized), re-read: two saves of one revision cannot both pass the check."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT id FROM procedure_draft WHERE id = :id FOR UPDATE"), {"id": draft.id}
        )
    session.refresh(draft)


def _locked(
    session: Session, actor: User, draft_id: int, allowed: Container[str], refusal: str
) -> ProcedureDraft:
    """The draft an editor acts on, its row held (`_lock`), refused unless its status is one
    of `allowed`."""
    require_editor(actor)
    draft = get_draft(session, draft_id)
    _lock(session, draft)
    if draft.status not in allowed:
        raise ActionNotAllowed(refusal)
    return draft


# ------------------------------------------------------------------------------------------
# Checks
# ------------------------------------------------------------------------------------------


def validate_draft(
    session: Session, *, draft_id: int, workflows_dir: Path, registry: ProcedureRegistry
) -> Checked:
    draft = get_draft(session, draft_id)
    return check_text(
        session,
        kind=draft.kind,
        yaml_text=draft.yaml_text,
        workflows_dir=workflows_dir,
        registry=registry,
        base_version_id=draft.base_version_id,
        scenario_id=draft.code if draft.kind == DraftKind.scenario else None,
    )


def _refuse_invalid(checked: Checked, what: str) -> None:
    if checked.errors:
        raise DraftInvalid(
            f"Chưa {what} được: bản nháp còn {len(checked.errors)} lỗi (xem từng dòng).",
            problems=[(p.line, p.message) for p in checked.errors],
        )


# ------------------------------------------------------------------------------------------
# Review
# ------------------------------------------------------------------------------------------


def submit_draft(
    session: Session,
    *,
    actor: User,
    draft_id: int,
    revision: int,
    workflows_dir: Path,
    registry: ProcedureRegistry,
    note: str = "",
) -> ProcedureDraft:
    """Send the draft (at `revision`) for review; refused (`DraftInvalid`, the problems with
    their lines) if it does not pass the checks. A draft imported at start-up becomes the
    submitter's."""
    draft = _locked(
        session, actor, draft_id, EDITABLE,
        "Chỉ gửi duyệt được bản nháp đang soạn hoặc bị trả lại.",
    )  # fmt: skip
    if draft.revision != revision:
        raise Conflict(
            f"{_name(session, draft.last_saved_by_id)} đã lưu bản nháp lúc "
            f"{_when(draft.updated_at)}; hãy xem bản mới nhất trước khi gửi duyệt."
        )
    _refuse_invalid(
        validate_draft(session, draft_id=draft_id, workflows_dir=workflows_dir, registry=registry),
        "gửi duyệt",
    )
    if draft.author_id is None:
        draft.author_id = actor.id
    draft.status = DraftStatus.submitted
    draft.updated_at = utcnow()
    session.add(draft)
    _event(session, draft, actor, DraftAction.submitted, note.strip())
    session.commit()
    return draft


def return_draft(session: Session, *, actor: User, draft_id: int, comment: str) -> ProcedureDraft:
    """Send a submitted (or approved, not yet published) draft back with a comment."""
    draft = _locked(
        session, actor, draft_id, (DraftStatus.submitted, DraftStatus.approved),
        "Chỉ trả lại được bản nháp đang chờ duyệt hoặc đã duyệt.",
    )  # fmt: skip
    if not comment.strip():
        raise ValidationFailed(
            "Cần ghi lý do trả lại.", fields={"comment": "Ghi điều cần sửa để người soạn biết."}
        )
    draft.status = DraftStatus.returned
    draft.reviewer_id = actor.id
    draft.review_comment = comment.strip()
    draft.updated_at = utcnow()
    session.add(draft)
    _event(session, draft, actor, DraftAction.returned, comment.strip())
    session.commit()
    return draft


def approve_draft(
    session: Session, *, actor: User, draft_id: int, comment: str = ""
) -> ProcedureDraft:
    """Approve a submitted draft: never by its author or its last editor (four eyes)."""
    draft = _locked(
        session, actor, draft_id, (DraftStatus.submitted,),
        "Chỉ duyệt được bản nháp đang chờ duyệt.",
    )  # fmt: skip
    if actor.id in (draft.author_id, draft.last_saved_by_id):
        raise PermissionDenied(
            "Bạn đã soạn hoặc sửa bản nháp này nên không tự duyệt được: "
            "cần một biên tập viên khác duyệt (nguyên tắc bốn mắt)."
        )
    draft.status = DraftStatus.approved
    draft.reviewer_id = actor.id
    draft.review_comment = comment.strip()
    draft.updated_at = utcnow()
    session.add(draft)
    _event(session, draft, actor, DraftAction.approved, comment.strip())
    session.commit()
    return draft


def abandon_draft(
    session: Session, *, actor: User, draft_id: int, note: str = ""
) -> ProcedureDraft:
    draft = _locked(session, actor, draft_id, OPEN_STATUSES, "Bản nháp đã công bố hoặc đã hủy.")
    draft.status = DraftStatus.abandoned
    draft.updated_at = utcnow()
    session.add(draft)
    _event(session, draft, actor, DraftAction.abandoned, note.strip())
    session.commit()
    return draft
