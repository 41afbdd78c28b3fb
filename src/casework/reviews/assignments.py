"""Mentor assignments: an admin of the ministry assigns a mentor to a unit (and every unit below
it); `can_view_real` adds read-only access to that unit's real dossiers (`dossiers.access`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from casework.accounts.models import Role, Unit, UnitKind, User
from casework.admin import service as admin
from casework.db import utcnow
from casework.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from casework.ids import parse_id
from casework.reviews.models import MentorAssignment


def assignment_scope(session: Session, user: User) -> admin.Scope:
    """Only an admin of a ministry assigns mentors (403 otherwise)."""
    scope = admin.scope_of(session, user)
    if scope.root.kind != UnitKind.ministry:
        raise PermissionDenied("Chỉ quản trị viên của Bộ mới phân công cán bộ hướng dẫn.")
    return scope


@dataclass(frozen=True)
class AssignmentRow:
    assignment: MentorAssignment
    mentor: User
    unit: Unit


def list_assignments(session: Session, scope: admin.Scope) -> list[AssignmentRow]:
    rows = session.exec(
        select(MentorAssignment, User, Unit)
        .join(User, col(User.id) == MentorAssignment.mentor_id)
        .join(Unit, col(Unit.id) == MentorAssignment.unit_id)
        .where(col(Unit.path).startswith(scope.root.path))
        .order_by(col(User.full_name), col(Unit.path))
    ).all()
    return [AssignmentRow(a, m, u) for a, m, u in rows]


def mentors_in_scope(session: Session, scope: admin.Scope) -> list[User]:
    users = session.exec(
        select(User)
        .join(Unit, col(Unit.id) == User.unit_id)
        .where(col(Unit.path).startswith(scope.root.path), col(User.is_active))
        .order_by(col(User.full_name))
    ).all()
    return [u for u in users if u.has_role(Role.mentor)]


def assign(
    session: Session,
    *,
    scope: admin.Scope,
    mentor_id: str | int | None,
    unit_id: str | int | None,
    can_view_real: bool,
    now: datetime | None = None,
) -> MentorAssignment:
    """Assign a mentor to a unit, or change `can_view_real` of an existing assignment."""
    errors: dict[str, str] = {}
    mentor = None
    if isinstance(mentor_id, str):
        mentor_id = parse_id(mentor_id)
    if mentor_id is not None:
        mentor = next((m for m in mentors_in_scope(session, scope) if m.id == mentor_id), None)
    if mentor is None:
        errors["mentor_id"] = "Chọn một cán bộ có vai trò hướng dẫn (mentor) đang hoạt động."
    try:
        unit = admin.unit_in_scope(session, scope, unit_id)
    except NotFound:
        errors["unit_id"] = "Chọn một đơn vị trong phạm vi quản trị."
    if errors or mentor is None:
        raise ValidationFailed("Chưa phân công được.", fields=errors)
    row = session.exec(
        select(MentorAssignment).where(
            MentorAssignment.mentor_id == mentor.id, MentorAssignment.unit_id == unit.id
        )
    ).first()
    if row is None:
        assert mentor.id is not None and unit.id is not None
        row = MentorAssignment(
            mentor_id=mentor.id,
            unit_id=unit.id,
            created_by_id=scope.admin.id,
            created_at=now or utcnow(),
        )
    row.can_view_real = can_view_real
    session.add(row)
    try:
        session.commit()
    except IntegrityError as exc:  # the same pair added twice at once
        session.rollback()
        raise Conflict("Phân công này vừa được tạo. Hãy tải lại trang.") from exc
    return row


def unassign(session: Session, *, scope: admin.Scope, assignment_id: int) -> None:
    row = session.get(MentorAssignment, assignment_id)
    unit = session.get(Unit, row.unit_id) if row is not None else None
    if row is None or unit is None or not unit.path.startswith(scope.root.path):
        raise NotFound("Không tìm thấy phân công.")
    session.delete(row)
    session.commit()
