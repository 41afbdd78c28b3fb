"""Each trainee's stored level per field (`LearningLevel`), kept so /progress can count trainees at
each level with one grouped query (`progress.figures.learning_path_levels`) instead of replaying
every trainee's runs.

**When it changes.** A level is a function of the trainee's evidence (`learning.path`): handbook
pages read, quizzes passed, scenario runs finished, mentors' verdicts «Đạt», sign-offs. Every write
of such evidence calls `refresh` for the trainees it concerns *before its own commit*, so the level
and its evidence are one transaction:

- a handbook page read (`learning.service.record_read`), a quiz submitted (`submit`);
- an action on a practice dossier that brings it to a final state, or a practice run restarted
  (the dossier views: the officers who worked on the run);
- a mentor's verdict, single or in bulk (`reviews.service`), for the officers of the run;
- a sign-off or its revocation (`signoffs.service`).

What the levels also depend on — the catalogue (procedures, scenarios, quizzes), a trainee's roles
and unit — changes outside these writes; `casework learning levels` rebuilds every row (after a
deployment that adds a quiz or scenario). A trainee with no row counts as «Chưa bắt đầu».
A refresh that meets a concurrent one for the same trainee (the unique row) keeps the row the other
wrote: the evidence write itself never fails because of it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from casework.accounts.models import ACTING_ROLES, User
from casework.db import utcnow
from casework.dossiers.clockwork import CalendarSource
from casework.dossiers.models import Event, EventKind
from casework.learning.models import LearningLevel
from casework.learning.quizzes import QuizRegistry
from casework.procedures import ProcedureRegistry
from casework.scenarios.schema import ScenarioRegistry

log = logging.getLogger("casework.learning")
BATCH = 200


@dataclass(frozen=True)
class Catalog:
    """What a level is computed against (the app's registries)."""

    procedures: ProcedureRegistry
    scenarios: ScenarioRegistry
    quizzes: QuizRegistry
    calendars: CalendarSource


def catalog_of(state: Any) -> Catalog:
    """The app's catalogue (`request.app.state`)."""
    return Catalog(state.registry, state.scenarios, state.quizzes, state.calendars)


def _is_trainee(user: User) -> bool:
    return user.is_active and user.has_role(*ACTING_ROLES)


def computed(session: Session, users: list[User], catalog: Catalog) -> dict[int, dict[str, int]]:
    """user id → {field: level} from the evidence (the paths' rules), trainees only."""
    from casework.learning.path import paths_of  # noqa: PLC0415  (progress imports learning)
    from casework.progress.service import progress_of  # noqa: PLC0415

    trainees = [u for u in users if _is_trainee(u)]
    progress = progress_of(
        session, trainees, scenarios=catalog.scenarios, calendars=catalog.calendars
    )
    paths = paths_of(
        session,
        progress,
        procedures=catalog.procedures,
        scenarios=catalog.scenarios,
        quizzes=catalog.quizzes,
    )
    return {uid: {f.field: f.level for f in p.fields} for uid, p in paths.items()}


def run_trainees(session: Session, dossier_id: int | None) -> list[int]:
    """The officers who opened the practice dossier or fired one of its actions."""
    kinds = (EventKind.opened.value, EventKind.action.value)
    rows = session.exec(
        select(Event.actor_id)
        .where(Event.dossier_id == dossier_id, col(Event.kind).in_(kinds))
        .distinct()
    ).all()
    return [i for i in rows if i is not None]


def refresh_run(session: Session, dossier_id: int | None, catalog: Catalog | None) -> None:
    """`refresh` for the officers of a practice run (no commit)."""
    if catalog is not None:
        refresh(session, run_trainees(session, dossier_id), catalog)


def after_action(session: Session, code: str, catalog: Catalog | None) -> None:
    """After an action on dossier `code` (committed by the dossier service): if it is a practice
    run that now stands at a final state, refresh its officers' levels, one more short commit.
    A failure is logged, never the action's error (the rebuild command repairs it)."""
    from casework.dossiers.catalog import procedure_of  # noqa: PLC0415  (dossiers import us)
    from casework.dossiers.models import Dossier, Mode  # noqa: PLC0415

    dossier = session.exec(select(Dossier).where(Dossier.code == code)).first()
    if catalog is None or dossier is None or dossier.mode != Mode.practice:
        return
    _, procedure = procedure_of(session, dossier)
    state = procedure.states.get(dossier.state)
    if state is None or not state.final:
        return
    try:
        refresh_run(session, dossier.id, catalog)
        session.commit()
    except Exception:  # noqa: BLE001  (the action is done; the level is derived data)
        session.rollback()
        log.exception("learning_level_refresh_failed dossier=%s", code)


def refresh(
    session: Session,
    user_ids: Iterable[int | None],
    catalog: Catalog | None,
    *,
    now: datetime | None = None,
) -> None:
    """Recompute and write the levels of `user_ids` in the caller's transaction (no commit).
    Without a catalogue (a script, a test of the service alone) nothing is written."""
    ids = sorted({i for i in user_ids if i is not None})
    if catalog is None or not ids:
        return
    now = now or utcnow()
    users = list(session.exec(select(User).where(col(User.id).in_(ids))).all())
    levels = computed(session, users, catalog)
    try:
        with session.begin_nested():
            _write(session, ids, levels, now)
    except IntegrityError as exc:  # a concurrent refresh wrote the same trainee's row first
        log.info("learning_level_refresh_raced users=%s: %s", ids, exc.orig)


def _write(
    session: Session, ids: list[int], levels: dict[int, dict[str, int]], now: datetime
) -> None:
    rows = session.exec(select(LearningLevel).where(col(LearningLevel.user_id).in_(ids))).all()
    stored = {(r.user_id, r.field): r for r in rows}
    for key, row in stored.items():
        if levels.get(key[0], {}).get(key[1]) is None:
            session.delete(row)  # no longer a trainee, or the field left their path
    for uid, fields in levels.items():
        for name, level in fields.items():
            found = stored.get((uid, name))
            if found is None:
                session.add(LearningLevel(user_id=uid, field=name, level=level, updated_at=now))
            elif found.level != level:
                found.level, found.updated_at = level, now
                session.add(found)
    session.flush()


def rebuild(session: Session, catalog: Catalog, *, batch: int = BATCH) -> int:
    """Every active user's rows from their evidence, `batch` users a transaction; rows of users no
    longer active are removed. Returns the number of users refreshed."""
    ids = list(session.exec(select(User.id).order_by(col(User.id))).all())
    for start in range(0, len(ids), batch):
        refresh(session, ids[start : start + batch], catalog)
        session.commit()
    return len(ids)
