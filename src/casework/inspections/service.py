"""Use cases of inspections. Each function owns one transaction and commits once.

An inspection is a `Dossier` opened through `dossiers.service.open_dossier` (so it has the same
code, events, clock and state machine), with an `Inspection` row beside it. It is opened from a
line of the unit's approved annual plan or ad hoc with its trigger — never from the applicant
form. Its decision is fired through `dossiers.service.fire_action` with the team and the
certificate check in the event; a team that fails the check is refused, and the attempt is kept
as an `audit` event of the dossier (the auditors' log lists it: action `team_refused`). A practice
inspection (làm thử) records a failed check and goes on — trainees seldom hold a certificate yet —
and its page says that a real decision would have been refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from casework.accounts.models import Unit, User
from casework.db import utcnow
from casework.dossiers import service as dossiers
from casework.dossiers.catalog import procedure_of
from casework.dossiers.clockwork import CalendarSource
from casework.dossiers.events import record_event
from casework.dossiers.models import ApplicantKind, Dossier, EventKind, Mode
from casework.dossiers.queries import get_dossier
from casework.errors import NotFound, PermissionDenied, ValidationFailed
from casework.inspections import team as teams
from casework.inspections.models import (
    TEAM_ROLE_LABELS,
    TRIGGER_LABELS,
    Inspection,
    InspectionPlan,
    InspectionPlanItem,
    Origin,
    TeamMember,
    TeamRole,
    Trigger,
)
from casework.inspections.rules import DECISION_SLIP, inspection_of
from casework.procedures import Procedure, TransitionDef

REFUSED_ACTION = "team_refused"


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


# ---- the decision and its team --------------------------------------------------------------


def decision_transition(session: Session, actor: User, dossier: Dossier) -> TransitionDef:
    """The decision action if `actor` may fire it now, else 403 / 409-like refusals."""
    _, procedure = procedure_of(session, dossier)
    if procedure.kind != "inspection":
        raise NotFound(f"Hồ sơ {dossier.code} không phải một cuộc kiểm tra.")
    for t in dossiers.allowed_actions(session, actor=actor, dossier=dossier):
        if t.slip == DECISION_SLIP:
            return t
    raise PermissionDenied(
        f"Bạn không ký được quyết định kiểm tra của hồ sơ {dossier.code} ở bước hiện tại."
    )


def eligible_members(session: Session, dossier: Dossier) -> list[tuple[User, Unit]]:
    """Who may sit on the team: active officers of the handling unit, and of the department
    above it (seconded, biệt phái)."""
    unit = session.get(Unit, dossier.handling_unit_id)
    assert unit is not None
    unit_ids = [unit.id] + ([unit.parent_id] if unit.parent_id else [])
    units = {u.id: u for u in session.exec(select(Unit).where(col(Unit.id).in_(unit_ids))).all()}
    users = session.exec(
        select(User)
        .where(col(User.unit_id).in_(unit_ids), col(User.is_active))
        .order_by(col(User.unit_id), col(User.full_name))
    ).all()
    return [(u, units[u.unit_id]) for u in users if u.has_role("receiver", "handler", "leader")]


@dataclass(frozen=True)
class TeamLine:
    user_id: int | None
    role: str


def issue_decision(
    session: Session,
    *,
    actor: User,
    code: str,
    decision_number: str,
    inspection_at: datetime | None,
    place: str,
    team: Sequence[TeamLine],
    tz: ZoneInfo,
    now: datetime | None = None,
    calendars: CalendarSource | None = None,
) -> Dossier:
    now = now or utcnow()
    dossier = get_dossier(session, user=actor, code=code)
    transition = decision_transition(session, actor, dossier)
    _, procedure = procedure_of(session, dossier)
    inspection = inspection_of(session, dossier)
    errors: dict[str, str] = {}
    if not decision_number.strip():
        errors["decision_number"] = "Cần nhập số, ký hiệu quyết định kiểm tra."
    elif len(decision_number) > 64:
        errors["decision_number"] = "Số, ký hiệu dài quá 64 ký tự."
    if inspection_at is None:
        errors["inspection_at"] = "Cần nhập thời gian kiểm tra (ngày giờ)."
    elif inspection_at < now - timedelta(days=1):
        errors["inspection_at"] = "Thời gian kiểm tra không được trước ngày ký quyết định."
    if not place.strip():
        errors["place"] = "Cần nhập địa điểm kiểm tra."
    elif len(place) > 500:
        errors["place"] = "Địa điểm dài quá 500 ký tự."
    eligible = {u.id: (u, unit) for u, unit in eligible_members(session, dossier)}
    proposed: list[teams.Proposed] = []
    seen: set[int] = set()
    for i, line in enumerate(team):
        if line.user_id is None:
            continue
        if line.user_id not in eligible:
            errors[f"member_{i}"] = "Chỉ chọn cán bộ của đơn vị hoặc của Sở được biệt phái."
            continue
        if line.role not in {r.value for r in TeamRole}:
            errors[f"member_{i}"] = "Chọn vai trò trong đoàn."
            continue
        if line.user_id in seen:
            errors[f"member_{i}"] = "Một người chỉ ghi một lần trong đoàn."
            continue
        seen.add(line.user_id)
        user, unit = eligible[line.user_id]
        proposed.append(teams.Proposed(user, TeamRole(line.role), unit.name))
    heads = [p for p in proposed if p.role == TeamRole.head]
    if len(heads) != 1:
        errors["team"] = "Đoàn kiểm tra có đúng một trưởng đoàn."
    elif len(proposed) < 2:
        errors["team"] = "Đoàn kiểm tra có ít nhất hai người (trưởng đoàn và thành viên)."
    if errors:
        raise ValidationFailed(
            "Chưa ký được quyết định kiểm tra: thông tin chưa đủ hoặc chưa đúng.", fields=errors
        )
    assert inspection_at is not None
    on = inspection_at.astimezone(tz).date()
    problems, check = teams.check(session, team=proposed, field=procedure.field, on=on)
    members = [
        {
            "user_id": p.user.id,
            "name": p.user.full_name,
            "role": p.role.value,
            "role_label": TEAM_ROLE_LABELS[p.role],
            "unit": p.unit_name,
        }
        for p in proposed
    ]
    if problems and dossier.mode == Mode.real:
        _record_refusal(session, actor=actor, code=code, check=check, members=members, now=now)
        raise ValidationFailed(
            "Chưa ký được quyết định kiểm tra: trưởng đoàn và thành viên kỹ thuật phải có chứng "
            f"chỉ nghiệp vụ kiểm tra về {procedure.field.lower()} còn hiệu lực vào ngày kiểm tra "
            f"{on:%d/%m/%Y}. " + " ".join(problems.values()),
            fields=problems,
        )
    extra = {
        "team": members,
        "team_check": check,
        "inspection_at": inspection_at.isoformat(),
        "place": place.strip(),
    }
    dossier = dossiers.fire_action(
        session,
        actor=actor,
        code=code,
        action=transition.action,
        data={"decision_number": decision_number.strip()},
        tz=tz,
        now=now,
        calendars=calendars,
        extra_payload=extra,
        commit=False,
    )
    if inspection is not None:
        assert inspection.id is not None
        inspection.decision_number = decision_number.strip()
        inspection.inspection_at = inspection_at
        inspection.place = place.strip()
        session.add(inspection)
        for pos, p in enumerate(proposed):
            assert p.user.id is not None
            session.add(
                TeamMember(
                    inspection_id=inspection.id,
                    user_id=p.user.id,
                    role=p.role,
                    position=pos,
                    name=p.user.full_name,
                    unit_name=p.unit_name,
                )
            )
    session.commit()
    return dossier


def _record_refusal(
    session: Session,
    *,
    actor: User,
    code: str,
    check: dict[str, Any],
    members: list[dict[str, Any]],
    now: datetime,
) -> None:
    """Keep the refused attempt in the dossier's history (an `audit` event, in the chain), in a
    transaction of its own: the ministry sees who tried to name an uncertified team."""
    dossier = dossiers._lock_dossier(session, code)
    record_event(
        session,
        dossier=dossier,
        kind=EventKind.audit,
        at=now,
        actor_id=actor.id,
        action=REFUSED_ACTION,
        payload={
            "label": "Từ chối ký quyết định kiểm tra: đoàn chưa đủ chứng chỉ",
            "team": members,
            "team_check": check,
        },
    )
    session.add(dossier)
    session.commit()


def trigger_label(value: str) -> str:
    return TRIGGER_LABELS.get(Trigger(value), value) if value in set(Trigger) else value
