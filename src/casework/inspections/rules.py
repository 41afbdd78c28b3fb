"""The rules an inspection adds to firing an action on its dossier (called by
`dossiers.service.fire_action` for a `kind: inspection` procedure, inside its transaction):

- the decision (the action printing `inspection_decision`) of an inspection names its team:
  it is fired only by `inspections.service.issue_decision`, which checks the certificates and
  passes the team as `team`; the generic action form cannot bypass that;
- the on-site work (`finish_inspection`) and the record (`inspection_record`) cannot be dated
  before the inspection time the decision states;
- the leader's «Hoàn thành xử lý vi phạm» (`finish_violation_handling`) asks for no sanction
  decision number any more (procedure files version 3): it needs the handling recorded on the
  findings page instead (transferred to the competent person, or the sanction decision), the one
  place that number is written;
- nothing addressed to an applicant: the loader refuses an inspection file with a one-stop part
  or slip (`procedures.schema.kind_problems`), and a dossier opened on an older stored version
  that still had `stop` (Mẫu 05) or `extend` (Mẫu 04) is refused them here (409).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from casework.dossiers.models import Dossier
from casework.errors import ActionNotAllowed, ValidationFailed
from casework.findings.conclusion import handling_for
from casework.inspections.models import Inspection
from casework.procedures import TransitionDef
from casework.procedures.schema import APPLICANT_SLIPS

DECISION_SLIP = "inspection_decision"
RECORD_SLIP = "inspection_record"
ON_SITE_ACTIONS = frozenset({"finish_inspection"})
#: the actions that close the handling of a violation: they need the handling recorded
HANDLING_DONE_ACTIONS = frozenset({"finish_violation_handling"})


def inspection_of(session: Session, dossier: Dossier) -> Inspection | None:
    return session.exec(select(Inspection).where(Inspection.dossier_id == dossier.id)).first()


def check_action(
    session: Session,
    *,
    dossier: Dossier,
    transition: TransitionDef,
    now: datetime,
    tz: ZoneInfo,
    team: dict[str, Any] | None,
) -> None:
    if transition.slip in APPLICANT_SLIPS:
        raise ActionNotAllowed(
            f"Cuộc kiểm tra không có thao tác «{transition.label}»: đó là việc của hồ sơ một cửa, "
            "gửi người nộp. Muốn dừng cuộc kiểm tra, lãnh đạo dùng «Dừng cuộc kiểm tra».",
            details={"state": dossier.state},
        )
    if transition.slip == DECISION_SLIP:
        # an inspection opened as one (plan or ad hoc) has its row; a dossier of an inspection
        # procedure without one is a practice scenario's or older demo data, signed as before
        if inspection_of(session, dossier) is not None and not (team and team.get("team")):
            raise ValidationFailed(
                "Quyết định kiểm tra phải ghi đoàn kiểm tra (trưởng đoàn, thành viên), thời gian "
                "và địa điểm: dùng biểu mẫu «Ký quyết định kiểm tra» của cuộc kiểm tra.",
                fields={"team": "Chưa có đoàn kiểm tra."},
            )
        return
    if transition.slip == RECORD_SLIP or transition.action in ON_SITE_ACTIONS:
        inspection = inspection_of(session, dossier)
        at = inspection.inspection_at if inspection else None
        if at is not None and now < at:
            when = at.astimezone(tz).strftime("%H:%M %d/%m/%Y")
            raise ValidationFailed(
                f"Chưa thể «{transition.label}»: quyết định kiểm tra ấn định kiểm tra lúc {when}; "
                "biên bản không được lập trước thời điểm đó.",
                fields={"inspection_at": f"Thời gian kiểm tra theo quyết định: {when}."},
            )
    if (
        transition.action in HANDLING_DONE_ACTIONS
        and "decision_number" not in transition.requires  # version 2 still asked it here
        and inspection_of(session, dossier) is not None
    ):
        handling = handling_for(session, dossier)
        if handling is None or not (handling.transferred_to or handling.decision_number):
            raise ValidationFailed(
                f"Chưa thể «{transition.label}»: ghi việc xử lý vi phạm ở trang «Kết quả kiểm "
                "tra» trước — người có thẩm quyền xử phạt đã được chuyển đến, hoặc số quyết định "
                "xử phạt (và số tiền phạt, hạn khắc phục nếu có).",
                fields={"handling": "Chưa ghi thông tin xử lý vi phạm ở trang «Kết quả kiểm tra»."},
            )
