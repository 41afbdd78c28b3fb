"""What a draft changes: the diff against the version in force, the open dossiers that stay on
the current versions, and the scenarios and quizzes that no longer pass against the draft."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func
from sqlmodel import Session, col, select

from casework.db import utcnow
from casework.dossiers.catalog import current_versions, procedure_of_version
from casework.dossiers.models import Dossier, Mode, ProcedureVersion
from casework.learning.quizzes import QuizRegistry, check_questions
from casework.procedures import Procedure, ProcedureRegistry
from casework.procedures.diff import diff
from casework.scenarios.schema import ScenarioRegistry, check_against
from casework.workshop.models import DraftKind
from casework.workshop.service import get_draft, validate_draft
from casework.workshop.validation import Checked


@dataclass(frozen=True)
class VersionLoad:
    """Open dossiers pinned to one stored version."""

    version_id: int
    version: int
    real: int
    practice: int

    @property
    def label(self) -> str:
        return f"{self.real} hồ sơ đang mở giữ phiên bản {self.version}"


@dataclass(frozen=True)
class Broken:
    """A scenario or a quiz that no longer passes against the draft."""

    kind: str  # "scenario" | "quiz"
    key: str  # the scenario's id, the quiz's procedure code
    title: str
    problems: list[str]


@dataclass
class Impact:
    checked: Checked
    #: the version in force now (None: a new procedure)
    base: ProcedureVersion | None
    changes: list[str] = field(default_factory=list)
    open_dossiers: list[VersionLoad] = field(default_factory=list)
    broken: list[Broken] = field(default_factory=list)


def open_dossiers_by_version(session: Session, code: str) -> list[VersionLoad]:
    """Open (unfinished) dossiers of procedure `code` per pinned version, newest version first."""
    rows = session.exec(
        select(ProcedureVersion.id, ProcedureVersion.version, Dossier.mode, func.count())
        .join(Dossier, col(Dossier.procedure_version_id) == col(ProcedureVersion.id))
        .where(ProcedureVersion.code == code, col(Dossier.finished_at).is_(None))
        .group_by(col(ProcedureVersion.id), col(ProcedureVersion.version), col(Dossier.mode))
    ).all()
    found: dict[int, dict[str, int]] = {}
    numbers: dict[int, int] = {}
    for vid, number, mode, count in rows:
        assert vid is not None
        found.setdefault(vid, {})[mode] = int(count)
        numbers[vid] = number
    return [
        VersionLoad(
            vid, numbers[vid], found[vid].get(Mode.real, 0), found[vid].get(Mode.practice, 0)
        )
        for vid in sorted(found, key=lambda v: -numbers[v])
    ]


def broken_against(
    procedure: Procedure,
    registry: ProcedureRegistry,
    scenarios: ScenarioRegistry,
    quizzes: QuizRegistry,
) -> list[Broken]:
    """The scenarios and the quiz of `procedure.code` that fail against `procedure` (checked as
    at start-up: `scenarios.schema.check_against`, `learning.quizzes.check_questions`)."""
    library = ProcedureRegistry(
        [p for p in registry.all() if p.code != procedure.code] + [procedure]
    )
    out: list[Broken] = []
    for scenario in scenarios.all():
        if scenario.procedure != procedure.code:
            continue
        _, problems = check_against(scenario, library, f"scenarios/{scenario.id}.yaml")
        if problems:
            out.append(
                Broken("scenario", scenario.id, scenario.title, [p.message for p in problems])
            )
    if procedure.code in quizzes:
        quiz = quizzes.get(procedure.code)
        problems = check_questions(quiz, procedure, f"quizzes/{procedure.code}")
        if problems:
            out.append(
                Broken(
                    "quiz",
                    procedure.code,
                    f"Trắc nghiệm: {procedure.name}",
                    [p.message for p in problems],
                )
            )
    return out


def draft_impact(
    session: Session,
    *,
    draft_id: int,
    workflows_dir: Path,
    registry: ProcedureRegistry,
    scenarios: ScenarioRegistry,
    quizzes: QuizRegistry,
) -> Impact:
    """Everything the impact page shows for a procedure draft (a draft that does not pass the
    checks has only its problems; a scenario draft only its check)."""
    draft = get_draft(session, draft_id)
    checked = validate_draft(
        session, draft_id=draft_id, workflows_dir=workflows_dir, registry=registry
    )
    if draft.kind != DraftKind.procedure:
        return Impact(checked, None)
    base = current_versions(session, utcnow()).get(draft.code)
    impact = Impact(checked, base, open_dossiers=open_dossiers_by_version(session, draft.code))
    if checked.procedure is None:
        return impact
    if base is not None:
        impact.changes = diff(procedure_of_version(base), checked.procedure)
    impact.broken = broken_against(checked.procedure, registry, scenarios, quizzes)
    return impact
