"""The scenario file format (`workflows/scenarios/*.yaml`) and the registry of scenarios.

```yaml
id: xquang-thieu-so-seri              # unique, lower case, digits, - and _
title: Khai báo X-quang — phiếu thiếu số sê-ri
procedure: "2.002131"                 # must exist in the procedure library
trap: missing_document                # see TRAP_LABELS
difficulty: 2                         # 1 dễ · 2 vừa · 3 khó (the learning path's order)
plays: [receiver, handler]            # roles a trainee may play (default: every role of the path);
                                      # the system plays the others with `data` below
at: [province, commune]               # unit levels it is practised at (default: the procedure's);
                                      # another level only for reception (plays: [receiver])
briefing: |                           # Markdown: the situation, shown on the list, the dossier
  …                                   # and the feedback page
applicant: {name: …, kind: organisation, id_number: …, address: …, phone: …, email: …}
received_at: "2026-02-13T16:20"       # optional: a fixed receipt time (local), e.g. the Tết trap
responses:                            # the system plays the applicant after these actions
  - {after: request_supplement, note: "Người nộp đã gửi bổ sung …"}
expected:                             # the right path from the first step to a final state
  - action: accept                    # shorthand for one acceptable action …
    within_days: 0.5
    why: "Hồ sơ đủ thành phần theo quy định."       # shown on every step, right or wrong
    legal: "Nghị định 118/2025/NĐ-CP, Điều 15"     # the basis: instrument and article
    wrong:                            # tempting wrong choices, each with its explanation
      - {action: refuse_reception, why: "…", legal: "…"}
  - accept:                           # … or several, with partial credit and content checks
      - action: request_supplement
        missing_documents: [phieu_khai_bao]        # exactly these documents named
        reason_contains: ["sê-ri"]                 # words the reason must contain
        fields: {ket_luan: Có vi phạm}             # values the action must record
        team_certified: true                       # (inspection decision) a certified team
        data: {reason: "Phiếu khai báo thiếu số sê-ri của máy"}   # what a simulated colleague
      - {action: refuse, credit: 0.5}              # writes ("@due+N": N working days after
    hint: "…"                                      # the appointment, for a new appointment)
```

Each step's `state` is not written: `check_against` walks the procedure from its first step and
fills it in, refusing a path whose actions cannot be taken where they stand, that does not end in
a final state, or whose steps the system may play without the `data` their action requires.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from casework.errors import NotFound, ProcedureErrors, ProcedureFileError
from casework.procedures import Procedure, ProcedureRegistry
from casework.procedures.schema import ActingRole
from casework.procedures.yamlsafe import fast_load

Trap = Literal[
    "missing_document",
    "refuse_at_reception",
    "cutoff_before_holiday",
    "late_extension",
    "violation",
    "uncertified_team",
    "negative_outcome",
    "clean",
]
TRAP_LABELS = {
    "missing_document": "Thiếu hoặc sai giấy tờ",
    "refuse_at_reception": "Phải từ chối tiếp nhận",
    "cutoff_before_holiday": "Nhận sau 15 giờ trước kỳ nghỉ",
    "late_extension": "Sẽ trễ hạn: phải xin lỗi, gia hạn kịp thời",
    "violation": "Kiểm tra phát hiện vi phạm",
    "uncertified_team": "Đoàn kiểm tra chưa đủ chứng chỉ",
    "negative_outcome": "Kết quả không đạt (không cấp, không xác nhận)",
    "clean": "Hồ sơ đầy đủ",
}

DIFFICULTY_LABELS = {1: "Dễ", 2: "Vừa", 3: "Khó"}


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


class Option(_Strict):
    """One acceptable action at a step, with the content it must carry."""

    action: str
    #: the documents the supplement request must name (exactly these)
    missing_documents: list[str] | None = None
    #: words the reason must contain (accent- and case-insensitive)
    reason_contains: list[str] = Field(default_factory=list)
    #: field values the action must record, e.g. ``{ket_luan: Có vi phạm}`` (accent-insensitive;
    #: a text field passes when it contains the value)
    fields: dict[str, str] = Field(default_factory=dict)
    #: what a simulated colleague writes when the system plays this step (and the model answer)
    data: dict[str, Any] = Field(default_factory=dict)
    #: an inspection decision: the team named must (true) hold valid certificates for the field
    team_certified: bool | None = None
    #: credit for this choice: 1 for the best, less for an acceptable but weaker one
    credit: float = Field(default=1.0, gt=0, le=1)


class Wrong(_Strict):
    """A tempting wrong choice at a step and why it is wrong."""

    action: str
    why: str = Field(min_length=1)
    legal: str = ""


class ExpectedStep(_Strict):
    """A step of the right path: one action (shorthand) or several acceptable ones (`accept`)."""

    action: str | None = None
    missing_documents: list[str] | None = None
    reason_contains: list[str] = Field(default_factory=list)
    fields: dict[str, str] = Field(default_factory=dict)
    data: dict[str, Any] = Field(default_factory=dict)
    team_certified: bool | None = None
    accept: list[Option] = Field(default_factory=list)
    #: working days the trainee has for this step, from the previous one (optional)
    within_days: float | None = Field(default=None, gt=0)
    hint: str = ""
    #: why this is the right thing to do (shown on every step, right or wrong)
    why: str = ""
    #: the legal basis: instrument and article
    legal: str = ""
    wrong: list[Wrong] = Field(default_factory=list)
    #: the state the step is taken from; filled in by `check_against` by walking the procedure
    state: str = ""

    @model_validator(mode="after")
    def _one_form(self) -> ExpectedStep:
        if (self.action is None) == (not self.accept):
            raise ValueError(
                "ghi đúng một trong hai: «action» (một thao tác) hoặc «accept» (danh sách)"
            )
        if self.accept and (
            self.missing_documents is not None
            or self.reason_contains
            or self.fields
            or self.data
            or self.team_certified is not None
        ):
            raise ValueError("với «accept», ghi yêu cầu nội dung trong từng lựa chọn")
        return self

    @property
    def options(self) -> list[Option]:
        if self.accept:
            return list(self.accept)
        assert self.action is not None
        return [
            Option(
                action=self.action,
                missing_documents=self.missing_documents,
                reason_contains=self.reason_contains,
                fields=self.fields,
                data=self.data,
                team_certified=self.team_certified,
            )
        ]


class Scenario(_Strict):
    id: str
    title: str = Field(min_length=1)
    procedure: str
    trap: Trap
    #: 1 dễ, 2 vừa, 3 khó — the learning path orders scenarios by it
    difficulty: int = Field(default=1, ge=1, le=3)
    #: the roles a trainee may play; the system plays the others. Empty: every role of the path.
    plays: list[ActingRole] = Field(default_factory=list)
    #: unit levels where the scenario can be practised; empty: the procedure's own level. A
    #: commune centre receives province dossiers too (NĐ 118/2025), so a reception-only scenario
    #: of a province procedure may list ``commune``.
    at: list[Literal["province", "commune"]] = Field(default_factory=list)
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

    def roles_on_path(self, procedure: Procedure) -> list[str]:
        roles: dict[str, None] = {}
        for step in self.expected:
            t = procedure.transition(step.state, step.options[0].action)
            if t is not None:
                roles.update(dict.fromkeys(t.roles))
        return list(roles)

    def playable_roles(self, procedure: Procedure) -> list[str]:
        return list(self.plays) or self.roles_on_path(procedure)

    def levels(self, procedure: Procedure) -> list[str]:
        return list(self.at) or [procedure.level]


def _problem(file: str, path: str, problem: str) -> ProcedureFileError:
    return ProcedureFileError(file=file, path=path, line=None, problem=problem)


def check_against(
    scenario: Scenario, registry: ProcedureRegistry, file: str
) -> tuple[Scenario, list[ProcedureFileError]]:
    """Cross-checks with the procedure library and fills in each step's state by walking the
    procedure from its first step: every acceptable action must be possible there, the path
    must end in a final state, a step the system may play must carry the data its action needs."""
    if scenario.procedure not in registry:
        return scenario, [_problem(file, "procedure", f"Không có thủ tục «{scenario.procedure}».")]
    p = registry.get(scenario.procedure)
    actions = {t.action for t in p.transitions}
    docs = {d.key for d in p.documents}
    errors: list[ProcedureFileError] = []

    def bad(path: str, problem: str) -> None:
        errors.append(_problem(file, path, problem))

    steps: list[ExpectedStep] = []
    state = p.initial_state
    for i, step in enumerate(scenario.expected):
        where = f"expected[{i}]"
        label = p.states[state].label
        target = None
        for j, option in enumerate(step.options):
            at = f"{where}.accept[{j}]" if step.accept else where
            t = p.transition(state, option.action)
            if option.action not in actions:
                bad(f"{at}.action", f"Thủ tục không có thao tác «{option.action}».")
            elif t is None:
                bad(f"{at}.action", f"Thao tác «{option.action}» không làm được ở bước «{label}».")
            elif target is None:
                target = state if t.target == "@same" else t.target
            for key in option.missing_documents or []:
                if key not in docs:
                    bad(f"{at}.missing_documents", f"Thủ tục không có giấy tờ «{key}».")
            for key in [*option.fields, *option.data]:
                if t is not None and key not in {*p.fields, *t.requires, "note"}:
                    bad(f"{at}.data", f"Thao tác «{t.label}» không ghi trường «{key}».")
        for j, w in enumerate(step.wrong):
            if w.action not in actions:
                bad(f"{where}.wrong[{j}].action", f"Thủ tục không có thao tác «{w.action}».")
        steps.append(step.model_copy(update={"state": state}))
        if target is None:
            break
        state = target
    checked = scenario.model_copy(update={"expected": steps})
    if errors:
        return checked, errors
    if not p.states[state].final:
        bad("expected", f"Đường đúng dừng ở bước «{p.states[state].label}», chưa kết thúc hồ sơ.")
    on_path = checked.roles_on_path(p)
    for role in scenario.plays:
        if role not in on_path:
            bad("plays", f"Vai «{role}» không làm bước nào trên đường đúng.")
    playable = set(checked.playable_roles(p))
    for i, step in enumerate(steps):
        t = p.transition(step.state, step.options[0].action)
        assert t is not None
        if playable - set(t.roles):  # a trainee may not play this step: the system will
            given = set(step.options[0].data) | (
                {"missing_documents"} if step.options[0].missing_documents is not None else set()
            )
            lacking = [k for k in t.requires if k not in given]
            if lacking:
                bad(
                    f"expected[{i}].data",
                    f"Bước «{t.label}» có thể do hệ thống làm thay: cần ghi data cho "
                    + ", ".join(lacking)
                    + ".",
                )
    for level in scenario.at:
        if level != p.level and set(checked.playable_roles(p)) != {"receiver"}:
            bad(
                "at",
                "Chỉ bài tiếp nhận (plays: [receiver]) mới làm được ở cấp khác cấp của thủ tục.",
            )
    for i, r in enumerate(scenario.responses):
        if r.after not in actions:
            bad(f"responses[{i}].after", f"Thủ tục không có thao tác «{r.after}».")
    return checked, errors


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
                data = fast_load(path.read_text(encoding="utf-8"))
                scenario = Scenario.model_validate(data)
            except yaml.YAMLError as exc:
                errors.append(_problem(name, "", f"Lỗi cú pháp YAML: {exc}"))
                continue
            except ValidationError as exc:
                for err in exc.errors():
                    loc = ".".join(str(x) for x in err["loc"])
                    errors.append(_problem(name, loc, err["msg"]))
                continue
            scenario, problems = check_against(scenario, procedures, name)
            errors += problems
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
