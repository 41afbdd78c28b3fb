"""Who may see which dossier — one SQL filter used by every read, so lists and pages agree.

- receiver / handler / leader: dossiers their unit receives or handles;
- auditor / admin: every dossier handled or received under their unit (read only for auditors);
- mentor: practice dossiers of the units assigned to them and of every unit below those
  (`reviews.models.MentorAssignment`); real ones too, read only, where the assignment grants
  `can_view_real` (DESIGN §6). A mentor's own unit gives them nothing by itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, false, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from casework.accounts.models import ACTING_ROLES, Role, Unit, User
from casework.dossiers.models import Dossier, Mode
from casework.reviews.models import MentorAssignment


def _subtree_ids(path: str) -> Any:
    return select(Unit.id).where(col(Unit.path).startswith(path))


@dataclass(frozen=True)
class UnitColumns:
    """The columns the rules read: the dossier's, or a table counting dossiers by the same
    (the work queue's counters, `QueueCounter`)."""

    handling: Any
    receiving: Any
    mode: Any


DOSSIER_COLUMNS = UnitColumns(
    col(Dossier.handling_unit_id), col(Dossier.receiving_unit_id), col(Dossier.mode)
)


class BoundViewer:
    """Stands in for a user and their unit in `visible_filter` (and the work queue's clauses) when
    a statement is built once per kind of viewer and run with parameters (`viewer_params`): the
    roles are the kind's, the ids and the unit's path bound parameters (or, `path`, a column of a
    unit joined in the same statement)."""

    def __init__(self, roles: frozenset[str], path: Any = None) -> None:
        self.roles = roles
        self.id: Any = bindparam("viewer_id")
        self.unit_id: Any = bindparam("viewer_unit_id")
        self.path: Any = bindparam("viewer_unit_path") if path is None else path

    def has_role(self, *roles: str) -> bool:
        return any(r in self.roles for r in roles)


def viewer_params(user: User, unit: Unit | None = None) -> dict[str, Any]:
    """The parameters of a statement built with a `BoundViewer` of `user`'s roles."""
    return {
        "viewer_id": user.id,
        "viewer_unit_id": user.unit_id,
        "viewer_unit_path": unit.path if unit is not None else None,
    }


def visible_filter(user: User, unit: Unit, on: UnitColumns = DOSSIER_COLUMNS) -> Any:
    """A WHERE clause selecting the dossiers `user` (of `unit`) may read."""
    clauses: list[Any] = []
    if user.has_role(*ACTING_ROLES):
        clauses.append(or_(on.handling == user.unit_id, on.receiving == user.unit_id))
    if user.has_role(Role.auditor, Role.admin):
        sub = _subtree_ids(unit.path)
        clauses.append(or_(on.handling.in_(sub), on.receiving.in_(sub)))
    if user.has_role(Role.mentor):
        clauses.append(mentor_filter(user, on))
    return or_(*clauses) if clauses else false()


def sees_own_unit_only(user: User) -> bool:
    """`visible_filter` is "handled or received in the user's unit" and nothing more."""
    return user.has_role(*ACTING_ROLES) and not user.has_role(Role.auditor, Role.admin, Role.mentor)


def mentor_filter(user: User, on: UnitColumns = DOSSIER_COLUMNS) -> Any:
    """The dossiers `user` may review as a mentor: practice dossiers handled in an assigned unit
    or below it, and real ones (read only) under an assignment with `can_view_real`. One clause,
    two uncorrelated sub-selects of unit ids."""
    if user.id is None or not user.has_role(Role.mentor):
        return false()
    return or_(
        (on.mode == Mode.practice) & on.handling.in_(_assigned_subtrees(user.id)),
        on.handling.in_(_assigned_subtrees(user.id, real=True)),
    )


def _assigned_subtrees(mentor_id: int, *, real: bool = False) -> Any:
    """Ids of every unit at or below a unit assigned to the mentor (only `can_view_real` ones
    with `real`)."""
    assigned = aliased(Unit)
    query = (
        select(Unit.id)
        .join(assigned, col(Unit.path).startswith(assigned.path))
        .join(MentorAssignment, col(MentorAssignment.unit_id) == assigned.id)
        .where(col(MentorAssignment.mentor_id) == mentor_id)
    )
    return query.where(col(MentorAssignment.can_view_real)) if real else query


def can_view(session: Session, user: User, dossier: Dossier) -> bool:
    if user.is_active and user.has_role(*ACTING_ROLES) and can_act_in_unit(user, dossier):
        return True  # `visible_filter`'s first clause, known from the row: no query
    unit = session.get(Unit, user.unit_id)
    if unit is None or not user.is_active:
        return False
    found = session.exec(
        select(Dossier.id).where(Dossier.id == dossier.id, visible_filter(user, unit))
    ).first()
    return found is not None


def can_act_in_unit(user: User, dossier: Dossier) -> bool:
    """Staff act only on dossiers of their own unit (DESIGN §6)."""
    return user.is_active and user.unit_id in (dossier.handling_unit_id, dossier.receiving_unit_id)
