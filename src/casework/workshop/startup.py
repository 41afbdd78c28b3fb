"""At start-up: the repository's `workflows/` files against the published catalogue.

- An empty catalogue (a new database) publishes every file: the bootstrap. So does a file whose
  procedure code the catalogue has never had (its first version; logged).
- Afterwards the database is the truth. A file whose procedure differs from the version in force
  (edited in the repository) becomes a DRAFT — status 'draft', event 'imported', no
  author (the system), a note naming the file — and is never published silently; an editor
  reviews it in the workshop like any other. Each import is logged. A file already imported (a
  draft of that code with the same text, whatever its status since) is not imported again, and a
  file is not imported over a draft someone is working on (logged).
"""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import text
from sqlmodel import Session, select

from casework.db import utcnow
from casework.dossiers.catalog import current_stamps, sync_procedures, version_row_for
from casework.dossiers.models import ProcedureVersion
from casework.procedures import Procedure
from casework.procedures.loader import procedure_files
from casework.procedures.yamlsafe import fast_load
from casework.workshop.imports import imported_draft
from casework.workshop.models import DraftKind, ProcedureDraft
from casework.workshop.service import open_draft_for

log = logging.getLogger("casework.workshop")

#: PostgreSQL advisory lock held while the files are compared (workers start together)
LOCK = 0x776F726B73686F70  # "workshop"


def files_by_code(workflows_dir: Path) -> dict[str, Path]:
    """The procedure files of `workflows_dir` by the code they declare."""
    found: dict[str, Path] = {}
    for path in procedure_files(workflows_dir):
        try:
            data = fast_load(path.read_text(encoding="utf-8"))
        except Exception:  # noqa: BLE001 - the loader refused the directory already if so
            continue
        if isinstance(data, dict) and data.get("code") is not None:
            found.setdefault(str(data["code"]), path)
    return found


def sync_repository(
    session: Session, procedures: list[Procedure], workflows_dir: Path
) -> list[ProcedureDraft]:
    """Publish the files into an empty catalogue, else import each changed file as a draft
    (one transaction; returns the drafts created)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": LOCK})
    if session.exec(select(ProcedureVersion.id).limit(1)).first() is None:
        sync_procedures(session, procedures)
        log.info("catalogue_bootstrapped procedures=%d", len(procedures))
        return []
    now = utcnow()
    current = current_stamps(session, now)
    files = files_by_code(workflows_dir)
    created: list[ProcedureDraft] = []
    unknown = [p for p in procedures if p.code not in current]
    if unknown:  # a procedure the catalogue never had: its file is its first version
        for p in unknown:
            version_row_for(session, p)
        log.info("procedures_bootstrapped codes=%s", ",".join(p.code for p in unknown))
    for proc in procedures:
        row = current.get(proc.code)
        if row is None or row.content_hash == proc.content_hash:
            continue
        path = files.get(proc.code)
        if path is None:
            continue
        body = path.read_text(encoding="utf-8")
        shown = f"{workflows_dir.name}/{path.name}"
        seen = session.exec(
            select(ProcedureDraft.id).where(
                ProcedureDraft.code == proc.code, ProcedureDraft.yaml_text == body
            )
        ).first()
        if seen is not None:
            continue
        busy = open_draft_for(session, proc.code)
        if busy is not None:
            log.warning(
                "procedure_file_not_imported code=%s file=%s open_draft=%s "
                "(the file differs from the published version; a draft is being worked on)",
                proc.code, shown, busy.id,
            )  # fmt: skip
            continue
        draft = imported_draft(
            session, code=proc.code, kind=DraftKind.procedure, body=body, shown=shown,
            version=row.version, now=now, base_version_id=row.id,
        )  # fmt: skip
        created.append(draft)
        log.warning(
            "procedure_file_imported_as_draft code=%s file=%s draft=%d published_version=%s",
            proc.code, shown, draft.id, row.version,
        )  # fmt: skip
    session.commit()
    return created
