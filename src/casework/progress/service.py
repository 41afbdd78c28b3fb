"""Progress of trainees: the computed summary, points, badges and the leaderboard. Who may see
it is `progress.access`; the tables of /progress (per province and unit, at national scale) are
`progress.figures` and `progress.tables`.

- **Scenarios done**: practice dossiers with ``data["_scenario"]`` the trainee opened or acted on
  (a run played together counts for every officer who acted), scored by
  `scenarios.service.feedback` once per dossier.
- **Verdicts**: the latest mentor verdict (event kind ``review``) of each of those dossiers.
- **Sign-offs** (`casework.signoffs`): counted in points and badges.
- **Points and badges** are computed on every read, never stored (`score_of`).
- **Leaderboard**: trainees of the units of one province, except units with a `UnitOptOut` row,
  ranked by their learning path (`casework.learning`), then points.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from casework.accounts.models import Unit, User
from casework.db import utcnow
from casework.dossiers.clockwork import CalendarSource
from casework.dossiers.models import Dossier, Event, Mode
from casework.errors import NotFound, PermissionDenied
from casework.learning.path import Paths, paths_of
from casework.learning.quizzes import QuizRegistry
from casework.procedures import ProcedureRegistry
from casework.progress.access import (  # noqa: F401  (re-exported for the views)
    admin_covers,
    can_view_trainee,
    is_trainee,
    mentor_covers,
    visible_trainee,
    visible_unit,
)
from casework.progress.models import UnitOptOut
from casework.reviews.runs import WORK_KINDS
from casework.reviews.service import latest_verdicts
from casework.scenarios import service as scenarios_service
from casework.scenarios.schema import ScenarioRegistry
from casework.signoffs.models import SignOffEntry
from casework.signoffs.service import sign_offs_of

LEADERBOARD_SIZE = 50

#: Points: per scenario finished (its best score), plus a tenth of that score; per sign-off.
POINTS_PER_SCENARIO = 10
POINTS_PER_SIGN_OFF = 30
BADGE_FIRST = "Bài đầu tiên"
BADGE_PERFECT = "Điểm tuyệt đối"
BADGE_ALONE = "Làm được độc lập"
BADGE_HINTS = {
    BADGE_FIRST: "Hoàn thành bài thực hành đầu tiên",
    BADGE_PERFECT: "Đạt 100 điểm một bài thực hành",
    BADGE_ALONE: "Được ký xác nhận có thể làm độc lập ít nhất một thủ tục",
}


# ---- the summary ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """One scenario dossier opened by the trainee, scored."""

    dossier: Dossier
    scenario_id: str
    title: str
    score: int
    finished: bool


@dataclass(frozen=True)
class Score:
    points: int
    badges: list[str]


def score_of(runs: Iterable[Run], sign_offs: Sequence[SignOffEntry]) -> Score:
    """Points: for each scenario finished, 10 + a tenth of its best score; 30 per sign-off.
    Replaying a scenario improves its best score; it never counts twice."""
    best: dict[str, int] = {}
    for r in runs:
        if r.finished:
            best[r.scenario_id] = max(best.get(r.scenario_id, 0), r.score)
    points = sum(POINTS_PER_SCENARIO + s // 10 for s in best.values())
    points += POINTS_PER_SIGN_OFF * len(sign_offs)
    badges = []
    if best:
        badges.append(BADGE_FIRST)
    if any(s >= 100 for s in best.values()):
        badges.append(BADGE_PERFECT)
    if sign_offs:
        badges.append(BADGE_ALONE)
    return Score(points, badges)


@dataclass
class Progress:
    user: User
    runs: list[Run] = field(default_factory=list)
    verdicts: list[tuple[Dossier, Event]] = field(default_factory=list)
    sign_offs: list[SignOffEntry] = field(default_factory=list)

    @property
    def finished(self) -> int:
        """Distinct scenarios finished."""
        return len({r.scenario_id for r in self.runs if r.finished})

    @property
    def passes(self) -> int:
        return sum(1 for _, ev in self.verdicts if ev.action == "pass")

    @property
    def redos(self) -> int:
        return sum(1 for _, ev in self.verdicts if ev.action == "redo")

    @property
    def score(self) -> Score:
        return score_of(self.runs, self.sign_offs)


def _practice_worked_on(session: Session, user_ids: Sequence[int]) -> list[tuple[Dossier, int]]:
    """Practice dossiers one of `user_ids` opened or acted on, with that user's id, newest first:
    a run played together counts for every officer who acted (the system's simulated steps have
    no actor, so they count for nobody)."""
    if not user_ids:
        return []
    pairs = (
        select(col(Event.dossier_id).label("dossier_id"), col(Event.actor_id).label("actor_id"))
        .where(col(Event.actor_id).in_(user_ids), col(Event.kind).in_(WORK_KINDS))
        .distinct()
        .subquery()
    )
    rows = session.exec(
        select(Dossier, pairs.c.actor_id)
        .join(pairs, pairs.c.dossier_id == Dossier.id)
        .where(Dossier.mode == Mode.practice)
        .order_by(col(Dossier.id).desc())
    ).all()
    return [(d, int(uid)) for d, uid in rows if uid is not None]


def _run_of(
    session: Session, dossier: Dossier, scenarios: ScenarioRegistry, calendars: CalendarSource
) -> Run | None:
    """A practice dossier's scenario run, scored; None if it is no (longer shipped) scenario."""
    if not dossier.data.get(scenarios_service.SCENARIO_KEY):
        return None
    try:
        scenario, fb = scenarios_service.feedback(
            session, dossier=dossier, scenarios=scenarios, calendars=calendars
        )
    except NotFound:  # a scenario no longer shipped: not counted
        return None
    return Run(dossier, scenario.id, scenario.title, fb.score, fb.finished)


def progress_of(
    session: Session,
    users: Sequence[User],
    *,
    scenarios: ScenarioRegistry,
    calendars: CalendarSource,
) -> dict[int, Progress]:
    """The progress of each user (by id): runs newest first, verdicts, sign-offs."""
    ids = [u.id for u in users if u.id is not None]
    result = {u.id: Progress(u) for u in users if u.id is not None}
    worked = _practice_worked_on(session, ids)
    verdicts = latest_verdicts(session, list({d.id for d, _ in worked if d.id is not None}))
    scored: dict[int | None, Run | None] = {}  # a run played together is scored once
    for dossier, uid in worked:
        progress = result[uid]
        if dossier.id not in scored:
            scored[dossier.id] = _run_of(session, dossier, scenarios, calendars)
        run = scored[dossier.id]
        if run is not None:
            progress.runs.append(run)
        verdict = verdicts.get(dossier.id) if dossier.id is not None else None
        if verdict is not None:
            progress.verdicts.append((dossier, verdict))
    for uid, rows in sign_offs_of(session, ids).items():
        result[uid].sign_offs = rows
    return result


# ---- the trainees of units --------------------------------------------------------------------


def trainees_of(session: Session, unit_ids: Sequence[int]) -> list[User]:
    if not unit_ids:
        return []
    users = session.exec(
        select(User)
        .where(col(User.unit_id).in_(unit_ids), col(User.is_active))
        .order_by(col(User.full_name), col(User.username))
    ).all()
    return [u for u in users if is_trainee(u)]


# ---- opt-out, leaderboard ---------------------------------------------------------------------


def opted_out_ids(session: Session) -> set[int]:
    return set(session.exec(select(UnitOptOut.unit_id)).all())


def set_opt_out(
    session: Session, *, admin: User, unit: Unit, opted_out: bool, now: datetime | None = None
) -> None:
    """An admin of the unit (or above) takes it off the leaderboard, or puts it back."""
    if not admin_covers(session, admin, unit):
        raise PermissionDenied("Chỉ quản trị viên của đơn vị mới đổi cài đặt bảng xếp hạng.")
    row = session.exec(select(UnitOptOut).where(UnitOptOut.unit_id == unit.id)).first()
    if opted_out and row is None:
        assert unit.id is not None
        session.add(UnitOptOut(unit_id=unit.id, created_by_id=admin.id, created_at=now or utcnow()))
    elif not opted_out and row is not None:
        session.delete(row)
    try:
        session.commit()
    except IntegrityError:  # opted out twice at once: the result is the same
        session.rollback()


def provinces(session: Session) -> list[str]:
    rows = session.exec(
        select(Unit.province).where(col(Unit.province).is_not(None)).distinct()
    ).all()
    return sorted(p for p in rows if p)


@dataclass(frozen=True)
class Standing:
    rank: int
    progress: Progress
    unit: Unit
    path: Paths = Paths()


def leaderboard(
    session: Session,
    *,
    province: str,
    scenarios: ScenarioRegistry,
    calendars: CalendarSource,
    procedures: ProcedureRegistry,
    quizzes: QuizRegistry,
    limit: int = LEADERBOARD_SIZE,
) -> list[Standing]:
    """Trainees of the province's units (opted-out units never appear), ranked by their learning
    path (`casework.learning.path`): the share of its stages done, then the number done, then
    points; equal on all three share a rank. Trainees with nothing done and no points are left
    out. Queries: a fixed few for the paths, whatever the number of trainees."""
    opted = opted_out_ids(session)
    units = {
        u.id: u
        for u in session.exec(select(Unit).where(Unit.province == province)).all()
        if u.id is not None and u.id not in opted
    }
    trainees = trainees_of(session, list(units))
    progress = progress_of(session, trainees, scenarios=scenarios, calendars=calendars)
    paths = paths_of(session, progress, procedures=procedures, scenarios=scenarios, quizzes=quizzes)

    def key(p: Progress) -> tuple[Fraction, int, int]:
        path = paths[p.user.id or 0]
        share = Fraction(path.done, path.total) if path.total else Fraction(0)
        return share, path.done, p.score.points

    ranked = [p for p in progress.values() if paths[p.user.id or 0].done or p.score.points]
    ranked.sort(key=lambda p: (tuple(-k for k in key(p)), p.user.full_name, p.user.username))
    standings: list[Standing] = []
    previous: tuple[Fraction, int, int] | None = None
    rank = 0
    for i, p in enumerate(ranked[:limit], start=1):
        if key(p) != previous:
            rank, previous = i, key(p)
        standings.append(Standing(rank, p, units[p.user.unit_id], paths[p.user.id or 0]))
    return standings
