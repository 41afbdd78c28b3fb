"""Use cases of inspections. Each function owns one transaction and commits once.

An inspection is a `Dossier` opened through `dossiers.service.open_dossier` (so it has the same
code, events, clock and state machine), with an `Inspection` row beside it. It is opened from a
line of the unit's approved annual plan or ad hoc with its trigger — never from the applicant
form. Its decision is fired through `dossiers.service.fire_action` with the team and the
check of the team rule of its field (`inspections.team`: certificates for đo lường, kiểm soát
viên chất lượng for chất lượng) in the event; a team that fails the check is refused, and the
attempt is kept as an `audit` event of the dossier (the auditors' log lists it: action
`team_refused`). A practice inspection (làm thử) records a failed check and goes on — trainees
seldom hold a certificate yet — and its page says that a real decision would have been refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from casework.accounts.models import Unit, User
from casework.db import utcnow
from casework.dossiers import service as dossiers
from casework.dossiers.clockwork import CalendarSource
from casework.dossiers.models import ApplicantKind, Dossier, Mode
from casework.errors import NotFound, PermissionDenied, ValidationFailed
from casework.inspections.decision import REFUSED_ACTION as REFUSED_ACTION
from casework.inspections.decision import OtherMember as OtherMember
from casework.inspections.decision import TeamLine as TeamLine
from casework.inspections.decision import decision_transition as decision_transition
from casework.inspections.decision import eligible_members as eligible_members
from casework.inspections.decision import issue_decision as issue_decision
from casework.inspections.models import (
    TRIGGER_LABELS,
    Inspection,
    InspectionPlan,
    InspectionPlanItem,
    Origin,
    Trigger,
)
from casework.procedures import Procedure


@dataclass(frozen=True)
class Establishment:
    name: str
    address: str = ""
    business_code: str = ""
    trades: str = ""

    def problems(self) -> dict[str, str]:
        errors: dict[str, str] = {}
        if not self.name.strip():
            errors["establishment_name"] = "Cần nhập tên cơ sở hoặc hộ kinh doanh được kiểm tra."
        elif len(self.name) > 255:
            errors["establishment_name"] = "Tên cơ sở dài quá 255 ký tự."
        if len(self.address) > 500:
            errors["establishment_address"] = "Địa chỉ dài quá 500 ký tự."
        if len(self.business_code) > 64:
            errors["business_code"] = "Mã số đăng ký kinh doanh dài quá 64 ký tự."
        if len(self.trades) > 500:
            errors["trades"] = "Mặt hàng kinh doanh dài quá 500 ký tự."
        return errors


def inspection_procedures(procedures: Sequence[Procedure]) -> list[Procedure]:
    return [p for p in procedures if p.kind == "inspection"]


def openable(session: Session, actor: User, procedures: Sequence[Procedure]) -> list[Procedure]:
    """The inspection procedures `actor` may open at their unit (level and roles)."""
    unit = session.get(Unit, actor.unit_id)
    if unit is None or not actor.is_active:
        return []
    return [
        p
        for p in inspection_procedures(procedures)
        if dossiers.opening_refusal(unit, actor, p) is None
    ]


def require_planner(session: Session, actor: User, procedures: Sequence[Procedure]) -> Unit:
    if not openable(session, actor, procedures):
        raise PermissionDenied("Chỉ cán bộ được mở cuộc kiểm tra của đơn vị mới lập kế hoạch.")
    unit = session.get(Unit, actor.unit_id)
    assert unit is not None
    return unit


# ---- the annual plan (its use cases are in `plans`) -----------------------------------------


def plan_of_unit(session: Session, *, actor: User, plan_id: int) -> InspectionPlan:
    plan = session.get(InspectionPlan, plan_id)
    if plan is None or plan.unit_id != actor.unit_id or not actor.is_active:
        raise NotFound(f"Không tìm thấy kế hoạch kiểm tra số {plan_id}.")
    return plan


def plan_item(session: Session, *, actor: User, item_id: int) -> InspectionPlanItem:
    item = session.get(InspectionPlanItem, item_id)
    if item is not None:
        plan_of_unit(session, actor=actor, plan_id=item.plan_id)
        return item
    raise NotFound(f"Không tìm thấy dòng kế hoạch số {item_id}.")


# ---- opening ----------------------------------------------------------------------------------


def open_inspection(
    session: Session,
    *,
    actor: User,
    procedures: Sequence[Procedure],
    procedure_code: str,
    establishment: Establishment,
    plan_item_id: int | None = None,
    trigger: str = "",
    trigger_note: str = "",
    mode: str = Mode.real,
    tz: ZoneInfo,
    now: datetime | None = None,
    calendars: CalendarSource | None = None,
) -> Dossier:
    """Open an inspection from a plan line (`plan_item_id`) or ad hoc (`trigger` and a note)."""
    now = now or utcnow()
    allowed = {p.code: p for p in openable(session, actor, procedures)}
    if not allowed:
        raise PermissionDenied("Vai trò của bạn ở đơn vị này không mở được cuộc kiểm tra.")
    item = None
    errors: dict[str, str] = {}
    if plan_item_id is not None:
        item = plan_item(session, actor=actor, item_id=plan_item_id)
        if item.dossier_id is not None:
            errors["plan_item"] = "Dòng kế hoạch này đã được mở thành một cuộc kiểm tra."
        procedure_code = item.procedure_code
        establishment = Establishment(
            item.establishment_name, item.establishment_address, item.business_code, item.trades
        )
    else:
        if trigger not in {t.value for t in Trigger}:
            errors["trigger"] = "Chọn căn cứ kiểm tra đột xuất: phản ánh, chỉ đạo của tỉnh, khác."
        if not trigger_note.strip():
            errors["trigger_note"] = "Ghi rõ nội dung phản ánh hoặc văn bản chỉ đạo."
        elif len(trigger_note) > 2000:
            errors["trigger_note"] = "Nội dung dài quá 2.000 ký tự."
    errors |= establishment.problems()
    procedure = allowed.get(procedure_code)
    if procedure is None:
        errors["procedure"] = "Chọn một thủ tục kiểm tra mà bạn được mở."
    if mode not in {m.value for m in Mode}:
        errors["mode"] = "Chế độ là real (thật) hoặc practice (làm thử)."
    if errors:
        raise ValidationFailed(
            "Chưa mở được cuộc kiểm tra: thông tin chưa đủ hoặc chưa đúng.", fields=errors
        )
    assert procedure is not None
    origin = Origin.plan if item is not None else Origin.ad_hoc
    facts: dict[str, Any] = {
        "origin": origin.value,
        "establishment": {
            "name": establishment.name.strip(),
            "address": establishment.address.strip(),
            "business_code": establishment.business_code.strip(),
            "trades": establishment.trades.strip(),
        },
    }
    if item is not None:
        facts["plan_item_id"] = item.id
    else:
        facts["trigger"] = {"kind": trigger, "note": trigger_note.strip()}
    dossier = dossiers.open_dossier(
        session,
        actor=actor,
        procedure=procedure,
        applicant=dossiers.Applicant(
            name=establishment.name,
            kind=ApplicantKind.organisation,
            address=establishment.address,
        ),
        mode=mode,
        received_at=now,
        tz=tz,
        now=now,
        calendars=calendars,
        commit=False,
        inspection=facts,
    )
    assert dossier.id is not None
    session.add(
        Inspection(
            dossier_id=dossier.id,
            origin=origin,
            plan_item_id=item.id if item else None,
            trigger="" if item else trigger,
            trigger_note="" if item else trigger_note.strip(),
            establishment_name=establishment.name.strip(),
            establishment_address=establishment.address.strip(),
            business_code=establishment.business_code.strip(),
            trades=establishment.trades.strip(),
        )
    )
    if item is not None:
        item.dossier_id = dossier.id
        session.add(item)
    session.commit()
    return dossier


def trigger_label(value: str) -> str:
    return TRIGGER_LABELS.get(Trigger(value), value) if value in set(Trigger) else value
