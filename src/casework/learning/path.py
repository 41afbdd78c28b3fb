"""The learning path per field: its rules as pure functions, and the few queries that gather a
trainee's evidence for them.

**Which procedures.** A trainee's path holds the procedures of their unit's level (commune:
`commune`, department: `province`) in which one of their roles acts at some step, plus those with
a scenario the trainee can practise there (a commune's one-stop desk receives some province
dossiers). Procedures are grouped by their `field:`; đo lường and chất lượng come first.

**Stages of a procedure**, in order: read its handbook page → pass its quiz (if it has one) →
finish its scenarios the trainee can play, from easy to hard (if it has any) → a mentor's verdict
«Đạt» on a practice dossier of it → a mentor's sign-off. A stage the procedure lacks (no quiz, no
scenario) is left out; the others count whatever order they were done in.

**Levels** (`LEVELS`): a procedure is at level k when every stage of levels 1..k is done; a field
is at the lowest level of its procedures. **Progress** of a field: stages done out of its stages.
**Badges**: one per field and level reached, and one per streak length reached.
**Streak**: consecutive working days (the unit's calendar) with learning activity — a handbook
page read, a quiz submitted, an action on a practice dossier. Days off neither count nor break
it; today without activity yet does not break it either.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import case, func
from sqlmodel import Session, col, select

from casework.accounts.models import Unit, UnitKind
from casework.learning.models import HandbookRead, QuizAttempt
from casework.learning.quizzes import QuizRegistry
from casework.procedures import Procedure, ProcedureRegistry
from casework.scenarios.schema import Scenario, ScenarioRegistry

if TYPE_CHECKING:
    from casework.progress.service import Progress

STAGE_LABELS = {
    "read": "Đọc sổ tay",
    "quiz": "Đạt bài trắc nghiệm",
    "scenarios": "Làm xong bài thực hành",
    "review": "Được nhận xét «Đạt»",
    "sign_off": "Được ký xác nhận",
}


@dataclass(frozen=True)
class Level:
    rank: int
    label: str
    stages: tuple[str, ...]
    rule: str


LEVELS = (
    Level(1, "Làm quen", ("read",), "đã đọc trang sổ tay của mọi thủ tục trong lĩnh vực"),
    Level(2, "Cơ bản", ("quiz",), "và đạt bài trắc nghiệm của từng thủ tục (từ 80% số câu đúng)"),
    Level(
        3,
        "Thành thạo",
        ("scenarios", "review"),
        "và làm xong các bài thực hành từ dễ đến khó, có hồ sơ làm thử được nhận xét «Đạt»",
    ),
    Level(4, "Độc lập", ("sign_off",), "và được cán bộ hướng dẫn ký xác nhận làm độc lập"),
)
NO_LEVEL = "Chưa bắt đầu"
LEVEL_LABELS = {0: NO_LEVEL, **{lv.rank: lv.label for lv in LEVELS}}
DIFFICULTY_LABELS = {1: "Dễ", 2: "Vừa", 3: "Khó"}
FIRST_FIELDS = ("Đo lường", "Chất lượng sản phẩm, hàng hóa", "Tiêu chuẩn, Đo lường, Chất lượng")
LEVEL_OF_UNIT = {UnitKind.commune: "commune", UnitKind.department: "province"}


# ---- the rules (pure) -------------------------------------------------------------------------


@dataclass(frozen=True)
class Evidence:
    """What a trainee has done, as the rules read it."""

    read: frozenset[str] = frozenset()
    quiz_best: Mapping[str, int] = field(default_factory=dict)  # procedure → best score (%)
    quiz_passed: frozenset[str] = frozenset()
    finished: Mapping[str, int] = field(default_factory=dict)  # scenario id → best score
    reviewed: frozenset[str] = frozenset()  # procedures with a verdict «Đạt»
    signed_off: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ScenarioStep:
    id: str
    title: str
    difficulty: int
    best: int | None  # best score of a finished run; None: not finished

    @property
    def finished(self) -> bool:
        return self.best is not None

    @property
    def difficulty_label(self) -> str:
        return DIFFICULTY_LABELS.get(self.difficulty, str(self.difficulty))


@dataclass(frozen=True)
class Stage:
    key: str
    done: bool

    @property
    def label(self) -> str:
        return STAGE_LABELS[self.key]


@dataclass(frozen=True)
class ProcedurePath:
    code: str
    name: str
    stages: tuple[Stage, ...]
    scenarios: tuple[ScenarioStep, ...] = ()
    quiz_best: int | None = None

    @property
    def done(self) -> int:
        return sum(1 for s in self.stages if s.done)

    @property
    def total(self) -> int:
        return len(self.stages)

    @property
    def has_quiz(self) -> bool:
        return any(s.key == "quiz" for s in self.stages)

    @property
    def level(self) -> int:
        done = {s.key for s in self.stages if s.done}
        have = {s.key for s in self.stages}
        reached = 0
        for lv in LEVELS:
            if not all(k in done for k in lv.stages if k in have):
                break
            reached = lv.rank
        return reached

    @property
    def next_stage(self) -> Stage | None:
        return next((s for s in self.stages if not s.done), None)

    @property
    def next_scenario(self) -> ScenarioStep | None:
        return next((s for s in self.scenarios if not s.finished), None)


class _Tally:
    """Stages done, stages, and the share done in percent (rounded down), over `parts`."""

    @property
    def parts(self) -> Sequence[ProcedurePath | FieldPath]:
        raise NotImplementedError

    @property
    def done(self) -> int:
        return sum(p.done for p in self.parts)

    @property
    def total(self) -> int:
        return sum(p.total for p in self.parts)

    @property
    def percent(self) -> int:
        return self.done * 100 // self.total if self.total else 0


@dataclass(frozen=True)
class FieldPath(_Tally):
    field: str
    procedures: tuple[ProcedurePath, ...]

    @property
    def parts(self) -> Sequence[ProcedurePath]:
        return self.procedures

    @property
    def level(self) -> int:
        return min((p.level for p in self.procedures), default=0)

    @property
    def level_label(self) -> str:
        return LEVEL_LABELS[self.level]

    @property
    def badges(self) -> list[str]:
        return [f"{self.field} · {LEVEL_LABELS[k]}" for k in range(1, self.level + 1)]


@dataclass(frozen=True)
class Paths(_Tally):
    fields: tuple[FieldPath, ...] = ()

    @property
    def parts(self) -> Sequence[FieldPath]:
        return self.fields

    @property
    def badges(self) -> list[str]:
        return [b for f in self.fields for b in f.badges]

    @property
    def top_level(self) -> int:
        return max((f.level for f in self.fields), default=0)


def difficulty(scenario: Scenario) -> int:
    return int(getattr(scenario, "difficulty", 1))


def _roles_of(procedure: Procedure) -> set[str]:
    return {r for s in procedure.states.values() for r in s.roles}


def _playable(scenario: Scenario, procedure: Procedure) -> set[str]:
    """Roles that may play the scenario: its `plays`, else the roles acting in the procedure."""
    playable = getattr(scenario, "playable_roles", None)
    if callable(playable):
        return set(playable(procedure))
    return set(getattr(scenario, "plays", None) or []) or _roles_of(procedure)


def _levels(scenario: Scenario, procedure: Procedure) -> list[str]:
    levels = getattr(scenario, "levels", None)
    return list(levels(procedure)) if callable(levels) else [procedure.level]


def scenario_fits(scenario: Scenario, procedure: Procedure, roles: set[str], level: str) -> bool:
    return level in _levels(scenario, procedure) and bool(_playable(scenario, procedure) & roles)


def build_paths(
    *,
    roles: Iterable[str],
    level: str | None,
    procedures: Sequence[Procedure],
    scenarios: Sequence[Scenario],
    quizzes: QuizRegistry,
    evidence: Evidence,
) -> Paths:
    """The trainee's paths, field by field (pure: the rules above)."""
    if level is None:
        return Paths()
    role_set = set(roles)
    by_procedure: dict[str, list[Scenario]] = {}
    for s in scenarios:
        by_procedure.setdefault(s.procedure, []).append(s)
    fields: dict[str, list[ProcedurePath]] = {}
    for p in procedures:
        fitting = sorted(
            (s for s in by_procedure.get(p.code, []) if scenario_fits(s, p, role_set, level)),
            key=lambda s: (difficulty(s), s.id),
        )
        if not fitting and not (p.level == level and _roles_of(p) & role_set):
            continue
        steps = tuple(
            ScenarioStep(s.id, s.title, difficulty(s), evidence.finished.get(s.id)) for s in fitting
        )
        stages = [Stage("read", p.code in evidence.read)]
        if p.code in quizzes:
            stages.append(Stage("quiz", p.code in evidence.quiz_passed))
        if steps:
            stages.append(Stage("scenarios", all(s.finished for s in steps)))
        stages.append(Stage("review", p.code in evidence.reviewed))
        stages.append(Stage("sign_off", p.code in evidence.signed_off))
        fields.setdefault(p.field, []).append(
            ProcedurePath(p.code, p.name, tuple(stages), steps, evidence.quiz_best.get(p.code))
        )

    return Paths(
        tuple(
            FieldPath(name, tuple(sorted(fields[name], key=lambda pp: pp.code)))
            for name in sorted(fields, key=field_order)
        )
    )


def field_order(name: str) -> tuple[int, str]:
    """Đo lường and chất lượng first, then the others by name."""
    return (FIRST_FIELDS.index(name) if name in FIRST_FIELDS else len(FIRST_FIELDS), name)


# ---- the evidence (queries) -------------------------------------------------------------------


def evidence_of(
    session: Session, progress: Mapping[int, Progress], scenarios: ScenarioRegistry
) -> dict[int, Evidence]:
    """Each trainee's evidence, from their `Progress` (runs, verdicts, sign-offs) and two queries
    for all of them together (pages read, quiz results)."""
    ids = list(progress)
    read: dict[int, set[str]] = {i: set() for i in ids}
    best: dict[int, dict[str, int]] = {i: {} for i in ids}
    passed: dict[int, set[str]] = {i: set() for i in ids}
    if ids:
        for uid, code in session.exec(
            select(HandbookRead.user_id, HandbookRead.procedure_code)
            .where(col(HandbookRead.user_id).in_(ids))
            .distinct()
        ).all():
            read[uid].add(code)
        for uid, code, top, any_pass in session.exec(
            select(
                QuizAttempt.user_id,
                QuizAttempt.procedure_code,
                func.max(QuizAttempt.score),
                func.max(case((col(QuizAttempt.passed), 1), else_=0)),
            )
            .where(col(QuizAttempt.user_id).in_(ids))
            .group_by(col(QuizAttempt.user_id), col(QuizAttempt.procedure_code))
        ).all():
            best[uid][code] = int(top)
            if any_pass:
                passed[uid].add(code)
    out: dict[int, Evidence] = {}
    for uid, p in progress.items():
        finished: dict[str, int] = {}
        for r in p.runs:
            if r.finished:
                finished[r.scenario_id] = max(finished.get(r.scenario_id, 0), r.score)
        out[uid] = Evidence(
            read=frozenset(read[uid]),
            quiz_best=best[uid],
            quiz_passed=frozenset(passed[uid]),
            finished=finished,
            reviewed=frozenset(d.procedure_code for d, ev in p.verdicts if ev.action == "pass"),
            signed_off=frozenset(s.procedure_code for s in p.sign_offs),
        )
    return out


def paths_of(
    session: Session,
    progress: Mapping[int, Progress],
    *,
    procedures: ProcedureRegistry,
    scenarios: ScenarioRegistry,
    quizzes: QuizRegistry,
) -> dict[int, Paths]:
    """The paths of every trainee in `progress` (by user id): one query for their units, two for
    their evidence, whatever the number of trainees and procedures."""
    evidence = evidence_of(session, progress, scenarios)
    unit_ids = {p.user.unit_id for p in progress.values()}
    kinds = {
        u.id: u.kind
        for u in session.exec(select(Unit).where(col(Unit.id).in_(unit_ids or {-1}))).all()
    }
    all_procedures = procedures.all()
    all_scenarios = scenarios.all()
    return {
        uid: build_paths(
            roles=p.user.roles,
            level=LEVEL_OF_UNIT.get(kinds.get(p.user.unit_id, "")),  # type: ignore[call-overload]
            procedures=all_procedures,
            scenarios=all_scenarios,
            quizzes=quizzes,
            evidence=evidence[uid],
        )
        for uid, p in progress.items()
    }
