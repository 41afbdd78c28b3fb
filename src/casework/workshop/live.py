"""The registry each app worker serves follows the published catalogue without a restart.

A publication bumps the one-row `catalogue_generation` counter in its transaction. Each process
remembers the generation its registry was built at, and `refresh` (called by `get_registry`)
reads the counter at most once a second; when it changed, or when a version published with a
later effective date has come into force since, the registry is rebuilt from the versions in
force now (`catalog.current_versions`), and the practice scenarios with it (each id's version
published, `scenario_store.published_scenarios`). The check is one primary-key read a second per
process.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from casework.db import utcnow
from casework.dossiers.catalog import current_stamps, current_versions, procedure_of_version
from casework.dossiers.models import ProcedureVersion
from casework.procedures import ProcedureRegistry
from casework.workshop import scenario_store
from casework.workshop.models import CatalogueGeneration

log = logging.getLogger("casework.workshop")

#: seconds between two reads of the counter in one process
CHECK_EVERY = 1.0
_lock = threading.Lock()


def generation(session: Session) -> int:
    found = session.exec(
        select(CatalogueGeneration.generation).where(CatalogueGeneration.id == 1)
    ).first()
    return int(found or 0)


def bump(session: Session) -> None:
    """+1 on the counter, in the caller's transaction (the row is created if missing)."""
    done = session.execute(
        update(CatalogueGeneration)
        .where(col(CatalogueGeneration.id) == 1)
        .values(generation=CatalogueGeneration.generation + 1, updated_at=utcnow())
    )
    if getattr(done, "rowcount", 0):
        return
    try:
        with session.begin_nested():
            session.add(CatalogueGeneration(id=1, generation=1))
    except IntegrityError:  # another worker created it meanwhile
        session.execute(
            update(CatalogueGeneration)
            .where(col(CatalogueGeneration.id) == 1)
            .values(generation=CatalogueGeneration.generation + 1, updated_at=utcnow())
        )


def published_registry(
    session: Session, files: ProcedureRegistry, now: datetime
) -> tuple[ProcedureRegistry, datetime | None]:
    """The registry of the versions in force at `now` — `files` itself when it holds exactly
    those (the usual case: nothing published in the workshop since the files were read) — and
    the next instant a dated version comes into force (None: none ahead)."""
    in_files = {p.code: p.content_hash for p in files.all()}
    # the files' procedures, and those created in the workshop (dated); a version stored from a
    # file that is gone from the repository is not served (as before the workshop)
    current = {
        code: stamp
        for code, stamp in current_stamps(session, now).items()
        if code in in_files or stamp.effective_from is not None
    }
    ahead = session.exec(
        select(ProcedureVersion.effective_from)
        .where(col(ProcedureVersion.effective_from) > now)
        .order_by(col(ProcedureVersion.effective_from))
        .limit(1)
    ).first()
    if not current:
        return files, ahead
    if in_files == {code: row.content_hash for code, row in current.items()}:
        return files, ahead
    rows = current_versions(session, now)
    procedures = [procedure_of_version(rows[code]) for code in current]
    # a file's procedure the database does not hold yet (start-up not run): served from the file
    procedures += [p for p in files.all() if p.code not in current]
    return ProcedureRegistry(procedures), ahead


def load(state: Any, session: Session) -> None:
    """Build `state.registry` from the published catalogue (at start-up, after the files are
    synced), and `state.scenarios` from the published scenarios when the state holds the files'
    (`state.file_scenarios`); remember the generation they were built at."""
    files: ProcedureRegistry = state.file_registry
    gen = generation(session)
    registry, ahead = published_registry(session, files, utcnow())
    state.registry = registry
    file_scenarios = getattr(state, "file_scenarios", None)
    if file_scenarios is not None:  # the practice pages serve the scenarios published
        state.scenarios = scenario_store.published_scenarios(
            session, file_scenarios, registry, same=registry is files
        )
    state.catalogue_generation = gen
    state.catalogue_next_change = ahead
    state.catalogue_checked = time.monotonic()


def refresh(state: Any, engine: Any) -> None:
    """Reload `state.registry` if the catalogue changed since it was built (at most one read of
    the counter a second). Does nothing before the app's start-up has loaded it."""
    if getattr(state, "catalogue_generation", None) is None:
        return
    now = time.monotonic()
    if now - state.catalogue_checked < CHECK_EVERY:
        return
    with _lock:
        if now - state.catalogue_checked < CHECK_EVERY:
            return
        state.catalogue_checked = now
        with Session(engine) as session:
            gen = generation(session)
            due = state.catalogue_next_change is not None and utcnow() >= (
                state.catalogue_next_change
            )
            if gen == state.catalogue_generation and not due:
                return
            load(state, session)
        log.info("catalogue_reloaded generation=%d procedures=%d", gen, len(state.registry.all()))
