"""Procedure versions in the database: each loaded definition is stored once, by content hash.

A dossier pins the `ProcedureVersion` row it started on and is always rebuilt from that row's
stored definition, so editing a workflow file never changes a running dossier.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import NamedTuple, TypeVar

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from casework.caching.service import row_by_id
from casework.db import memo
from casework.dossiers.models import Dossier, ProcedureVersion
from casework.errors import NotFound
from casework.procedures import Procedure


def version_row_for(
    session: Session, procedure: Procedure, *, source_file: str = ""
) -> ProcedureVersion:
    """The stored row of this exact definition, created if new (the caller commits).

    If the file kept its `version` number but its content changed, the stored version number is
    bumped past the highest one known, so two different definitions never share a number.
    """
    digest = procedure.content_hash
    row = _by_hash(session, digest)
    if row is not None:
        return row
    version = procedure.version
    taken = session.exec(
        select(ProcedureVersion).where(
            ProcedureVersion.code == procedure.code, ProcedureVersion.version == version
        )
    ).first()
    if taken is not None:
        highest = session.exec(
            select(func.max(ProcedureVersion.version)).where(
                ProcedureVersion.code == procedure.code
            )
        ).one()
        version = int(highest or 0) + 1
    row = ProcedureVersion(
        code=procedure.code,
        version=version,
        name=procedure.name,
        content_hash=digest,
        definition=procedure.model_dump(mode="json", by_alias=True),
        source_file=source_file,
    )
    try:
        with session.begin_nested():  # another worker may store the same definition right now
            session.add(row)
    except IntegrityError:
        stored = _by_hash(session, digest)
        if stored is None:
            raise
        return stored
    return row


def _by_hash(session: Session, digest: str) -> ProcedureVersion | None:
    return session.exec(
        select(ProcedureVersion).where(ProcedureVersion.content_hash == digest)
    ).first()


def sync_procedures(session: Session, procedures: Iterable[Procedure]) -> list[ProcedureVersion]:
    rows = [version_row_for(session, p) for p in procedures]
    session.commit()
    return rows


#: Rebuilt definitions by content hash (immutable, so never invalidated).
_REBUILT: dict[str, Procedure] = {}


def procedure_of_version(row: ProcedureVersion) -> Procedure:
    procedure = _REBUILT.get(row.content_hash)
    if procedure is None:
        procedure = _REBUILT[row.content_hash] = Procedure.model_validate(row.definition)
    return procedure


def procedures_by_version(session: Session) -> dict[int, Procedure]:
    """Every stored version's procedure by version id, read once per transaction; a definition
    is decoded only the first time the process meets its content hash."""

    def read() -> dict[int, Procedure]:
        pairs = session.exec(select(ProcedureVersion.id, ProcedureVersion.content_hash)).all()
        unknown = [vid for vid, digest in pairs if digest not in _REBUILT]
        if unknown:
            for row in session.exec(
                select(ProcedureVersion).where(col(ProcedureVersion.id).in_(unknown))
            ):
                procedure_of_version(row)
        return {vid: _REBUILT[digest] for vid, digest in pairs if vid is not None}

    return memo(session, ("procedures_by_version",), read)


def procedure_of(session: Session, dossier: Dossier) -> tuple[ProcedureVersion, Procedure]:
    """The version row a dossier pinned and its procedure (once per transaction, from the
    process cache)."""

    def read() -> tuple[ProcedureVersion, Procedure]:
        # per process until a version is written (`casework.caching`): no read at all
        row = row_by_id(session, ProcedureVersion, dossier.procedure_version_id)
        if row is None:  # pragma: no cover - foreign key guarantees it
            raise NotFound("Không tìm thấy phiên bản thủ tục của hồ sơ.")
        return row, procedure_of_version(row)

    return memo(session, ("procedure_version", dossier.procedure_version_id), read)


def stored_version(session: Session, code: str, version: int) -> ProcedureVersion:
    row = session.exec(
        select(ProcedureVersion).where(
            ProcedureVersion.code == code, ProcedureVersion.version == version
        )
    ).first()
    if row is None:
        known = versions_of(session, code)
        listed = ", ".join(str(r.version) for r in known) or "chưa có"
        raise NotFound(f"Thủ tục {code} không có phiên bản {version} (đã lưu: {listed}).")
    return row


def versions_of(session: Session, code: str) -> list[ProcedureVersion]:
    """Every stored version of a procedure, newest first."""
    return list(
        session.exec(
            select(ProcedureVersion)
            .where(ProcedureVersion.code == code)
            .order_by(col(ProcedureVersion.version).desc())
        ).all()
    )


# ------------------------------------------------------------------------------------------
# Which published version applies when (issue 20: versions published with an effective date)
# ------------------------------------------------------------------------------------------


V = TypeVar("V", ProcedureVersion, "Stamp")


def in_force(rows: Sequence[V], at: datetime) -> V | None:
    """The version of one procedure in force at `at`, among its published `rows`.

    A version published in the workshop is dated (`effective_from`); a version stored from a
    repository file is not: the latest stored of those is the base, in force "since always".
    The dated version with the greatest `effective_from` <= `at` replaces the base; none yet:
    the base; no base either (a dossier received before the first dated version): the earliest
    dated one."""
    if not rows:
        return None
    undated = [r for r in rows if r.effective_from is None]
    base = max(undated, key=lambda r: (r.created_at, r.version)) if undated else None
    return _pick(rows, base, at)


_ALWAYS = datetime.min.replace(tzinfo=UTC)


def _pick(rows: Sequence[V], base: V | None, at: datetime) -> V:
    dated = [r for r in rows if r.effective_from is not None and r.effective_from <= at]
    if dated:
        return max(dated, key=lambda r: (r.effective_from or _ALWAYS, r.version))
    if base is not None:
        return base
    return min(rows, key=lambda r: (r.effective_from or _ALWAYS, r.version))


def version_at_receipt(
    session: Session, procedure: Procedure, received_at: datetime
) -> tuple[ProcedureVersion, Procedure]:
    """The version a new dossier received at `received_at` pins, and its procedure.

    `procedure` is the caller's current one (the registry's); it is stored if new, as before. A
    version published with an effective date after `received_at` does not apply to it, and one
    in force at `received_at` applies even if the caller's registry has not caught up (see
    `in_force`; the caller's own version is the undated base when it is undated)."""
    row = version_row_for(session, procedure)
    dated = session.exec(
        select(ProcedureVersion.id)
        .where(ProcedureVersion.code == row.code, col(ProcedureVersion.effective_from).is_not(None))
        .limit(1)
    ).first()
    if dated is None:
        return row, procedure  # nothing published with a date: the caller's version
    rows = list(session.exec(select(ProcedureVersion).where(ProcedureVersion.code == row.code)))
    if row.effective_from is None:
        chosen = _pick(rows, row, received_at)
    else:
        chosen = in_force(rows, received_at) or row
    if chosen.id == row.id:
        return row, procedure
    return chosen, procedure_of_version(chosen)


class Stamp(NamedTuple):
    """What choosing a version needs of a stored row, without its definition."""

    id: int
    code: str
    version: int
    content_hash: str
    effective_from: datetime | None
    created_at: datetime


def current_stamps(session: Session, at: datetime) -> dict[str, Stamp]:
    """Every procedure's version in force at `at` (`in_force`), by code, without definitions."""
    by_code: dict[str, list[Stamp]] = {}
    for values in session.execute(
        sa_select(
            col(ProcedureVersion.id),
            col(ProcedureVersion.code),
            col(ProcedureVersion.version),
            col(ProcedureVersion.content_hash),
            col(ProcedureVersion.effective_from),
            col(ProcedureVersion.created_at),
        )
    ):
        stamp = Stamp(*values)
        by_code.setdefault(stamp.code, []).append(stamp)
    found = {code: in_force(rows, at) for code, rows in by_code.items()}
    return {code: row for code, row in found.items() if row is not None}


def current_versions(session: Session, at: datetime) -> dict[str, ProcedureVersion]:
    """Every procedure's version row in force at `at`, by code."""
    ids = [s.id for s in current_stamps(session, at).values()]
    rows = session.exec(select(ProcedureVersion).where(col(ProcedureVersion.id).in_(ids)))
    return {row.code: row for row in rows}
