"""The procedure file format, as pydantic models, and every check a procedure must pass.

A procedure is validated twice in its life: from the YAML file (with ``include:`` still listing
shared parts, so only the field checks run), and again in its **normalized form** (parts
expanded, ``include: []``), where the graph checks run too. The normalized form is what the app
stores; ``Procedure.model_validate(stored)`` runs the same checks again.

Checks that need more than one field raise :class:`SchemaProblems`, a ``ValueError`` that carries
several problems each with its own path relative to where it was raised, so the loader can point
at the exact line.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from functools import cached_property
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    field_validator,
    model_serializer,
    model_validator,
)

from casework.clock.parts import parts_text
from casework.procedures.sources import (
    Recheck,
    SchemaProblems,
    SourceRef,
    Text,
    as_list,
    normalize_recheck,
    recheck_lines,
)

if TYPE_CHECKING:
    from statemachine import StateMachine

Path = tuple[str | int, ...]

# --------------------------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------------------------

IDENT_RE = re.compile(r"^[a-z][a-z0-9_]*$")
ALL_ROLES = ("receiver", "handler", "leader", "mentor", "auditor", "admin")
#: Roles that fire actions on dossiers. Mentors, auditors and admins never do.
ACTING_ROLES = ("receiver", "handler", "leader")
#: The slips addressed to an applicant (the one-stop desk's Mẫu 01–05 and the result): an
#: inspection has no applicant, so a `kind: inspection` procedure prints none of them.
APPLICANT_SLIPS = (
    "receipt",
    "supplement_request",
    "refusal",
    "apology_extension",
    "stop_notice",
    "result",
)
SLIP_KINDS = (*APPLICANT_SLIPS, "inspection_decision", "inspection_record", "inspection_report")
FIELD_TYPES = ("text", "textarea", "date", "datetime", "number", "documents", "choice")
#: The shared parts of the one-stop desk (an applicant's dossier) → what they are, and the parts
#: that only an inspection includes. `kind_problems` keeps each kind to its own.
ONE_STOP_PARTS = {
    "refuse_at_reception": "từ chối tiếp nhận hồ sơ, Mẫu 03",
    "withdraw": "người nộp rút hồ sơ",
    "stop": "dừng giải quyết hồ sơ, Mẫu 05 gửi người nộp",
    "extend": "xin lỗi người nộp và gia hạn, Mẫu 04",
}
INSPECTION_PARTS = ("cancel_inspection",)
#: Selectors allowed in the ``from`` of a shared part's transition.
SOURCE_SELECTORS = ("@active", "@running", "@initial")
#: Selector allowed in the ``to`` of a shared part's transition.
TARGET_SELECTORS = ("@same",)

Role = Literal["receiver", "handler", "leader", "mentor", "auditor", "admin"]
SlipKind = Literal[
    "receipt",
    "supplement_request",
    "refusal",
    "apology_extension",
    "stop_notice",
    "result",
    "inspection_decision",
    "inspection_record",
    "inspection_report",
]
FieldType = Literal["text", "textarea", "date", "datetime", "number", "documents", "choice"]


def _check_ident(value: str) -> str:
    if not IDENT_RE.match(value):
        raise ValueError(
            f"«{value}» không phải mã hợp lệ: chỉ dùng chữ thường không dấu, số và dấu gạch dưới, "
            "bắt đầu bằng chữ (ví dụ request_supplement)."
        )
    return value


def _check_ref(value: str) -> str:
    """A state id, or a selector (the selector is refused later outside shared parts)."""
    if value in SOURCE_SELECTORS or value in TARGET_SELECTORS:
        return value
    return _check_ident(value)


def _check_acting_role(value: str) -> str:
    if value not in ACTING_ROLES:
        if value in ALL_ROLES:
            raise ValueError(
                f"Vai trò «{value}» không thao tác trên hồ sơ. Chỉ được dùng: "
                + ", ".join(ACTING_ROLES)
                + "."
            )
        raise ValueError(
            f"Vai trò «{value}» không tồn tại. Chỉ được dùng: " + ", ".join(ACTING_ROLES) + "."
        )
    return value


Ident = Annotated[str, AfterValidator(_check_ident)]
StateRef = Annotated[str, AfterValidator(_check_ref)]
ActingRole = Annotated[str, AfterValidator(_check_acting_role)]


def _merge_role_alias(data: Any) -> Any:
    """Accept ``role: x`` as a one-item ``roles: [x]``."""
    if isinstance(data, dict) and "role" in data:
        if "roles" in data:
            raise SchemaProblems([(("role",), "Chỉ dùng một trong hai khóa «role» hoặc «roles».")])
        data = dict(data)
        data["roles"] = as_list(data.pop("role"))
    if isinstance(data, dict) and isinstance(data.get("roles"), str):
        data = dict(data)
        data["roles"] = [data["roles"]]
    return data


def _check_state_ids(states: dict[str, Any]) -> dict[str, Any]:
    problems: list[tuple[Path, str]] = [
        ((key,), f"Mã bước «{key}» không hợp lệ: chỉ dùng chữ thường không dấu, số và _.")
        for key in states
        if not IDENT_RE.match(key)
    ]
    if problems:
        raise SchemaProblems(problems)
    return states


_STRICT = ConfigDict(
    extra="forbid",
    validate_by_name=True,
    validate_by_alias=True,
    serialize_by_alias=True,
)

# --------------------------------------------------------------------------------------------
# Parts of a procedure
# --------------------------------------------------------------------------------------------


LimitUnitName = Literal["working_days", "days", "hours"]


def _whole_days(value: float, unit: str) -> None:
    if unit == "days" and value != int(value):
        raise ValueError(f"thời hạn tính theo ngày (days) phải là số nguyên, không phải {value:g}")


class LimitFirst(BaseModel):
    """The part of a two-part limit that runs first (``limit.first``): for example 05 working
    days to check the dossier's validity (Điều 47 Nghị định 163/2024/NĐ-CP)."""

    model_config = _STRICT
    value: float = Field(gt=0)
    unit: LimitUnitName
    label: Text

    @model_validator(mode="after")
    def _days_whole(self) -> LimitFirst:
        _whole_days(self.value, self.unit)
        return self


class Limit(BaseModel):
    """The legal time limit: ``value`` in ``unit``. With ``first``, a two-part limit: ``first``
    runs from the receipt, then ``value`` ``unit`` from the END of ``first`` (docs/legal-clock.md
    §5b); ``label`` names that main part."""

    model_config = _STRICT
    value: float = Field(ge=0)
    unit: LimitUnitName
    first: LimitFirst | None = None
    label: Text | None = None

    @model_validator(mode="after")
    def _days_whole(self) -> Limit:
        _whole_days(self.value, self.unit)
        if self.label is not None and self.first is None:
            raise ValueError("«label» chỉ dùng cho thời hạn hai phần (có «first»)")
        return self

    @model_serializer(mode="wrap")
    def _without_empty(self, handler: SerializerFunctionWrapHandler) -> Any:
        """A one-part limit dumps as before (`value`, `unit`), so its content hash is unchanged."""
        data = handler(self)
        if isinstance(data, dict):
            for key in ("first", "label"):
                if data.get(key) is None:
                    data.pop(key, None)
        return data

    @property
    def parts(self) -> tuple[tuple[float, str, str], ...]:
        """(value, unit, label) of each part in order, for `clock.compute_due_parts`."""
        main = (self.value, self.unit, self.label or "")
        if self.first is None:
            return (main,)
        return ((self.first.value, self.first.unit, self.first.label), main)

    @property
    def text(self) -> str:
        """The limit in words, both parts: '5 ngày làm việc (…), rồi 15 ngày kể từ …'."""
        return parts_text(self.parts)


class Fee(BaseModel):
    model_config = _STRICT
    amount_vnd: int | None = Field(default=None, ge=0)
    note: str | None = None


class DocumentDef(BaseModel):
    """One component of the dossier (thành phần hồ sơ)."""

    model_config = _STRICT
    key: Ident
    name: Text
    required: bool = True
    copies: str | None = None


class FieldSpec(BaseModel):
    """An input field an action may require: a label and a type (``choice`` lists choices)."""

    model_config = _STRICT
    label: Text
    type: FieldType = "text"
    choices: list[Text] | None = None

    @model_validator(mode="after")
    def _choices_for_choice(self) -> FieldSpec:
        if self.type == "choice" and not self.choices:
            raise SchemaProblems(
                [
                    (
                        ("choices",),
                        "Trường kiểu choice cần danh sách «choices» (ít nhất một lựa chọn).",
                    )
                ]
            )
        if self.type != "choice" and self.choices is not None:
            raise SchemaProblems(
                [(("choices",), "Chỉ trường kiểu choice mới có «choices»; hãy xóa khóa này.")]
            )
        return self


#: Fields every procedure understands without declaring them.
BUILTIN_FIELDS: dict[str, FieldSpec] = {
    "reason": FieldSpec(label="Lý do", type="textarea"),
    "note": FieldSpec(label="Ghi chú", type="textarea"),
    "missing_documents": FieldSpec(label="Giấy tờ cần bổ sung, hoàn thiện", type="documents"),
    "new_appointment": FieldSpec(label="Ngày hẹn trả kết quả mới", type="datetime"),
    "decision_number": FieldSpec(label="Số văn bản, quyết định", type="text"),
    "result_summary": FieldSpec(label="Tóm tắt kết quả", type="textarea"),
    # asked when the result is handed over (national status 10): Decision 766 indicator 5.4
    "satisfaction": FieldSpec(
        label="Người nhận đánh giá mức độ hài lòng",
        type="choice",
        choices=["Hài lòng", "Bình thường", "Không hài lòng"],
    ),
}
#: Optional fields offered on every action that hands the result over (national status 10).
RETURN_FIELDS = ("satisfaction",)


class StateDef(BaseModel):
    """A step (bước) of the procedure."""

    model_config = _STRICT
    label: Text
    national_status: int = Field(ge=1, le=10)
    roles: list[ActingRole] = Field(default_factory=list)
    allot: float | None = Field(default=None, gt=0)
    clock: Literal["running", "paused"] = "running"
    #: Legal basis of the pause, recorded on every pause row (paused states only).
    clock_basis: str | None = None
    initial: bool = False
    final: bool = False
    outcome: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _role_alias(cls, data: Any) -> Any:
        return _merge_role_alias(data)

    @property
    def paused(self) -> bool:
        """True while the legal clock stands still in this state (waiting on the applicant)."""
        return self.clock == "paused"

    @model_validator(mode="after")
    def _consistent(self) -> StateDef:
        problems: list[tuple[Path, str]] = []
        if self.allot is not None and self.paused:
            problems.append(
                (
                    ("allot",),
                    "Bước dừng đồng hồ (clock: paused) không có thời gian (allot); hãy xóa allot.",
                )
            )
        if self.clock_basis is not None and not self.paused:
            problems.append(
                (
                    ("clock_basis",),
                    "«clock_basis» (căn cứ dừng đồng hồ) chỉ dùng cho bước «clock: paused».",
                )
            )
        if self.initial and self.final:
            problems.append(
                (("final",), "Một bước không thể vừa là bước đầu vừa là bước kết thúc.")
            )
        if self.outcome is not None and not self.final:
            problems.append((("outcome",), "Chỉ bước kết thúc (final: true) mới có «outcome»."))
        if self.final and self.allot is not None:
            problems.append(
                (("allot",), "Bước kết thúc không có thời gian (allot); hãy xóa allot.")
            )
        if len(set(self.roles)) != len(self.roles):
            problems.append((("roles",), "Vai trò bị lặp trong danh sách roles."))
        if problems:
            raise SchemaProblems(problems)
        return self


class TransitionDef(BaseModel):
    """An action (thao tác): from one or more states to one state, fired by some roles."""

    model_config = _STRICT
    action: Ident
    label: Text
    source: list[StateRef] = Field(alias="from", min_length=1)
    target: StateRef = Field(alias="to")
    roles: list[ActingRole] = Field(default_factory=list)
    requires: list[Ident] = Field(default_factory=list)
    slip: SlipKind | None = None
    #: For `clock_starts: on_fee_paid`: this action records the payment and starts the clock.
    starts_clock: bool = False

    @model_validator(mode="before")
    @classmethod
    def _role_alias(cls, data: Any) -> Any:
        return _merge_role_alias(data)

    @field_validator("source", mode="before")
    @classmethod
    def _source_list(cls, value: Any) -> Any:
        return as_list(value)

    @model_validator(mode="after")
    def _no_repeats(self) -> TransitionDef:
        problems: list[tuple[Path, str]] = []
        for name, items in (
            ("from", self.source),
            ("roles", self.roles),
            ("requires", self.requires),
        ):
            seen: set[str] = set()
            for i, item in enumerate(items):
                if item in seen:
                    problems.append(((name, i), f"«{item}» bị lặp trong «{name}»."))
                seen.add(item)
        if problems:
            raise SchemaProblems(problems)
        return self


# --------------------------------------------------------------------------------------------
# A procedure
# --------------------------------------------------------------------------------------------


class Procedure(BaseModel):
    """One version of one procedure (thủ tục), as written in ``workflows/<file>.yaml``."""

    model_config = _STRICT

    code: Text
    version: int = Field(ge=1)
    name: Text
    level: Literal["commune", "province", "ministry"]
    kind: Literal["application", "inspection"]
    field: Text
    legal_basis: list[Text] = Field(min_length=1)
    limit: Limit
    clock_starts: Literal["on_valid_dossier", "on_fee_paid"] = "on_valid_dossier"
    fee: Fee | None = None
    documents: list[DocumentDef] = Field(default_factory=list)
    fields: dict[str, FieldSpec] = Field(default_factory=dict)
    include: list[Ident] = Field(default_factory=list)
    states: dict[str, StateDef] = Field(min_length=1)
    transitions: list[TransitionDef] = Field(min_length=1)
    guidance: dict[str, str] = Field(default_factory=dict)
    checklists: dict[str, list[Text]] = Field(default_factory=dict)
    #: ``national`` (a code of the national TTHC database) or ``local`` (our own, until the
    #: portal gives one). Required in a file; stored versions from before may lack it.
    code_kind: Literal["national", "local"] | None = None
    #: Public sources of the values (``sources.py``); the check warns about values without one.
    sources: list[SourceRef] = Field(default_factory=list)
    #: What is still unconfirmed: a sentence, or a list of sentences and ``{value: sentence}``.
    needs_recheck: Recheck = False
    #: Why this version exists and on which source (shown in the version history).
    changes: str | None = None
    #: Codes this procedure had before (a local code replaced by the national one): looking the
    #: old code up finds this procedure; dossiers pinned to the old code keep their version.
    replaces: list[Text] = Field(default_factory=list)
    #: Free-text source and check date of versions stored before ``sources`` (a file may no
    #: longer write ``source``: ``sources.file_problems``).
    source: str | None = None
    verified_on: dt.date | None = None

    # ---- field checks (always) --------------------------------------------------------------

    @field_validator("needs_recheck", mode="before")
    @classmethod
    def _recheck_list(cls, value: Any) -> Any:
        return normalize_recheck(value)

    @field_validator("code")
    @classmethod
    def _code_shape(cls, value: str) -> str:
        if not re.match(r"^[A-Za-z0-9][A-Za-z0-9._-]*$", value):
            raise ValueError(
                f"Mã thủ tục «{value}» chỉ được gồm chữ, số, dấu chấm, gạch ngang "
                '(ví dụ "2.002131" hoặc "KHCN-TDC-DDL").'
            )
        return value

    @field_validator("documents")
    @classmethod
    def _unique_documents(cls, docs: list[DocumentDef]) -> list[DocumentDef]:
        seen: dict[str, int] = {}
        problems: list[tuple[Path, str]] = []
        for i, doc in enumerate(docs):
            if doc.key in seen:
                problems.append(
                    ((i, "key"), f"Mã giấy tờ «{doc.key}» bị trùng với documents[{seen[doc.key]}].")
                )
            seen.setdefault(doc.key, i)
        if problems:
            raise SchemaProblems(problems)
        return docs

    @field_validator("fields")
    @classmethod
    def _field_keys(cls, fields: dict[str, FieldSpec]) -> dict[str, FieldSpec]:
        problems: list[tuple[Path, str]] = []
        for key in fields:
            if not IDENT_RE.match(key):
                problems.append(((key,), f"Mã trường «{key}» không hợp lệ (chữ thường, số, _)."))
            elif key in BUILTIN_FIELDS:
                problems.append(
                    ((key,), f"«{key}» là trường có sẵn; hãy đặt tên khác cho trường riêng.")
                )
        if problems:
            raise SchemaProblems(problems)
        return fields

    @field_validator("states")
    @classmethod
    def _state_ids(cls, states: dict[str, StateDef]) -> dict[str, StateDef]:
        return _check_state_ids(states)

    @field_validator("include")
    @classmethod
    def _unique_include(cls, include: list[str]) -> list[str]:
        problems = [
            ((i,), f"Phần dùng chung «{name}» được include hai lần.")
            for i, name in enumerate(include)
            if name in include[:i]
        ]
        if problems:
            raise SchemaProblems(list(problems))
        return include

    # ---- graph checks (normalized form only) ------------------------------------------------

    @model_validator(mode="after")
    def _graph(self) -> Procedure:
        if self.include:
            return self  # raw form: checked again after the shared parts are expanded
        self._default_roles()
        problems = check_graph(self)
        if problems:
            raise SchemaProblems(problems)
        return self

    def _default_roles(self) -> None:
        for t in self.transitions:
            if not t.roles:
                roles = {r for s in t.source if s in self.states for r in self.states[s].roles}
                t.roles = [r for r in ACTING_ROLES if r in roles]

    # ---- queries ----------------------------------------------------------------------------

    @property
    def recheck(self) -> list[tuple[str | None, str]]:
        """What is unconfirmed, one (value name or None, sentence) per item."""
        return recheck_lines(self.needs_recheck)

    @property
    def checked_on(self) -> dt.date | None:
        """The latest day a source was read (or the old ``verified_on``)."""
        days = [s.checked for s in self.sources]
        if self.verified_on is not None:
            days.append(self.verified_on)
        return max(days, default=None)

    @property
    def source_summary(self) -> str | None:
        """The citations in one line (the old ``source`` for stored versions)."""
        if self.sources:
            return "; ".join(dict.fromkeys(s.cite for s in self.sources))
        return self.source

    @property
    def initial_state(self) -> str:
        return next(sid for sid, s in self.states.items() if s.initial)

    @property
    def final_states(self) -> set[str]:
        return {sid for sid, s in self.states.items() if s.final}

    def transitions_from(self, state: str) -> list[TransitionDef]:
        """The actions that leave ``state`` (self-transitions included), in file order."""
        return [t for t in self.transitions if state in t.source]

    def transition(self, state: str, action: str) -> TransitionDef | None:
        """The transition ``action`` takes from ``state``, or None if it is not allowed there."""
        for t in self.transitions:
            if t.action == action and state in t.source:
                return t
        return None

    @property
    def actions(self) -> list[str]:
        """Distinct action ids in file order."""
        return list(dict.fromkeys(t.action for t in self.transitions))

    def field_spec(self, key: str) -> FieldSpec:
        """Label and type of a field an action may require (built-in or declared in ``fields``)."""
        if key in self.fields:
            return self.fields[key]
        if key in BUILTIN_FIELDS:
            return BUILTIN_FIELDS[key]
        raise KeyError(key)

    @cached_property
    def content_hash(self) -> str:
        """sha256 of the canonical JSON of this (normalized) procedure."""
        return canonical_hash(self.model_dump(mode="json", by_alias=True))

    def machine_class(self) -> type[StateMachine]:
        """The strict ``StateMachine`` subclass for this procedure (built once per instance)."""
        return self._machine_class

    @cached_property
    def _machine_class(self) -> type[StateMachine]:
        from casework.procedures.machine import build_machine_class

        return build_machine_class(self)


def canonical_json(data: Any) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def canonical_hash(data: Any) -> str:
    return hashlib.sha256(canonical_json(data).encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------------------------
# Shared parts
# --------------------------------------------------------------------------------------------


class Part(BaseModel):
    """A shared piece of the one-stop lifecycle in ``workflows/common/<part>.yaml``."""

    model_config = _STRICT
    part: Ident
    description: str | None = None
    states: dict[str, StateDef] = Field(default_factory=dict)
    transitions: list[TransitionDef] = Field(min_length=1)
    guidance: dict[str, str] = Field(default_factory=dict)
    #: Public sources of the part (the form it prints, the rule it applies); not merged into the
    #: procedures that include it.
    sources: list[SourceRef] = Field(default_factory=list)

    @field_validator("states")
    @classmethod
    def _state_ids(cls, states: dict[str, StateDef]) -> dict[str, StateDef]:
        return _check_state_ids(states)

    @model_validator(mode="after")
    def _refs(self) -> Part:
        problems: list[tuple[Path, str]] = []
        for key in self.guidance:
            if key not in self.states:
                problems.append(
                    (
                        ("guidance", key),
                        f"Hướng dẫn cho bước «{key}» không thuộc phần dùng chung này.",
                    )
                )
        for i, t in enumerate(self.transitions):
            if t.target in SOURCE_SELECTORS:
                problems.append(
                    (
                        (("transitions", i, "to")),
                        f"«{t.target}» chỉ dùng được ở «from»; «to» dùng @same.",
                    )
                )
            for j, s in enumerate(t.source):
                if s in TARGET_SELECTORS:
                    problems.append(
                        (("transitions", i, "from", j), "«@same» chỉ dùng được ở «to».")
                    )
        if problems:
            raise SchemaProblems(problems)
        return self


# --------------------------------------------------------------------------------------------
# Graph checks
# --------------------------------------------------------------------------------------------


def kind_problems(p: Procedure) -> list[tuple[Path, str]]:
    """What the procedure's kind forbids. An inspection has no applicant: no one-stop part in
    `include`, no transition printing a slip addressed to an applicant (stop it early with the
    part `cancel_inspection`); an application does not include an inspection's part.

    The loader runs this on each file (not `Procedure.model_validate`), so a dossier opened on an
    older stored definition is still rebuilt."""
    problems: list[tuple[Path, str]] = []
    if p.kind == "inspection":
        for i, name in enumerate(p.include):
            if name in ONE_STOP_PARTS:
                problems.append(
                    (
                        ("include", i),
                        f"Thủ tục kiểm tra (kind: inspection) không có người nộp nên không dùng "
                        f"phần dùng chung «{name}» ({ONE_STOP_PARTS[name]}); để dừng cuộc kiểm "
                        "tra, dùng «cancel_inspection».",
                    )
                )
        for i, t in enumerate(p.transitions):
            if t.slip in APPLICANT_SLIPS:
                problems.append(
                    (
                        ("transitions", i, "slip"),
                        f"Thủ tục kiểm tra (kind: inspection) không in «{t.slip}»: đó là phiếu "
                        "gửi người nộp. Chỉ dùng inspection_decision, inspection_record, "
                        "inspection_report.",
                    )
                )
    else:
        for i, name in enumerate(p.include):
            if name in INSPECTION_PARTS:
                problems.append(
                    (
                        ("include", i),
                        f"Phần dùng chung «{name}» chỉ dùng cho thủ tục kiểm tra "
                        "(kind: inspection).",
                    )
                )
    return problems


def _reserved_names() -> set[str]:
    from statemachine import StateMachine

    return {name for name in dir(StateMachine) if not name.startswith("_")}


def check_graph(p: Procedure) -> list[tuple[Path, str]]:
    """Every check that needs the whole (normalized) procedure. Paths use the YAML spelling."""
    problems: list[tuple[Path, str]] = []
    add = problems.append
    states = p.states
    field_keys = set(BUILTIN_FIELDS) | set(p.fields)
    reserved = _reserved_names()

    # states -----------------------------------------------------------------------------------
    initials = [sid for sid, s in states.items() if s.initial]
    if not initials:
        add((("states",), "Chưa có bước khởi đầu: đánh dấu đúng một bước bằng «initial: true»."))
    for sid in initials[1:]:
        add(
            (
                ("states", sid, "initial"),
                f"Chỉ được một bước khởi đầu; «{initials[0]}» đã là bước khởi đầu.",
            )
        )
    if not any(s.final for s in states.values()):
        add((("states",), "Chưa có bước kết thúc: cần ít nhất một bước «final: true»."))
    for sid in states:
        if sid in reserved:
            add(
                (
                    (("states", sid)),
                    f"Mã bước «{sid}» trùng tên dành riêng của máy trạng thái; đổi tên.",
                )
            )

    # transitions ------------------------------------------------------------------------------
    seen: dict[tuple[str, str], int] = {}
    bad_refs = False
    labels: dict[str, tuple[int, str]] = {}
    for i, t in enumerate(p.transitions):
        base: Path = ("transitions", i)
        if t.action in states:
            add(
                (
                    base + ("action",),
                    f"Thao tác «{t.action}» trùng mã với một bước; đổi tên thao tác.",
                )
            )
        elif t.action in reserved:
            add(
                (
                    base + ("action",),
                    f"Tên «{t.action}» dành riêng cho máy trạng thái; đổi tên thao tác.",
                )
            )
        if t.action in labels and labels[t.action][1] != t.label:
            add(
                (
                    base + ("label",),
                    f"Thao tác «{t.action}» đã có nhãn «{labels[t.action][1]}» ở "
                    f"transitions[{labels[t.action][0]}]; cùng một thao tác phải cùng nhãn.",
                )
            )
        labels.setdefault(t.action, (i, t.label))
        for j, s in enumerate(t.source):
            if s.startswith("@"):
                add(
                    (
                        base + ("from", j),
                        f"Bộ chọn «{s}» chỉ dùng trong phần dùng chung (workflows/common/).",
                    )
                )
            elif s not in states:
                bad_refs = True
                add(
                    (
                        base + ("from", j),
                        f"Bước «{s}» không tồn tại. Các bước: {', '.join(states)}.",
                    )
                )
            else:
                if states[s].final:
                    add(
                        (
                            base + ("from", j),
                            f"Bước «{s}» là bước kết thúc, không được có thao tác đi ra.",
                        )
                    )
                key = (s, t.action)
                if key in seen:
                    add(
                        (
                            base + ("from", j),
                            f"Thao tác «{t.action}» từ bước «{s}» đã có ở "
                            f"transitions[{seen[key]}].",
                        )
                    )
                seen.setdefault(key, i)
        if t.target.startswith("@"):
            add((base + ("to",), f"Bộ chọn «{t.target}» chỉ dùng trong phần dùng chung."))
        elif t.target not in states:
            bad_refs = True
            add(
                (base + ("to",), f"Bước «{t.target}» không tồn tại. Các bước: {', '.join(states)}.")
            )
        if not t.roles:
            add(
                (
                    base,
                    "Không xác định được ai làm thao tác này: ghi «roles» cho thao tác "
                    "hoặc cho bước nguồn.",
                )
            )
        for j, req in enumerate(t.requires):
            if req not in field_keys:
                add(
                    (
                        base + ("requires", j),
                        f"Trường «{req}» không có. Dùng trường có sẵn "
                        f"({', '.join(BUILTIN_FIELDS)}) hoặc khai báo trong «fields».",
                    )
                )
            if req == "missing_documents" and not p.documents:
                add(
                    (
                        base + ("requires", j),
                        "«missing_documents» cần danh sách «documents» của thủ tục.",
                    )
                )

    # when the clock starts --------------------------------------------------------------------
    starters = [i for i, t in enumerate(p.transitions) if t.starts_clock]
    if p.clock_starts == "on_fee_paid" and not starters:
        add(
            (
                ("clock_starts",),
                "Thủ tục tính hạn từ khi nộp phí (on_fee_paid) cần một thao tác ghi nhận nộp phí "
                "có «starts_clock: true».",
            )
        )
    if p.clock_starts == "on_valid_dossier":
        for i in starters:
            add(
                (
                    ("transitions", i, "starts_clock"),
                    "«starts_clock» chỉ dùng khi «clock_starts: on_fee_paid»; thủ tục này tính hạn "
                    "từ khi nhận hồ sơ hợp lệ.",
                )
            )

    # reachability: skipped while a transition names a missing state (it would only add noise)
    if not bad_refs:
        problems.extend(_check_reachability(p))

    # allotments: the steps before the clock starts (a completeness check before the fee) have
    # their own deadline on Mẫu 06 but are not part of the legal limit ----------------------------
    before = pre_clock_states(p) if not bad_refs else set()
    total = sum(s.allot or 0 for sid, s in states.items() if sid not in before)
    # a two-part limit: both parts count when both are in working days, else nothing is checked
    in_wd = [v for v, u, _ in p.limit.parts if u == "working_days"]
    if len(in_wd) == len(p.limit.parts) and total > sum(in_wd) + 1e-9:
        add(
            (
                ("limit", "value"),
                f"Tổng thời gian các bước (allot = {total:g} ngày làm việc) vượt thời hạn "
                f"{sum(in_wd):g} ngày làm việc; giảm allot hoặc sửa thời hạn.",
            )
        )

    # guidance and checklists ------------------------------------------------------------------
    for name in ("guidance", "checklists"):
        for key in getattr(p, name):
            if key not in states:
                add(((name, key), f"Bước «{key}» không tồn tại. Các bước: {', '.join(states)}."))
    return problems


def pre_clock_states(p: Procedure) -> set[str]:
    """States a dossier passes before the legal clock starts (``clock_starts: on_fee_paid``):
    reached from the initial state without an action that ``starts_clock``, and never reached
    again after one. Their ``allot`` (for example 03 working days to check completeness before the
    fee notice) is a step deadline on Mẫu 06, not a part of the limit."""
    starters = [t for t in p.transitions if t.starts_clock]
    initials = [sid for sid, s in p.states.items() if s.initial]
    if p.clock_starts != "on_fee_paid" or not starters or not initials:
        return set()
    edges: dict[str, set[str]] = {sid: set() for sid in p.states}
    free: dict[str, set[str]] = {sid: set() for sid in p.states}
    for t in p.transitions:
        for src in t.source:
            if src in p.states and t.target in p.states:
                edges[src].add(t.target)
                if not t.starts_clock:
                    free[src].add(t.target)
    after: set[str] = set()
    for t in starters:
        if t.target in p.states:
            after |= _reach(edges, t.target)
    return _reach(free, initials[0]) - after


def _check_reachability(p: Procedure) -> list[tuple[Path, str]]:
    problems: list[tuple[Path, str]] = []
    add = problems.append
    states = p.states
    initials = [sid for sid, s in states.items() if s.initial]
    edges: dict[str, set[str]] = {sid: set() for sid in states}
    for t in p.transitions:
        for src in t.source:
            if src in states and t.target in states and t.target != src:
                edges[src].add(t.target)
    if initials:
        reached = _reach(edges, initials[0])
        for sid in states:
            if sid not in reached:
                add(
                    (
                        ("states", sid),
                        f"Không có thao tác nào dẫn tới bước «{sid}» từ bước khởi đầu; "
                        "thêm thao tác hoặc xóa bước.",
                    )
                )
    finals = {sid for sid, s in states.items() if s.final}
    for sid, state in states.items():
        if state.final:
            continue
        if not edges[sid]:
            add(
                (
                    ("states", sid),
                    f"Bước «{sid}» không có thao tác nào đi ra bước khác; thêm thao tác hoặc "
                    "đánh dấu «final: true».",
                )
            )
        elif finals and not (_reach(edges, sid) & finals):
            add(
                (
                    ("states", sid),
                    f"Từ bước «{sid}» không có đường nào tới một bước kết thúc.",
                )
            )
    return problems


def _reach(edges: dict[str, set[str]], start: str) -> set[str]:
    seen = {start}
    todo = [start]
    while todo:
        for nxt in edges.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen
