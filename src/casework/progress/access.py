"""Who sees whose progress, and who coaches whom (used by progress and sign-offs).

- A **trainee** is an active user with an acting role (tiếp nhận, thụ lý, lãnh đạo).
- A trainee's progress is seen by the trainee, by a mentor assigned to the trainee's unit or a
  unit above it, and by an admin of that unit or a unit above it; anyone else gets a 404.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from casework.accounts.models import ACTING_ROLES, Role, Unit, User
from casework.errors import NotFound
from casework.reviews.models import MentorAssignment


def is_trainee(user: User) -> bool:
    return user.is_active and user.has_role(*ACTING_ROLES)


def _ancestor_ids(unit: Unit) -> list[int]:
    return [int(p) for p in unit.path.strip("/").split("/") if p]


def mentor_covers(session: Session, mentor: User, unit: Unit) -> bool:
    """An active mentor assigned to `unit` or to a unit above it."""
    if not mentor.is_active or not mentor.has_role(Role.mentor) or mentor.id is None:
        return False
    found = session.exec(
        select(MentorAssignment.id).where(
            MentorAssignment.mentor_id == mentor.id,
            col(MentorAssignment.unit_id).in_(_ancestor_ids(unit) or [-1]),
        )
    ).first()
    return found is not None


def admin_covers(session: Session, admin: User, unit: Unit) -> bool:
    """An active admin of `unit` or of a unit above it."""
    if not admin.is_active or not admin.has_role(Role.admin):
        return False
    return admin.unit_id in _ancestor_ids(unit)


def can_view_trainee(session: Session, viewer: User, trainee: User) -> bool:
    if viewer.id == trainee.id:
        return True
    unit = session.get(Unit, trainee.unit_id)
    if unit is None:
        return False
    return mentor_covers(session, viewer, unit) or admin_covers(session, viewer, unit)


def visible_trainee(session: Session, viewer: User, username: str) -> User:
    """The user `username` if `viewer` may see their progress (404 otherwise, nothing leaks)."""
    trainee = session.exec(select(User).where(User.username == username)).first()
    if trainee is None or not can_view_trainee(session, viewer, trainee):
        raise NotFound(f"Không tìm thấy tiến độ của {username}.")
    return trainee


def visible_unit(session: Session, viewer: User, code: str) -> Unit:
    """The unit `code` if `viewer` is a mentor assigned to it (or above) or its admin (or above)."""
    unit = session.exec(select(Unit).where(Unit.code == code)).first()
    if unit is None or not (
        mentor_covers(session, viewer, unit) or admin_covers(session, viewer, unit)
    ):
        raise NotFound(f"Không tìm thấy đơn vị {code}.")
    return unit
