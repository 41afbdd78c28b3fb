"""The inspection decision and its team (issue 15 item 2): who may sign it, who may sit on the
team, the checks of what the form says, the team rule of the field (`inspections.team`), and the
signing itself through `dossiers.service.fire_action` (one transaction; a refused real decision
is kept as an audit event in a transaction of its own). Re-exported by `inspections.service`."""

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
from casework.dossiers.models import Dossier, EventKind, Mode
from casework.dossiers.queries import get_dossier
from casework.errors import NotFound, PermissionDenied, ValidationFailed
from casework.inspections import team as teams
from casework.inspections.models import TEAM_ROLE_LABELS, TeamMember, TeamRole
from casework.inspections.rules import DECISION_SLIP, inspection_of
from casework.procedures import TransitionDef

REFUSED_ACTION = "team_refused"


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
    """An officer with an account (of the unit, or of the department above it)."""

    user_id: int | None
    role: str
    quality_controller: bool = False


@dataclass(frozen=True)
class OtherMember:
    """A person another body sends (police, market control, an inspector…) without an account
    here: a plain member of the team, named and with their body as the decision writes them."""

    name: str
    body: str
    quality_controller: bool = False


REFUSAL_LABELS = {
    teams.MEASUREMENT: "Từ chối ký quyết định kiểm tra: đoàn chưa đủ chứng chỉ",
    teams.QUALITY: "Từ chối ký quyết định kiểm tra: đoàn chưa đủ kiểm soát viên chất lượng",
}


def _decision_problems(
    decision_number: str, inspection_at: datetime | None, place: str, now: datetime
) -> dict[str, str]:
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
    return errors


def _proposed_team(
    session: Session,
    dossier: Dossier,
    team: Sequence[TeamLine],
    others: Sequence[OtherMember],
    quality: bool,
    errors: dict[str, str],
) -> list[teams.Proposed]:
    """The officers (`member_<i>`) then the other bodies' people (`other_<j>`), with what is
    wrong with a line in `errors`."""
    eligible = {u.id: (u, unit) for u, unit in eligible_members(session, dossier)}
    proposed: list[teams.Proposed] = []
    seen: set[int] = set()
    for i, line in enumerate(team):
        key = f"member_{i}"
        if line.user_id is None:
            continue
        if line.user_id not in eligible:
            errors[key] = "Chỉ chọn cán bộ của đơn vị hoặc của Sở được biệt phái."
            continue
        if line.role not in {r.value for r in TeamRole}:
            errors[key] = "Chọn vai trò trong đoàn."
            continue
        if line.user_id in seen:
            errors[key] = "Một người chỉ ghi một lần trong đoàn."
            continue
        seen.add(line.user_id)
        user, unit = eligible[line.user_id]
        proposed.append(
            teams.Proposed(
                key=key, user=user, name=user.full_name, role=TeamRole(line.role),
                unit_name=unit.name, other_body=unit.id != dossier.handling_unit_id,
                quality_controller=quality and line.quality_controller,
            )
        )  # fmt: skip
    for j, other in enumerate(others):
        key, name, body = f"other_{j}", other.name.strip(), other.body.strip()
        if not name and not body:
            continue
        if not name or len(name) > 255:
            errors[key] = "Ghi họ và tên người được cử (tối đa 255 ký tự)."
        elif not body or len(body) > 255:
            errors[key] = (
                "Ghi cơ quan cử người này (công an xã, đội quản lý thị trường…), tối đa 255 ký tự."
            )
        else:
            proposed.append(
                teams.Proposed(
                    key=key, user=None, name=name, role=TeamRole.member, unit_name=body,
                    other_body=True, quality_controller=quality and other.quality_controller,
                )
            )  # fmt: skip
    heads = [p for p in proposed if p.role == TeamRole.head]
    if len(heads) != 1:
        errors["team"] = "Đoàn kiểm tra có đúng một trưởng đoàn."
    elif len(proposed) < 2:
        errors["team"] = "Đoàn kiểm tra có ít nhất hai người (trưởng đoàn và thành viên)."
    return proposed


def issue_decision(
    session: Session,
    *,
    actor: User,
    code: str,
    decision_number: str,
    inspection_at: datetime | None,
    place: str,
    team: Sequence[TeamLine],
    others: Sequence[OtherMember] = (),
    tz: ZoneInfo,
    now: datetime | None = None,
    calendars: CalendarSource | None = None,
) -> Dossier:
    """Sign the inspection's decision naming its team, after the team rule of the procedure's
    field (`inspections.team`): refused (422, each person named) for a real inspection, the
    attempt kept as an audit event; a practice one records the failed check and goes on."""
    now = now or utcnow()
    dossier = get_dossier(session, user=actor, code=code)
    transition = decision_transition(session, actor, dossier)
    _, procedure = procedure_of(session, dossier)
    inspection = inspection_of(session, dossier)
    quality = procedure.field == teams.QUALITY
    errors = _decision_problems(decision_number, inspection_at, place, now)
    proposed = _proposed_team(session, dossier, team, others, quality, errors)
    if errors:
        raise ValidationFailed(
            "Chưa ký được quyết định kiểm tra: thông tin chưa đủ hoặc chưa đúng.", fields=errors
        )
    assert inspection_at is not None
    on = inspection_at.astimezone(tz).date()
    body = session.get(Unit, dossier.handling_unit_id)
    assert body is not None
    problems, check = teams.check(
        session, team=proposed, field=procedure.field, on=on, body=body.name
    )
    members = [
        {
            "user_id": p.user.id if p.user else None,
            "name": p.name,
            "role": p.role.value,
            "role_label": TEAM_ROLE_LABELS[p.role],
            "unit": p.unit_name,
            "other_body": p.other_body,
            "quality_controller": p.quality_controller if quality else None,
        }
        for p in proposed
    ]
    if problems and dossier.mode == Mode.real:
        label = REFUSAL_LABELS.get(procedure.field, "Từ chối ký quyết định kiểm tra")
        _record_refusal(session, actor=actor, code=code, check=check, members=members,
                        now=now, label=label)  # fmt: skip
        lead = "Chưa ký được quyết định kiểm tra: "
        if procedure.field == teams.MEASUREMENT:
            lead += (
                "đoàn chưa đúng quy định về chứng chỉ nghiệp vụ kiểm tra nhà nước về đo lường "
                f"(Thông tư 28/2013/TT-BKHCN, Điều 5 khoản 4, 7; ngày kiểm tra {on:%d/%m/%Y}). "
            )
        raise ValidationFailed(lead + " ".join(problems.values()), fields=problems)
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
            session.add(
                TeamMember(
                    inspection_id=inspection.id, user_id=p.user.id if p.user else None,
                    role=p.role, position=pos, name=p.name, unit_name=p.unit_name,
                    other_body=p.other_body,
                    quality_controller=p.quality_controller if quality else None,
                )
            )  # fmt: skip
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
    label: str,
) -> None:
    """Keep the refused attempt in the dossier's history (an `audit` event, in the chain), in a
    transaction of its own: the ministry sees who tried to name a team the law does not allow."""
    dossier = dossiers._lock_dossier(session, code)
    record_event(
        session,
        dossier=dossier,
        kind=EventKind.audit,
        at=now,
        actor_id=actor.id,
        action=REFUSED_ACTION,
        payload={
            "label": label,
            "team": members,
            "team_check": check,
        },
    )
    session.add(dossier)
    session.commit()
