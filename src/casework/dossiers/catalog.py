"""Procedure versions in the database: each loaded definition is stored once, by content hash.

A dossier pins the `ProcedureVersion` row it started on and is always rebuilt from that row's
stored definition, so editing a workflow file never changes a running dossier.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

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
    """The version row a dossier pinned and its procedure (read once per transaction)."""

    def read() -> tuple[ProcedureVersion, Procedure]:
        row = session.get(ProcedureVersion, dossier.procedure_version_id)
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
