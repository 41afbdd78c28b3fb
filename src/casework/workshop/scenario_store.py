"""Published practice scenarios in the database: the same rules as the procedures.

- `scenario_version` holds every published scenario text; the practice pages serve the highest
  version of each id (`published_scenarios`, rebuilt by `workshop.live` when the catalogue's
  generation changes, so every worker sees a publication without a restart).
- At start-up (`sync_scenarios`) an empty table stores every file of `workflows/scenarios/` (the
  bootstrap), and so does a scenario id the database never had. Afterwards the database is the
  truth: a file whose scenario differs from the version published is imported as a DRAFT (event
  'imported', no author), never published silently.
- `publish_scenario` stores an approved scenario draft as the next version (the caller, the
  `workshop.publish`, owns the transaction); `export_scenarios` writes the published
  versions back to files (`casework workflows export`).

A scenario's hash is that of its meaning (the parsed scenario), so a comment or a re-indented
file is not a change.
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import datetime
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy import func, text
from sqlmodel import Session, col, select

from casework.accounts.models import User
from casework.db import utcnow
from casework.errors import Conflict
from casework.procedures import Procedure, ProcedureRegistry
from casework.procedures.yamlsafe import fast_load
from casework.scenarios.schema import Scenario, ScenarioRegistry, check_against
from casework.workshop.imports import imported_draft
from casework.workshop.models import (
    OPEN_STATUSES,
    DraftKind,
    ProcedureDraft,
    ScenarioVersion,
)

log = logging.getLogger("casework.workshop")

#: PostgreSQL advisory lock held while the scenario files are compared (workers start together)
LOCK = 0x7363656E6172696F  # "scenario"


def content_hash(scenario: Scenario) -> str:
    """The hash of what the scenario says (not of its comments or layout, nor of the states the
    walk fills in)."""
    data = scenario.model_dump(mode="json")
    for step in data["expected"]:
        step.pop("state", None)
    body = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


_hashes: dict[int, tuple[Scenario, str]] = {}


def hash_of(scenario: Scenario) -> str:
    """`content_hash`, remembered per scenario object (a served registry's scenarios live as long
    as the registry; the feedback of a list of runs asks for each)."""
    found = _hashes.get(id(scenario))
    if found is not None and found[0] is scenario:
        return found[1]
    digest = content_hash(scenario)
    if len(_hashes) > 4096:
        _hashes.clear()
    _hashes[id(scenario)] = (scenario, digest)
    return digest


def run_scenario(
    session: Session,
    scenario_id: str,
    served: Scenario | None,
    digest: str,
    procedure: Procedure,
) -> Scenario | None:
    """The scenario a practice run started on: `served` (the version the practice pages serve,
    None when they no longer serve it) when it still says the same (`digest`, stored at the
    start), else the published version with that hash walked against the run's own procedure
    version — so a publication does not change the scoring of runs in progress. Falls back to
    `served` when that version is not stored or no longer walks."""
    if served is not None and hash_of(served) == digest:
        return served
    row = session.exec(
        select(ScenarioVersion)
        .where(ScenarioVersion.scenario_id == scenario_id, ScenarioVersion.content_hash == digest)
        .order_by(col(ScenarioVersion.version).desc())
        .limit(1)
    ).first()
    parsed = parse(row.yaml_text) if row is not None else None
    if parsed is None:
        return served
    walked, problems = check_against(parsed, ProcedureRegistry([procedure]), scenario_id)
    return served if problems else walked


def parse(body: str) -> Scenario | None:
    """The scenario a text declares (its schema only, not walked), or None."""
    try:
        return Scenario.model_validate(fast_load(body))
    except (ValidationError, ValueError, TypeError, AttributeError):
        return None
    except Exception:  # noqa: BLE001 - a YAML error of any kind: not a scenario
        return None


def scenario_files(workflows_dir: Path) -> dict[str, tuple[Path, str]]:
    """The files of `workflows_dir/scenarios` by the id they declare: (path, text)."""
    found: dict[str, tuple[Path, str]] = {}
    for path in sorted((workflows_dir / "scenarios").glob("*.yaml")):
        body = path.read_text(encoding="utf-8")
        try:
            data = fast_load(body)
        except Exception:  # noqa: BLE001 - the loader refused the directory already if so
            continue
        if isinstance(data, dict) and data.get("id") is not None:
            found.setdefault(str(data["id"]), (path, body))
    return found


def latest_stamps(session: Session) -> dict[str, tuple[int, str, str]]:
    """Each scenario id's highest version: id → (version, content hash, source file)."""
    rows = session.exec(
        select(
            ScenarioVersion.scenario_id,
            ScenarioVersion.version,
            ScenarioVersion.content_hash,
            ScenarioVersion.source_file,
        )
    ).all()
    out: dict[str, tuple[int, str, str]] = {}
    for sid, version, digest, source in rows:
        if sid not in out or version > out[sid][0]:
            out[sid] = (version, digest, source)
    return out


def latest_version(session: Session, scenario_id: str) -> ScenarioVersion | None:
    return session.exec(
        select(ScenarioVersion)
        .where(ScenarioVersion.scenario_id == scenario_id)
        .order_by(col(ScenarioVersion.version).desc())
        .limit(1)
    ).first()


def latest_versions(session: Session) -> dict[str, ScenarioVersion]:
    newest = (
        select(ScenarioVersion.scenario_id, func.max(ScenarioVersion.version).label("v"))
        .group_by(col(ScenarioVersion.scenario_id))
        .subquery()
    )
    rows = session.exec(
        select(ScenarioVersion).join(
            newest,
            (col(ScenarioVersion.scenario_id) == newest.c.scenario_id)
            & (col(ScenarioVersion.version) == newest.c.v),
        )
    ).all()
    return {r.scenario_id: r for r in rows}


def versions_of(session: Session, scenario_id: str) -> list[ScenarioVersion]:
    """Every published version of a scenario, newest first."""
    return list(
        session.exec(
            select(ScenarioVersion)
            .where(ScenarioVersion.scenario_id == scenario_id)
            .order_by(col(ScenarioVersion.version).desc())
        )
    )


def _row(scenario: Scenario, body: str, version: int, **extra: object) -> ScenarioVersion:
    return ScenarioVersion(
        scenario_id=scenario.id,
        version=version,
        procedure=scenario.procedure,
        title=scenario.title[:500],
        content_hash=content_hash(scenario),
        yaml_text=body,
        **extra,  # type: ignore[arg-type]
    )


# ------------------------------------------------------------------------------------------
# Publishing (inside the workshop's publish transaction)
# ------------------------------------------------------------------------------------------


def publish_scenario(
    session: Session,
    *,
    draft: ProcedureDraft,
    actor: User,
    now: datetime,
    reason: str = "",
    source_note: str = "",
) -> ScenarioVersion:
    """Store an approved scenario draft (already checked by the caller) as its id's next version
    (no commit); refused when it says exactly what the published version says."""
    scenario = parse(draft.yaml_text)
    assert scenario is not None  # checked by the caller
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": LOCK})
    latest = latest_version(session, scenario.id)
    if latest is not None and latest.content_hash == content_hash(scenario):
        raise Conflict(
            f"Bản nháp giống hệt phiên bản {latest.version} đã công bố của bài «{scenario.id}»; "
            "không có gì mới để công bố."
        )
    row = _row(
        scenario, draft.yaml_text, (latest.version if latest else 0) + 1,
        created_at=now, published_by_id=actor.id, draft_id=draft.id,
        reason=reason.strip()[:2000], source_note=source_note.strip()[:2000],
    )  # fmt: skip
    session.add(row)
    session.flush()
    return row


# ------------------------------------------------------------------------------------------
# Start-up: the repository's files against the published scenarios
# ------------------------------------------------------------------------------------------


def sync_scenarios(
    session: Session, files: ScenarioRegistry, workflows_dir: Path
) -> list[ProcedureDraft]:
    """Store the files into an empty table (or a new id's file as its first version); import
    each file that differs from its published version as a draft. One transaction; returns the
    drafts created."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": LOCK})
    stamps = latest_stamps(session)
    todo = [s for s in files.all() if s.id not in stamps or stamps[s.id][1] != content_hash(s)]
    if not todo:
        session.commit()
        return []
    texts = scenario_files(workflows_dir)
    now = utcnow()
    created: list[ProcedureDraft] = []
    new: list[str] = []
    for scenario in todo:
        path, body = texts.get(scenario.id, (None, ""))
        if path is None:
            continue
        shown = f"{workflows_dir.name}/scenarios/{path.name}"
        stamp = stamps.get(scenario.id)
        if stamp is None:  # the bootstrap, or an id the database never had
            session.add(_row(scenario, body, 1, source_file=shown, created_at=now))
            new.append(scenario.id)
            continue
        draft = _import(session, scenario.id, body, shown, stamp[0], now)
        if draft is not None:
            created.append(draft)
    if new:
        log.info("scenarios_stored count=%d", len(new))
    session.commit()
    return created


def _import(
    session: Session, scenario_id: str, body: str, shown: str, version: int, now: datetime
) -> ProcedureDraft | None:
    seen = session.exec(
        select(ProcedureDraft.id).where(
            ProcedureDraft.kind == DraftKind.scenario,
            ProcedureDraft.code == scenario_id,
            ProcedureDraft.yaml_text == body,
        )
    ).first()
    if seen is not None:
        return None
    busy = session.exec(
        select(ProcedureDraft.id).where(
            ProcedureDraft.kind == DraftKind.scenario,
            ProcedureDraft.code == scenario_id,
            col(ProcedureDraft.status).in_(OPEN_STATUSES),
        )
    ).first()
    if busy is not None:
        log.warning(
            "scenario_file_not_imported id=%s file=%s open_draft=%s "
            "(the file differs from the published version; a draft is being worked on)",
            scenario_id, shown, busy,
        )  # fmt: skip
        return None
    draft = imported_draft(
        session, code=scenario_id, kind=DraftKind.scenario, body=body, shown=shown,
        version=version, now=now,
    )  # fmt: skip
    log.warning(
        "scenario_file_imported_as_draft id=%s file=%s draft=%d published_version=%d",
        scenario_id, shown, draft.id, version,
    )  # fmt: skip
    return draft


# ------------------------------------------------------------------------------------------
# Serving and exporting
# ------------------------------------------------------------------------------------------


def published_scenarios(
    session: Session, files: ScenarioRegistry, procedures: ProcedureRegistry, *, same: bool
) -> ScenarioRegistry:
    """The scenarios the practice pages serve: each id's highest published version, walked
    against `procedures` (the procedures in force). `files` itself when the database holds
    exactly the files and `same` (the procedures are the files' too). A scenario the database
    does not hold yet is served from its file; one stored from a file that is gone is not
    served; one that no longer walks against the procedures in force is left out (logged; the
    workshop's impact page lists it before a procedure is published)."""
    stamps = latest_stamps(session)
    if not stamps or (
        same
        and {s.id: content_hash(s) for s in files.all()} == {k: v[1] for k, v in stamps.items()}
    ):
        if same:
            return files
        candidates = list(files.all())
    else:
        in_files = {s.id for s in files.all()}
        rows = latest_versions(session)
        candidates = [s for s in files.all() if s.id not in rows]
        for sid, row in rows.items():
            if row.source_file and row.draft_id is None and sid not in in_files:
                continue
            scenario = parse(row.yaml_text)
            if scenario is None:
                log.error("scenario_version_unreadable id=%s version=%d", sid, row.version)
                continue
            candidates.append(scenario)
    served: list[Scenario] = []
    for scenario in candidates:
        walked, problems = check_against(scenario, procedures, f"scenarios/{scenario.id}")
        if problems:
            log.warning("scenario_not_served id=%s problem=%s", scenario.id, problems[0].problem)
            continue
        served.append(walked)
    return ScenarioRegistry(served)


def scenario_file_name(scenario_id: str, existing: dict[str, tuple[Path, str]]) -> str:
    if scenario_id in existing:
        return existing[scenario_id][0].name
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in scenario_id) + ".yaml"


def export_scenarios(
    session: Session, out_dir: Path, workflows_dir: Path
) -> tuple[list[Path], int]:
    """Write each scenario's published text to `out_dir/scenarios` (the file name the repository
    uses for that id); a file that already says the same is kept as it is. Returns (the files
    written, how many were kept)."""
    rows = latest_versions(session)
    existing = scenario_files(workflows_dir)
    folder = out_dir / "scenarios"
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    kept = 0
    for sid in sorted(rows):
        path = folder / scenario_file_name(sid, existing)
        if path.is_file():
            now = parse(path.read_text(encoding="utf-8"))
            if now is not None and content_hash(now) == rows[sid].content_hash:
                kept += 1
                continue
        path.write_text(rows[sid].yaml_text, encoding="utf-8")
        written.append(path)
    return written, kept
