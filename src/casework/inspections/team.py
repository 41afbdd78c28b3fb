"""Checking a proposed team against the law of its field, at decision time (sources checked
05/12/2026, see docs/inspection-guide.md §4):

- **đo lường** (measurement): Thông tư 28/2013/TT-BKHCN Điều 5 (not changed by Thông tư
  10/2022/TT-BKHCN) and Nghị định 86/2012/NĐ-CP Điều 14 khoản 6. The head is a manager of the
  inspecting body (khoản 4). The head, the technical staff (khoản 5 điểm a) and the members who
  are staff of the inspecting body (khoản 5 điểm b) must hold the certificate of the training
  course in state measurement inspection (khoản 7); the members another body sends — inspectors,
  police, market control, "người của cơ quan, tổ chức khác được cử" — need none (Công văn
  1693/TĐC-ĐL of 08/9/2014, I.1.b). The inspecting body is the unit that issues the decision; an
  officer of the department above it who sits on the team as a plain member is read as sent by
  another body, but as head or technical member they need the certificate all the same.
- **chất lượng sản phẩm, hàng hóa** (goods quality): no training-certificate rule was found;
  Luật Chất lượng sản phẩm, hàng hóa 2007 Điều 48 khoản 2: at least half of the team are
  kiểm soát viên chất lượng (the decision declares who is). Not checked against the amending
  Luật 78/2025/QH15 (in force 01/01/2026): chưa đối chiếu.

The certificate rule itself is the certificates package's (`certificates.checks`); this module
says who needs what and shapes the result for the form and for the decision event.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from casework.accounts.models import User
from casework.certificates.checks import missing_certificates
from casework.inspections.models import CERTIFIED_ROLES, TEAM_ROLE_LABELS, TeamMember, TeamRole

MEASUREMENT = "Đo lường"
QUALITY = "Chất lượng sản phẩm, hàng hóa"

MEASUREMENT_RULE = (
    "Trưởng đoàn là cán bộ quản lý của cơ quan thực hiện kiểm tra. Trưởng đoàn, thành viên kỹ "
    "thuật và thành viên là người của cơ quan thực hiện kiểm tra phải có chứng chỉ hoàn thành "
    "khóa đào tạo nghiệp vụ kiểm tra nhà nước về đo lường còn hiệu lực vào ngày kiểm tra; thành "
    "viên do cơ quan khác cử (Sở, thanh tra, công an, quản lý thị trường…) không bắt buộc có "
    "chứng chỉ (Thông tư 28/2013/TT-BKHCN, Điều 5 khoản 4, 5, 7; Nghị định 86/2012/NĐ-CP, Điều 14 "
    "khoản 6; Công văn 1693/TĐC-ĐL)."
)
QUALITY_RULE = (
    "Đoàn kiểm tra phải có ít nhất một nửa số thành viên là kiểm soát viên chất lượng (Luật Chất "
    "lượng sản phẩm, hàng hóa 2007, Điều 48 khoản 2; chưa đối chiếu Luật 78/2025/QH15)."
)


def rule_text(field: str) -> str:
    """The team rule of a procedure's field, as the decision form prints it ('' for none)."""
    return {MEASUREMENT: MEASUREMENT_RULE, QUALITY: QUALITY_RULE}.get(field, "")


@dataclass(frozen=True)
class Proposed:
    """One person of the proposed team. `user` is None for someone another body sent who has no
    account here; `key` is the form field the messages about them go to."""

    key: str
    user: User | None
    name: str
    role: TeamRole
    unit_name: str
    other_body: bool  # not staff of the inspecting body
    quality_controller: bool = False

    @property
    def needs_certificate(self) -> bool:
        return self.role in CERTIFIED_ROLES or not self.other_body


def check(
    session: Session, *, team: Sequence[Proposed], field: str, on: date, body: str
) -> tuple[dict[str, str], dict[str, Any]]:
    """(problems by form field, the check as recorded in the event payload). `body` names the
    inspecting body (the unit issuing the decision) in the messages."""
    if field == MEASUREMENT:
        problems, rows = _measurement(session, team, on, body)
        extra: dict[str, Any] = {"rule": "certificate"}
    elif field == QUALITY:
        problems, rows, extra = _quality(team)
    else:
        problems, rows, extra = {}, [_row(p) for p in team], {"rule": "none"}
    record = {"field": field, "on": on.isoformat(), "passed": not problems, "members": rows}
    return problems, record | extra


def _row(p: Proposed, *, needs: bool = False, reason: str = "") -> dict[str, Any]:
    return {
        "user_id": p.user.id if p.user else None,
        "name": p.name,
        "role": p.role.value,
        "unit": p.unit_name,
        "other_body": p.other_body,
        "needs_certificate": needs,
        "quality_controller": p.quality_controller,
        "ok": not reason,
        "reason": reason,
    }


def _measurement(
    session: Session, team: Sequence[Proposed], on: date, body: str
) -> tuple[dict[str, str], list[dict[str, Any]]]:
    needing = [p.user for p in team if p.user is not None and p.needs_certificate]
    gaps = missing_certificates(session, users=needing, field=MEASUREMENT, on=on)
    problems: dict[str, str] = {}
    rows = []
    for p in team:
        why = []
        if p.role == TeamRole.head and p.other_body:
            why.append(
                f"{p.name} là cán bộ của {p.unit_name}: trưởng đoàn phải là cán bộ quản lý của "
                f"cơ quan thực hiện kiểm tra ({body})"
            )
        gap = gaps.get(p.user.id or 0) if p.user is not None and p.needs_certificate else None
        if gap:
            why.append(gap)
        reason = "; ".join(why)
        if reason:
            problems[p.key] = f"{reason} ({_needs_why(p, body)})."
        rows.append(_row(p, needs=p.needs_certificate, reason=reason))
    return problems, rows


def _needs_why(p: Proposed, body: str) -> str:
    if p.role in CERTIFIED_ROLES:
        return TEAM_ROLE_LABELS[p.role].lower()
    return f"thành viên là người của {body}"


def _quality(
    team: Sequence[Proposed],
) -> tuple[dict[str, str], list[dict[str, Any]], dict[str, Any]]:
    size = len(team)
    controllers = sum(p.quality_controller for p in team)
    needed = (size + 1) // 2
    rows = [_row(p) for p in team]
    extra = {"rule": "quality_controllers", "size": size, "controllers": controllers,
             "needed": needed}  # fmt: skip
    if controllers >= needed:
        return {}, rows, extra
    others = ", ".join(p.name for p in team if not p.quality_controller)
    message = (
        f"Đoàn có {size} người, {controllers} người là kiểm soát viên chất lượng: cần ít nhất "
        f"{needed} (ít nhất một nửa số thành viên đoàn — Luật Chất lượng sản phẩm, hàng hóa "
        f"2007, Điều 48 khoản 2). Chưa ghi là kiểm soát viên chất lượng: {others}."
    )
    for row in rows:
        if not row["quality_controller"]:
            row["ok"], row["reason"] = False, "không phải kiểm soát viên chất lượng"
    return {"team": message}, rows, extra


def remembered_controllers(session: Session, user_ids: Sequence[int]) -> dict[int, bool]:
    """user id → whether the latest quality decision naming them declared them a kiểm soát
    viên chất lượng (officers never declared are left out)."""
    if not user_ids:
        return {}
    rows = session.exec(
        select(TeamMember.user_id, TeamMember.quality_controller)
        .where(
            col(TeamMember.user_id).in_(list(user_ids)),
            col(TeamMember.quality_controller).is_not(None),
        )
        .order_by(col(TeamMember.id).desc())
    ).all()
    out: dict[int, bool] = {}
    for user_id, declared in rows:
        if user_id is not None and user_id not in out:
            out[user_id] = bool(declared)
    return out
