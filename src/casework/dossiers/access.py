"""Who may see which dossier — one SQL filter used by every read, so lists and pages agree.

- receiver / handler / leader: dossiers their unit receives or handles;
- auditor / admin: every dossier handled or received under their unit (read only for auditors);
- mentor: practice dossiers under their unit (DESIGN §6; per-unit assignments come later).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import false, or_
from sqlmodel import Session, col, select

from casework.accounts.models import ACTING_ROLES, Role, Unit, User
from casework.dossiers.models import Dossier, Mode


def _subtree_ids(path: str) -> Any:
    return select(Unit.id).where(col(Unit.path).startswith(path))


def visible_filter(user: User, unit: Unit) -> Any:
    """A WHERE clause selecting the dossiers `user` (of `unit`) may read."""
    clauses: list[Any] = []
    if user.has_role(*ACTING_ROLES):
        clauses.append(
            or_(
                col(Dossier.handling_unit_id) == user.unit_id,
                col(Dossier.receiving_unit_id) == user.unit_id,
            )
        )
    if user.has_role(Role.auditor, Role.admin):
        sub = _subtree_ids(unit.path)
        clauses.append(
            or_(col(Dossier.handling_unit_id).in_(sub), col(Dossier.receiving_unit_id).in_(sub))
        )
    if user.has_role(Role.mentor):
        clauses.append(
            (col(Dossier.mode) == Mode.practice)
            & col(Dossier.handling_unit_id).in_(_subtree_ids(unit.path))
        )
    return or_(*clauses) if clauses else false()


def can_view(session: Session, user: User, dossier: Dossier) -> bool:
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
