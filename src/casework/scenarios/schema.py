"""The scenario file format (`workflows/scenarios/*.yaml`) and the registry of scenarios.

```yaml
id: xquang-thieu-so-seri              # unique, snake/kebab case
title: Khai báo X-quang — phiếu thiếu số sê-ri
procedure: "2.002131"                 # must exist in the procedure library
trap: missing_document                # missing_document | refuse_at_reception | clean
                                      # | cutoff_before_holiday | late_extension | violation
briefing: |                           # Markdown shown to the trainee before starting
  …
applicant: {name: …, kind: organisation, id_number: …, address: …, phone: …, email: …}
received_at: "2026-02-13T16:20"       # optional: a fixed receipt time (local), e.g. the Tết trap
responses:                            # the system plays the applicant after these actions
  - {after: request_supplement, note: "Người nộp đã gửi bổ sung …"}
expected:                             # the steps a trainee should take, in order
  - {action: accept, within_days: 0.5, hint: "…"}
  - {action: request_supplement, missing_documents: [phieu_khai_bao], reason_contains: ["sê-ri"]}
```
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from casework.errors import NotFound, ProcedureErrors, ProcedureFileError
from casework.procedures import ProcedureRegistry

Trap = Literal[
    "missing_document",
    "refuse_at_reception",
    "cutoff_before_holiday",
    "late_extension",
    "violation",
    "clean",
]
TRAP_LABELS = {
    "missing_document": "Thiếu hoặc sai giấy tờ",
    "refuse_at_reception": "Phải từ chối tiếp nhận",
    "cutoff_before_holiday": "Nhận sau 15 giờ trước kỳ nghỉ",
    "late_extension": "Sẽ trễ hạn: phải xin lỗi, gia hạn kịp thời",
    "violation": "Kiểm tra phát hiện vi phạm",
    "clean": "Hồ sơ đầy đủ",
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Applicant(_Strict):
    name: str = Field(min_length=1)
    kind: Literal["person", "organisation"] = "person"
    id_number: str = ""
    address: str = ""
    phone: str = ""
    email: str = ""


class Response(_Strict):
    after: str
    note: str = Field(min_length=1)


class ExpectedStep(_Strict):
    action: str
    #: working days the trainee has for this step, from the previous one (optional)
    within_days: float | None = Field(default=None, gt=0)
    missing_documents: list[str] | None = None
    reason_contains: list[str] = Field(default_factory=list)
    hint: str = ""


class Scenario(_Strict):
    id: str
    title: str = Field(min_length=1)
    procedure: str
    trap: Trap
    briefing: str = Field(min_length=1)
    applicant: Applicant
    received_at: str | None = None
    responses: list[Response] = Field(default_factory=list)
    expected: list[ExpectedStep] = Field(min_length=1)

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", value):
            raise ValueError("id chỉ gồm chữ thường không dấu, số, '-' và '_'")
        return value


def _problem(file: str, path: str, problem: str) -> ProcedureFileError:
    return ProcedureFileError(file=file, path=path, line=None, problem=problem)


def check_against(
    scenario: Scenario, registry: ProcedureRegistry, file: str
) -> list[ProcedureFileError]:
    """Cross-checks with the procedure library: the procedure, actions and documents exist."""
    if scenario.procedure not in registry:
        return [_problem(file, "procedure", f"Không có thủ tục «{scenario.procedure}».")]
    p = registry.get(scenario.procedure)
    actions = {t.action for t in p.transitions}
    docs = {d.key for d in p.documents}
    errors = []
    for i, step in enumerate(scenario.expected):
        if step.action not in actions:
            errors.append(
                _problem(
                    file, f"expected[{i}].action", f"Thủ tục không có thao tác «{step.action}»."
                )
            )
        for key in step.missing_documents or []:
            if key not in docs:
                errors.append(
                    _problem(
                        file,
                        f"expected[{i}].missing_documents",
                        f"Thủ tục không có giấy tờ «{key}».",
                    )
                )
    for i, r in enumerate(scenario.responses):
        if r.after not in actions:
            errors.append(
                _problem(file, f"responses[{i}].after", f"Thủ tục không có thao tác «{r.after}».")
            )
    return errors


class ScenarioRegistry:
    def __init__(self, scenarios: list[Scenario]) -> None:
        self._by_id = {s.id: s for s in scenarios}

    @classmethod
    def from_directory(cls, directory: Path, procedures: ProcedureRegistry) -> ScenarioRegistry:
        """Load every `*.yaml`; any invalid file raises `ProcedureErrors` naming file and field."""
        scenarios: list[Scenario] = []
        errors: list[ProcedureFileError] = []
        for path in sorted(directory.glob("*.yaml")):
            name = f"scenarios/{path.name}"
            try:
                data = yaml.safe_load(path.read_text(encoding="utf-8"))
                scenario = Scenario.model_validate(data)
            except yaml.YAMLError as exc:
                errors.append(_problem(name, "", f"Lỗi cú pháp YAML: {exc}"))
                continue
            except ValidationError as exc:
                for err in exc.errors():
                    loc = ".".join(str(x) for x in err["loc"])
                    errors.append(_problem(name, loc, err["msg"]))
                continue
            errors += check_against(scenario, procedures, name)
            if scenario.id in {s.id for s in scenarios}:
                errors.append(_problem(name, "id", f"Mã bài «{scenario.id}» bị trùng."))
            scenarios.append(scenario)
        if errors:
            raise ProcedureErrors(errors)
        return cls(scenarios)

    def all(self) -> list[Scenario]:
        return sorted(self._by_id.values(), key=lambda s: (s.procedure, s.id))

    def get(self, scenario_id: str) -> Scenario:
        if scenario_id not in self._by_id:
            raise NotFound(f"Không có bài thực hành «{scenario_id}».")
        return self._by_id[scenario_id]
