"""A scenario draft's dry run and its changes against the published scenario (read-only).

The dry run walks the draft's right path through the procedure it plays — the procedure's open
draft when there is one and it passes its checks (so a scenario can be rewritten together with
the procedure it follows), else the version in force — and says for each step whether it passes:
the expected actions can be taken where the walk stands (`scenarios.schema.check_against`), and
the step's model answer (`data`, what a simulated colleague writes) is accepted by the action's
own form (`dossiers.fields.clean_action_data`). Steps after the walk stopped are "not reached".
"""

from __future__ import annotations

import difflib
import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from casework.dossiers.fields import clean_action_data
from casework.errors import ValidationFailed
from casework.procedures import Procedure, ProcedureRegistry
from casework.scenarios.schema import ExpectedStep, Scenario, check_against
from casework.workshop import scenario_store
from casework.workshop.service import open_draft_for
from casework.workshop.validation import check_procedure_text, check_scenario_text

STEP = re.compile(r"^expected\[(\d+)\]")


@dataclass
class DryStep:
    number: int
    #: the step's label in the procedure ("" when the walk did not reach it)
    label: str
    actions: str
    #: True passes, False fails, None not reached
    ok: bool | None
    problems: list[str] = field(default_factory=list)


@dataclass
class DryRun:
    #: what the scenario was walked against, in words
    against: str
    #: whether that is the procedure's open draft
    on_draft: bool
    #: problems of the file as a whole (its schema, the procedure, the end of the path)
    problems: list[str] = field(default_factory=list)
    steps: list[DryStep] = field(default_factory=list)
    #: the procedure's open draft, when there is one (valid or not)
    draft_id: int | None = None

    @property
    def ok(self) -> bool:
        return not self.problems and all(s.ok for s in self.steps)


def _procedure(
    session: Session, code: str, registry: ProcedureRegistry, workflows_dir: Path, use_draft: bool
) -> tuple[Procedure | None, str, bool, int | None]:
    """(the procedure to walk against, its description, whether it is the draft, the open draft's
    id)."""
    draft = open_draft_for(session, code)
    draft_id = draft.id if draft is not None else None
    if draft is not None and use_draft:
        proc = check_procedure_text(draft.yaml_text, workflows_dir).procedure
        if proc is not None and proc.code == code:
            said = f"bản nháp số {draft.id} của thủ tục {code} (lần lưu {draft.revision})"
            return proc, said, True, draft_id
    if code in registry:
        return registry.get(code), f"thủ tục {code} đang công bố", False, draft_id
    return None, f"thủ tục {code}", False, draft_id


def _model_answer(procedure: Procedure, step: ExpectedStep, tz: ZoneInfo) -> list[str]:
    """What the action's form says of the step's model answer (its first option's data)."""
    option = step.options[0]
    t = procedure.transition(step.state, option.action)
    if t is None or (not option.data and option.missing_documents is None):
        return []  # a step only the trainee plays may leave its answer to them
    data: dict[str, Any] = {
        k: v for k, v in option.data.items() if not (isinstance(v, str) and v.startswith("@due"))
    }
    if option.missing_documents is not None:
        data.setdefault("missing_documents", list(option.missing_documents))
    data = {k: v for k, v in data.items() if k in t.requires or k == "note"}
    try:
        clean_action_data(procedure, t, data, tz)
    except ValidationFailed as exc:
        given = [(key, why) for key, why in exc.fields.items() if key in data]
        return [f"Dữ liệu mẫu «{key}»: {why}" for key, why in given]
    return []


def dry_run(
    session: Session,
    *,
    text: str,
    registry: ProcedureRegistry,
    workflows_dir: Path,
    tz: ZoneInfo,
    use_draft: bool = True,
) -> DryRun:
    """The dry run of a scenario text (see the module's docstring)."""
    parsed = scenario_store.parse(text)
    if parsed is None:  # its schema or its YAML: the editor's checks say where
        _, found = check_scenario_text(text, registry)
        return DryRun("", False, [f"{p.line or '-'}: {p.message}" for p in found])
    procedure, against, on_draft, draft_id = _procedure(
        session, parsed.procedure, registry, workflows_dir, use_draft
    )
    if procedure is None:
        return DryRun(against, False, [f"Không có thủ tục «{parsed.procedure}»."], [], draft_id)
    library = ProcedureRegistry(
        [p for p in registry.all() if p.code != procedure.code] + [procedure]
    )
    walked, errors = check_against(parsed, library, "draft.yaml")
    run = DryRun(against, on_draft, draft_id=draft_id)
    by_step: dict[int, list[str]] = {}
    for err in errors:
        match = STEP.match(err.path)
        if match:
            by_step.setdefault(int(match.group(1)), []).append(err.problem)
        else:
            run.problems.append(f"[{err.path}] {err.problem}" if err.path else err.problem)
    reached = len(walked.expected)
    for i, step in enumerate(parsed.expected):
        actions = ", ".join(o.action for o in step.options)
        if i >= reached:
            run.steps.append(DryStep(i + 1, "", actions, None))
            continue
        state = walked.expected[i].state
        label = procedure.states[state].label if state in procedure.states else state
        problems = by_step.get(i, []) or _model_answer(procedure, walked.expected[i], tz)
        run.steps.append(DryStep(i + 1, label, actions, not problems, problems))
    return run


# ------------------------------------------------------------------------------------------
# Changes against the published scenario
# ------------------------------------------------------------------------------------------

FIELDS = {
    "title": "Tên bài",
    "procedure": "Thủ tục",
    "trap": "Bẫy",
    "difficulty": "Độ khó",
    "plays": "Vai học viên đóng",
    "at": "Cấp đơn vị",
    "briefing": "Tình huống",
    "applicant": "Người nộp",
    "received_at": "Thời điểm nhận",
    "responses": "Phản hồi của người nộp",
}


def _short(value: Any, limit: int = 80) -> str:
    shown = value if isinstance(value, str) else str(value)
    shown = " ".join(shown.split())
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def _around(old: Any, new: Any, context: int = 24) -> tuple[str, str]:
    """The part of two values that differs, with a little of the text around it (a long
    briefing changed by one sentence shows that sentence, not its first 80 characters)."""
    a = " ".join((old if isinstance(old, str) else str(old)).split())
    b = " ".join((new if isinstance(new, str) else str(new)).split())
    start = 0
    while start < min(len(a), len(b)) and a[start] == b[start]:
        start += 1
    end = 0
    while end < min(len(a), len(b)) - start and a[-1 - end] == b[-1 - end]:
        end += 1
    cut = max(0, start - context)

    def part(text: str) -> str:
        stop = min(len(text), len(text) - end + context)
        shown = ("…" if cut else "") + text[cut:stop] + ("…" if stop < len(text) else "")
        return _short(shown, 160)

    return part(a), part(b)


def changes(old: Scenario, new: Scenario) -> list[str]:
    """What changed from `old` to `new`, one Vietnamese sentence each."""
    a, b = old.model_dump(mode="json"), new.model_dump(mode="json")
    out = []
    for key, label in FIELDS.items():
        if a[key] != b[key]:
            before, after = _around(a[key], b[key])
            out.append(f"{label}: «{before}» → «{after}»")
    before, after = a["expected"], b["expected"]
    for step in [*before, *after]:
        step.pop("state", None)
    if len(before) != len(after):
        out.append(f"Đường đúng: {len(before)} bước → {len(after)} bước")
    for i, (x, y) in enumerate(itertools.zip_longest(before, after)):
        if x == y:
            continue
        if x is None or y is None:
            out.append(f"Bước {i + 1}: {'thêm' if x is None else 'bỏ'}")
            continue
        keys = [k for k in dict.fromkeys([*x, *y]) if x.get(k) != y.get(k)]
        out.append(f"Bước {i + 1}: đổi {', '.join(keys)}")
    return out


def text_diff(old: str, new: str, limit: int = 300) -> list[str]:
    """The unified diff of the published text and the draft's (at most `limit` lines)."""
    lines = difflib.unified_diff(
        old.splitlines(), new.splitlines(), "bản đang công bố", "bản nháp", lineterm="", n=1
    )
    return list(itertools.islice(lines, limit))


@dataclass
class ScenarioImpact:
    #: the version published (None: a scenario never published)
    version: int | None
    changes: list[str]
    diff: list[str]


def scenario_impact(session: Session, scenario_id: str, text: str) -> ScenarioImpact:
    row = scenario_store.latest_version(session, scenario_id)
    if row is None:
        return ScenarioImpact(None, [], [])
    old, new = scenario_store.parse(row.yaml_text), scenario_store.parse(text)
    found = changes(old, new) if old is not None and new is not None else []
    return ScenarioImpact(row.version, found, text_diff(row.yaml_text, text))
