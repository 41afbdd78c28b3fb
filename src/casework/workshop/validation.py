"""A draft's YAML checked with the same checks as `casework workflows check`, errors at their lines.

A procedure draft goes through the procedure loader itself (`check_procedure_file`): UTF-8, safe
YAML without duplicate keys, the schema, the kind's rules, sources, the shared parts of
`workflows/common` expanded, the graph, the machine class. The loader already names the line of
each problem in the file (pydantic locations are walked down the YAML node tree), so a problem
comes back as `Problem(line, message)`. A scenario draft is checked like `scenarios/*.yaml`:
its schema, then against the procedure library (`scenarios.schema.check_against`).
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import NamedTuple

from pydantic import ValidationError
from sqlmodel import Session, select

from casework.dossiers.models import ProcedureVersion
from casework.errors import ProcedureErrors, ProcedureFileError
from casework.procedures import Procedure, ProcedureRegistry
from casework.procedures.loader import check_procedure_file
from casework.procedures.yamlsafe import YamlProblem, line_of, parse_yaml
from casework.scenarios.schema import Scenario, check_against

DRAFT_FILE = "draft.yaml"


class Problem(NamedTuple):
    """One problem of a draft: the 1-based line in the draft's YAML (None: the whole file, or a
    shared part's file named in the message) and a Vietnamese sentence."""

    line: int | None
    message: str


class Checked(NamedTuple):
    procedure: Procedure | None
    errors: list[Problem]
    #: values without a source (what `workflows check` prints as warnings)
    warnings: list[Problem]


def _problem(err: ProcedureFileError) -> Problem:
    field = f"[{err.path}] " if err.path else ""
    if Path(err.file).name != DRAFT_FILE:  # a shared part's problem: name its file
        return Problem(None, f"{Path(err.file).name}: {field}{err.problem}")
    return Problem(err.line, f"{field}{err.problem}")


def check_procedure_text(text: str, workflows_dir: Path) -> Checked:
    """Check a procedure draft as `casework workflows check` checks a file of `workflows_dir`
    (its shared parts from `workflows_dir/common`)."""
    with tempfile.TemporaryDirectory(prefix="casework-draft-") as tmp:
        folder = Path(tmp)
        common = workflows_dir / "common"
        if common.is_dir():
            (folder / "common").symlink_to(common.resolve(), target_is_directory=True)
        path = folder / DRAFT_FILE
        path.write_text(text, encoding="utf-8")
        try:
            procedure, warnings = check_procedure_file(path)
        except ProcedureErrors as exc:
            return Checked(None, [_problem(e) for e in exc.errors], [])
    return Checked(procedure, [], [_problem(w) for w in warnings])


def _loc(path: str) -> tuple[str | int, ...]:
    """`expected[0].accept[1].action` → ("expected", 0, "accept", 1, "action")."""
    out: list[str | int] = []
    for name, index in re.findall(r"([^.\[\]]+)|\[(\d+)\]", path):
        out.append(int(index) if index else name)
    return tuple(out)


def check_scenario_text(
    text: str, procedures: ProcedureRegistry
) -> tuple[Scenario | None, list[Problem]]:
    """Check a scenario draft as the app checks `workflows/scenarios/*.yaml`, against
    `procedures` (the published catalogue, or one with a procedure draft in it)."""
    doc = parse_yaml(text)
    if isinstance(doc, YamlProblem):
        return None, [Problem(doc.line, doc.problem)]
    if not isinstance(doc.data, dict):
        return None, [Problem(1, "Tệp phải là một bảng «khóa: giá trị» (id, title, procedure…).")]
    try:
        scenario = Scenario.model_validate(doc.data)
    except ValidationError as exc:
        return None, [
            Problem(
                line_of(doc.node, tuple(err["loc"])),
                f"[{'.'.join(str(x) for x in err['loc'])}] {err['msg']}",
            )
            for err in exc.errors()
        ]
    checked, problems = check_against(scenario, procedures, DRAFT_FILE)
    if problems:
        return None, [
            Problem(
                line_of(doc.node, _loc(p.path)), f"[{p.path}] {p.problem}" if p.path else p.problem
            )
            for p in problems
        ]
    return checked, []


def check_text(
    session: Session,
    *,
    kind: str,
    yaml_text: str,
    workflows_dir: Path,
    registry: ProcedureRegistry,
    base_version_id: int | None = None,
    scenario_id: str | None = None,
) -> Checked:
    """What `casework workflows check` says of this text, as (line, message) problems; plus the
    catalogue's own rules: a new procedure's code is not one in use, a draft keeps its code (a
    scenario draft its id, `scenario_id`)."""
    if kind == "scenario":
        scenario, problems = check_scenario_text(yaml_text, registry)
        if scenario is not None and scenario_id and scenario.id != scenario_id:
            problem = (
                f"[id] Không đổi mã bài «{scenario_id}» trong bản nháp của nó (học viên, báo cáo "
                "và kết quả đã làm dùng mã này)."
            )
            return Checked(None, [Problem(_line_of_code(yaml_text, "id:"), problem)], [])
        return Checked(None, problems, [])
    checked = check_procedure_text(yaml_text, workflows_dir)
    proc = checked.procedure
    if proc is None:
        return checked
    base = session.get(ProcedureVersion, base_version_id) if base_version_id else None
    if base is not None and proc.code != base.code:
        problem = (
            f"[code] Không đổi mã thủ tục «{base.code}» trong bản nháp của nó; tạo thủ tục mới "
            "nếu cần mã khác."
        )
        return Checked(None, [Problem(_line_of_code(yaml_text), problem)], [])
    if base is None:
        taken = session.exec(
            select(ProcedureVersion.id).where(ProcedureVersion.code == proc.code).limit(1)
        ).first()
        if taken is not None or proc.code in registry:
            problem = (
                f"[code] Mã thủ tục «{proc.code}» đã có trong danh mục; mở bản nháp từ thủ tục "
                "đó thay vì tạo mới."
            )
            return Checked(None, [Problem(_line_of_code(yaml_text), problem)], [])
    return checked


def _line_of_code(body: str, key: str = "code:") -> int | None:
    for i, line in enumerate(body.splitlines(), start=1):
        if line.startswith(key):
            return i
    return None
