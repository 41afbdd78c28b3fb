"""The figures of /progress at national scale: whose units a reader sees (`reader_scope`), and for
every unit in that scope its trainees, those active in the last 30 days, practice runs finished,
passed reviews and sign-offs — one grouped query (GROUP BY unit) each, whatever the number of
units (3,300 communes: see bench/progress.py). Nothing here loops over units in SQL or scores a
scenario run: the per-trainee detail stays on the unit and trainee pages.

- A **trainee** is an active user with an acting role (tiếp nhận, thụ lý, lãnh đạo).
- **Active**: a trainee who did work (opened it, or fired an action) on a practice dossier in the
  last `ACTIVE_DAYS` days. A unit with no active trainee has **no activity**.
- **Runs finished**: practice dossiers of the unit that reached the end of processing.
- **Passed reviews**: practice dossiers of the unit whose latest mentor verdict is "đạt".
- **Signed off**: trainees with at least one sign-off that holds now (`signoffs.service.
  is_current`: signed, not revoked since), and the number of those sign-offs.
- **Path levels**: trainees at each level (1–4) of each field's learning path, from the levels
  stored when their evidence changes (`learning.levels`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import String, and_, cast, func, true
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from casework.accounts.models import ACTING_ROLES, Role, Unit, UnitKind, User
from casework.dossiers.models import Dossier, Event, EventKind, Mode
from casework.learning.models import LearningLevel
from casework.reviews.models import MentorAssignment, ReviewKind, Verdict
from casework.signoffs.models import SignOffEntry
from casework.signoffs.service import is_current
from casework.units.places import Place, present_places, unit_ids_under

ACTIVE_DAYS = 30
#: the events that make a trainee active: opening a practice dossier, or an action on one
WORK_KINDS = (EventKind.opened.value, EventKind.action.value)


# ---- who reads which units --------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """The units a reader sees (at or below `paths`), and those whose unit page they may open
    (at or below `coached`: their mentor assignments, and an admin's own unit)."""

    paths: tuple[str, ...]
    coached: tuple[str, ...]

    @property
    def empty(self) -> bool:
        return not self.paths

    def reaches(self, path: str) -> bool:
        """Some unit at or below `path` is in the scope."""
        return any(self._meets(p, path) for p in self.paths)

    def under(self, path: str) -> Scope:
        """The part of the scope at or below `path` (a province's figures need no others)."""

        def part(paths: tuple[str, ...]) -> tuple[str, ...]:
            kept = [p if p.startswith(path) else path for p in paths if self._meets(p, path)]
            return _outermost(kept)

        return Scope(part(self.paths), part(self.coached))

    @staticmethod
    def _meets(p: str, path: str) -> bool:
        return p.startswith(path) or path.startswith(p)


def _outermost(paths: Sequence[str]) -> tuple[str, ...]:
    """The paths none of the others contains ("/1/" swallows "/1/5/")."""
    unique = sorted(set(paths), key=len)
    out: list[str] = []
    for p in unique:
        if not any(p.startswith(q) for q in out):
            out.append(p)
    return tuple(sorted(out))


def reader_scope(session: Session, user: User) -> Scope:
    """Auditors and admins read their own unit and everything below it (the ministry's: the whole
    country; a department's: its province); a mentor reads the units assigned to them and below.
    Everybody else reads nothing here (their own progress is on their own page)."""
    if not user.is_active:
        return Scope((), ())
    own = session.get(Unit, user.unit_id)
    paths: list[str] = []
    coached: list[str] = []
    if own is not None and user.has_role(Role.auditor, Role.admin):
        paths.append(own.path)
    if own is not None and user.has_role(Role.admin):
        coached.append(own.path)
    if user.has_role(Role.mentor):
        assigned = session.exec(
            select(Unit.path)
            .join(MentorAssignment, col(MentorAssignment.unit_id) == Unit.id)
            .where(MentorAssignment.mentor_id == user.id)
        ).all()
        paths += assigned
        coached += assigned
    return Scope(_outermost(paths), _outermost(coached))


def provinces(session: Session, scope: Scope) -> list[tuple[Place, str]]:
    """The present departments (with their paths) whose province the scope reaches."""
    rows = session.execute(
        present_places().where(col(Unit.kind) == UnitKind.department).add_columns(col(Unit.path))
    ).all()
    return [(Place(*row[:-1]), row[-1]) for row in rows if scope.reaches(row[-1])]


# ---- the figures of each unit -----------------------------------------------------------------


@dataclass
class UnitFigures:
    unit: Place
    trainees: int = 0
    active: int = 0  # trainees who worked on a practice dossier in the last ACTIVE_DAYS days
    runs: int = 0  # practice dossiers finished
    passed: int = 0  # practice dossiers whose latest verdict is a pass
    signed: int = 0  # trainees with at least one sign-off
    sign_offs: int = 0
    #: (field, level 1–4) → trainees at exactly that level of the field's learning path
    path_levels: dict[tuple[str, int], int] = field(default_factory=dict)


@dataclass
class Figures:
    units: dict[int, UnitFigures]  # the units in scope, by id
    departments: dict[int, Place]  # every present department (to name a province)
    coached: set[int]  # ids of the units in scope whose unit page the reader may open
    since: datetime  # the start of the activity window


#: a user's roles as their JSON text ('["receiver", "admin"]'), grouped on: the few distinct role
#: sets are told apart in Python (`_acting`), not by a LIKE whose selectivity no planner can guess
#: (PostgreSQL then took 10,000 users for 3 and probed the events of each)
ROLES_TEXT = cast(col(User.roles), String)
_QUOTED = tuple(f'"{r}"' for r in sorted(ACTING_ROLES))


@cache
def _acting(roles: str | None) -> bool:
    return any(q in (roles or "") for q in _QUOTED)


def _trainee_counts(session: Session, statement: Any) -> dict[int, list[int]]:
    """Rows (unit id, roles text, counts…) of active users, grouped by both → unit id → the counts
    summed over the role sets with an acting role."""
    out: dict[int, list[int]] = {}
    for unit_id, roles, *counts in session.execute(statement).all():
        if _acting(roles):
            sums = out.setdefault(unit_id, [0] * len(counts))
            for i, n in enumerate(counts):
                sums[i] += int(n)
    return out


def learning_path_levels(session: Session, within: Any) -> dict[int, dict[tuple[str, int], int]]:
    """unit id → {(field, level): trainees at that level} for the units `within` (a condition on
    `User.unit_id`): one query grouped by unit over the stored levels (`learning.levels`; level 0,
    «Chưa bắt đầu», is not stored as a count: it is the trainees less the others)."""
    rows = session.execute(
        sa_select(
            col(User.unit_id),
            ROLES_TEXT,
            col(LearningLevel.field),
            col(LearningLevel.level),
            func.count(),
        )
        .select_from(LearningLevel)
        .join(User, col(User.id) == LearningLevel.user_id)
        .where(col(LearningLevel.level) > 0, col(User.is_active), within)
        .group_by(col(User.unit_id), ROLES_TEXT, col(LearningLevel.field), col(LearningLevel.level))
    ).all()
    out: dict[int, dict[tuple[str, int], int]] = {}
    for unit_id, roles, name, level, n in rows:
        if _acting(roles):
            counts = out.setdefault(unit_id, {})
            counts[(name, int(level))] = counts.get((name, int(level)), 0) + int(n)
    return out


def figures(session: Session, *, scope: Scope, now: datetime) -> Figures:
    """The figures of every present department and commune in `scope`: the units, the
    departments, and six queries grouped by unit."""
    since = now - timedelta(days=ACTIVE_DAYS)
    ids = unit_ids_under(scope.paths)
    national = any(p.count("/") == 2 for p in scope.paths)  # a root's path ("/1/"): every unit

    def within(column: Any) -> Any:
        """In scope: no condition for the whole country (nothing for the planner to misjudge)."""
        return true() if national else col(column).in_(ids)

    out: dict[int, UnitFigures] = {}
    if scope.paths:
        out = {
            row[0]: UnitFigures(Place(*row)) for row in session.execute(present_places(scope.paths))
        }
    departments = {
        row[0]: Place(*row)
        for row in session.execute(present_places().where(col(Unit.kind) == UnitKind.department))
    }
    coached = set(session.exec(unit_ids_under(scope.coached)).all()) if scope.coached else set()
    if not out:
        return Figures(out, departments, set(), since)

    by_trainee = (col(User.unit_id), ROLES_TEXT)
    trainees = (
        select(User.unit_id, ROLES_TEXT, func.count())
        .where(col(User.is_active), within(User.unit_id))
        .group_by(*by_trainee)
    )
    # who worked on a practice dossier in the window (the window's events, by the index on `at`)
    actors = (
        select(Event.actor_id)
        .join(Dossier, col(Dossier.id) == Event.dossier_id)
        .where(
            Dossier.mode == Mode.practice,
            col(Event.at) >= since,
            col(Event.kind).in_(WORK_KINDS),
        )
        .distinct()
    )
    active = (
        select(User.unit_id, ROLES_TEXT, func.count())
        .where(col(User.id).in_(actors), col(User.is_active), within(User.unit_id))
        .group_by(*by_trainee)
    )
    signed = (
        select(
            User.unit_id, ROLES_TEXT, func.count(func.distinct(SignOffEntry.trainee_id)),
            func.count(),
        )
        .select_from(SignOffEntry)
        .join(User, col(User.id) == SignOffEntry.trainee_id)
        .where(is_current(), col(User.is_active), within(User.unit_id))
        .group_by(*by_trainee)
    )  # fmt: skip
    runs = (
        select(Dossier.handling_unit_id, func.count())
        .where(
            Dossier.mode == Mode.practice,
            col(Dossier.processing_ended_at).is_not(None),
            within(Dossier.handling_unit_id),
        )
        .group_by(col(Dossier.handling_unit_id))
    )
    last = (
        select(Event.dossier_id, func.max(Event.seq).label("seq"))
        .join(Dossier, col(Dossier.id) == Event.dossier_id)
        .where(
            Dossier.mode == Mode.practice,
            Event.kind == ReviewKind.review.value,
            within(Dossier.handling_unit_id),
        )
        .group_by(col(Event.dossier_id))
        .subquery()
    )
    passed = (
        select(Dossier.handling_unit_id, func.count())
        .select_from(Event)
        .join(last, and_(col(Event.dossier_id) == last.c.dossier_id, col(Event.seq) == last.c.seq))
        .join(Dossier, col(Dossier.id) == Event.dossier_id)
        .where(Event.action == Verdict.passed.value)
        .group_by(col(Dossier.handling_unit_id))
    )
    found: list[tuple[tuple[str, ...], dict[int, list[int]]]] = [
        (("trainees",), _trainee_counts(session, trainees)),
        (("active",), _trainee_counts(session, active)),
        (("signed", "sign_offs"), _trainee_counts(session, signed)),
        (("runs",), {u: [n] for u, n in session.execute(runs).all()}),
        (("passed",), {u: [n] for u, n in session.execute(passed).all()}),
    ]
    for attrs, counts in found:
        for unit_id, values in counts.items():
            if unit_id in out:
                for attr, value in zip(attrs, values, strict=True):
                    setattr(out[unit_id], attr, int(value))
    for unit_id, levels in learning_path_levels(session, within(User.unit_id)).items():
        if unit_id in out:
            out[unit_id].path_levels = levels
    return Figures(out, departments, coached & set(out), since)
