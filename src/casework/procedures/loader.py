"""Read procedure files and shared parts, expand the parts, and report every error with its line.

Pipeline for one file: bytes → UTF-8 text → YAML (safe, duplicate keys refused, node tree kept)
→ :class:`Procedure` in raw form (field checks, and what its kind forbids: `kind_problems`) →
shared parts expanded into the normalized form → :class:`Procedure` again (field and graph checks;
the kind's check on the parts' transitions) → machine class built once as a last check.

Every problem becomes a :class:`casework.errors.ProcedureFileError` naming the file, the path
inside it in YAML spelling (``transitions[3].to``) and the 1-based line. Problems in lines that a
shared part contributed are reported against the part's file.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from yaml.nodes import Node

from casework.errors import ProcedureErrors, ProcedureFileError
from casework.procedures.schema import (
    SOURCE_SELECTORS,
    DocumentDef,
    Fee,
    FieldSpec,
    Limit,
    LimitFirst,
    Part,
    Procedure,
    SchemaProblems,
    StateDef,
    TransitionDef,
    kind_problems,
)
from casework.procedures.sources import SourceRef, file_problems, unsourced
from casework.procedures.yamlsafe import (
    YamlProblem,
    decode_utf8,
    format_loc,
    line_of,
    parse_yaml,
)

Loc = tuple[str | int, ...]

PROCEDURE_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class _Origin:
    """Where a piece of the normalized procedure was written: a file, its nodes, a path in it."""

    file: str
    node: Node | None
    prefix: Loc = ()


@dataclass
class _Report:
    errors: list[ProcedureFileError] = field(default_factory=list)
    #: What ``casework workflows check`` reports without failing: values without a source.
    warnings: list[ProcedureFileError] = field(default_factory=list)

    def add(self, origin: _Origin, rel: Loc, problem: str) -> None:
        self.errors.append(self._at(origin, rel, problem))

    def warn(self, origin: _Origin, rel: Loc, problem: str) -> None:
        self.warnings.append(self._at(origin, rel, problem))

    @staticmethod
    def _at(origin: _Origin, rel: Loc, problem: str) -> ProcedureFileError:
        loc = tuple(origin.prefix) + tuple(rel)
        return ProcedureFileError(
            file=origin.file,
            path=format_loc(loc),
            line=line_of(origin.node, loc),
            problem=problem,
        )


# ------------------------------------------------------------------------------------------
# Reading YAML
# ------------------------------------------------------------------------------------------


def _read(path: Path, display: str, report: _Report) -> tuple[dict[str, Any], Node] | None:
    top = _Origin(display, None)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        report.add(top, (), f"Không đọc được tệp: {exc.strerror or exc}.")
        return None
    text = decode_utf8(raw)
    if isinstance(text, YamlProblem):
        report.errors.append(
            ProcedureFileError(file=display, path="", line=text.line, problem=text.problem)
        )
        return None
    doc = parse_yaml(text)
    if isinstance(doc, YamlProblem):
        report.errors.append(
            ProcedureFileError(file=display, path="", line=doc.line, problem=doc.problem)
        )
        return None
    if doc.node is None or doc.data is None:
        report.add(top, (), "Tệp rỗng: cần một bảng YAML với code, version, name, states, …")
        return None
    if not isinstance(doc.data, dict):
        report.errors.append(
            ProcedureFileError(
                file=display,
                path="",
                line=doc.node.start_mark.line + 1,
                problem="Cấp ngoài cùng của tệp phải là một bảng (các dòng «khóa: giá trị»), "
                "không phải danh sách hay một giá trị đơn.",
            )
        )
        return None
    return doc.data, doc.node


# ------------------------------------------------------------------------------------------
# Pydantic errors in Vietnamese
# ------------------------------------------------------------------------------------------


def _known_keys() -> list[str]:
    models: Iterable[type[BaseModel]] = (
        Procedure,
        Part,
        StateDef,
        TransitionDef,
        Limit,
        LimitFirst,
        Fee,
        DocumentDef,
        FieldSpec,
        SourceRef,
    )
    keys = {"role", "from", "to"}
    for model in models:
        for name, info in model.model_fields.items():
            keys.add(info.alias or name)
    return sorted(keys)


def _show(value: Any) -> str:
    text = repr(value) if not isinstance(value, str) else value
    return text if len(text) <= 60 else text[:57] + "…"


def explain_validation_error(exc: ValidationError) -> list[tuple[Loc, str]]:
    """Turn a pydantic error into (location, Vietnamese sentence) pairs."""
    out: list[tuple[Loc, str]] = []
    for err in exc.errors():
        loc: Loc = tuple(err["loc"])
        kind = err["type"]
        ctx = err.get("ctx") or {}
        value = err.get("input")
        cause = ctx.get("error")
        if kind == "value_error" and isinstance(cause, SchemaProblems):
            out.extend((loc + tuple(rel), msg) for rel, msg in cause.problems)
            continue
        out.append((loc, _sentence(kind, loc, ctx, value, cause, err["msg"])))
    return out


def _sentence(kind: str, loc: Loc, ctx: dict[str, Any], value: Any, cause: Any, msg: str) -> str:
    name = str(loc[-1]) if loc else ""
    if kind == "value_error":
        return str(cause) if cause is not None else msg
    if kind == "missing":
        return f"Thiếu trường bắt buộc «{name}»."
    if kind == "extra_forbidden":
        guess = difflib.get_close_matches(name, _known_keys(), n=1)
        hint = f" Có phải là «{guess[0]}»?" if guess else ""
        return f"Khóa «{name}» không có trong định dạng (gõ nhầm?); hãy sửa hoặc xóa.{hint}"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"Phải là số nguyên (đang là «{_show(value)}»)."
    if kind in ("float_parsing", "float_type"):
        return f"Phải là một số (đang là «{_show(value)}»)."
    if kind in ("bool_parsing", "bool_type"):
        return f"Phải là true hoặc false (đang là «{_show(value)}»)."
    if kind == "string_type":
        if isinstance(value, int | float):
            return (
                f'Phải là chuỗi chữ; hãy đặt trong ngoặc kép, ví dụ "{value}" '
                "(YAML đọc số không có ngoặc thành số)."
            )
        return f"Phải là chuỗi chữ (đang là «{_show(value)}»)."
    if kind == "list_type":
        return f"Phải là danh sách, ví dụ [a, b] (đang là «{_show(value)}»)."
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"Phải là một bảng «khóa: giá trị» (đang là «{_show(value)}»)."
    if kind == "literal_error":
        return f"Giá trị «{_show(value)}» không hợp lệ; chỉ được là: {ctx.get('expected')}."
    if kind == "greater_than_equal":
        return f"Phải lớn hơn hoặc bằng {ctx.get('ge')} (đang là {_show(value)})."
    if kind == "greater_than":
        return f"Phải lớn hơn {ctx.get('gt')} (đang là {_show(value)})."
    if kind == "less_than_equal":
        return f"Phải nhỏ hơn hoặc bằng {ctx.get('le')} (đang là {_show(value)})."
    if kind == "too_short":
        return f"Cần ít nhất {ctx.get('min_length')} phần tử."
    if kind.startswith("date") or kind.startswith("datetime"):
        return f"Ngày «{_show(value)}» không hợp lệ; viết theo dạng YYYY-MM-DD, ví dụ 2026-11-22."
    return msg


def _validate(
    model: type[BaseModel],
    data: dict[str, Any],
    report: _Report,
    where: Any,
) -> Any:
    """Validate, sending each problem to the origin ``where(loc) -> (origin, rel_loc)`` gives."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for loc, problem in explain_validation_error(exc):
            origin, rel = where(loc)
            report.add(origin, rel, problem)
        return None


# ------------------------------------------------------------------------------------------
# Shared parts
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoadedPart:
    part: Part
    origin: _Origin


def _load_parts(common_dir: Path, report: _Report) -> tuple[dict[str, LoadedPart], set[str]]:
    """Valid parts by name, and the names of part files that had errors."""
    parts: dict[str, LoadedPart] = {}
    broken: set[str] = set()
    if not common_dir.is_dir():
        return parts, broken
    for path in sorted(p for p in common_dir.iterdir() if p.suffix in PROCEDURE_SUFFIXES):
        display = str(path)
        before = len(report.errors)
        read = _read(path, display, report)
        if read is None:
            broken.add(path.stem)
            continue
        data, node = read
        origin = _Origin(display, node)
        part = _validate(Part, data, report, lambda loc, o=origin: (o, loc))
        if part is not None and part.part != path.stem:
            report.add(
                origin,
                ("part",),
                f"Tên phần «{part.part}» phải trùng tên tệp «{path.stem}».",
            )
        if part is None or len(report.errors) > before:
            broken.add(path.stem)
            continue
        parts[part.part] = LoadedPart(part, origin)
    return parts, broken


def load_parts(common_dir: str | Path) -> dict[str, Part]:
    """Load every shared part in ``common_dir`` (normally ``workflows/common``).

    Raises :class:`ProcedureErrors` if any part file is invalid. A missing directory gives ``{}``.
    """
    report = _Report()
    parts, _ = _load_parts(Path(common_dir), report)
    if report.errors:
        raise ProcedureErrors(report.errors)
    return {name: lp.part for name, lp in parts.items()}


# ------------------------------------------------------------------------------------------
# One procedure
# ------------------------------------------------------------------------------------------


@dataclass
class _Expanded:
    data: dict[str, Any]
    states: dict[str, _Origin]
    transitions: list[_Origin]
    guidance: dict[str, _Origin]


def _expand(
    raw: Procedure,
    own: _Origin,
    parts: dict[str, LoadedPart],
    broken: set[str],
    report: _Report,
) -> _Expanded | None:
    """Merge the included parts into the raw procedure (the normalized form, as a dict)."""
    before = len(report.errors)
    data = raw.model_dump(mode="json", by_alias=True)
    states: dict[str, Any] = dict(data["states"])
    state_origin = {sid: _Origin(own.file, own.node, ("states", sid)) for sid in states}
    guidance: dict[str, str] = dict(data["guidance"])
    guidance_origin = {key: _Origin(own.file, own.node, ("guidance", key)) for key in guidance}
    included: list[LoadedPart] = []
    for i, name in enumerate(raw.include):
        if name in broken:
            continue  # the part's own errors are reported already
        if name not in parts:
            known = ", ".join(sorted(parts)) or "(chưa có phần nào)"
            report.add(
                own,
                ("include", i),
                f"Không có phần dùng chung «{name}» trong workflows/common/. Có: {known}.",
            )
            continue
        lp = parts[name]
        included.append(lp)
        for sid, state in lp.part.states.items():
            if sid in states:
                first = state_origin[sid]
                report.add(
                    first,
                    (),
                    f"Bước «{sid}» trùng với bước của phần dùng chung «{name}» "
                    f"({lp.origin.file}); đổi tên bước hoặc bỏ phần đó khỏi include.",
                )
                continue
            states[sid] = state.model_dump(mode="json", by_alias=True)
            state_origin[sid] = _Origin(lp.origin.file, lp.origin.node, ("states", sid))
        for key, text in lp.part.guidance.items():
            if key not in guidance:
                guidance[key] = text
                guidance_origin[key] = _Origin(lp.origin.file, lp.origin.node, ("guidance", key))
    if len(report.errors) > before:
        return None

    active = [sid for sid, s in states.items() if not s.get("final")]
    running = [sid for sid in active if states[sid].get("clock") != "paused"]
    initial = [sid for sid, s in states.items() if s.get("initial")][:1]
    selectors = {"@active": active, "@running": running, "@initial": initial}

    transitions: list[dict[str, Any]] = list(data["transitions"])
    t_origin = [_Origin(own.file, own.node, ("transitions", i)) for i in range(len(transitions))]
    for lp in included:
        for k, t in enumerate(lp.part.transitions):
            sources: list[str] = []
            for s in t.source:
                for sid in selectors.get(s, [s]) if s in SOURCE_SELECTORS else [s]:
                    if sid not in sources:
                        sources.append(sid)
            if not sources:
                continue  # no initial state: reported by the graph check
            origin = _Origin(lp.origin.file, lp.origin.node, ("transitions", k))
            body = t.model_dump(mode="json", by_alias=True)
            if t.target == "@same":
                for sid in sources:
                    transitions.append({**body, "from": [sid], "to": sid})
                    t_origin.append(origin)
            else:
                transitions.append({**body, "from": sources})
                t_origin.append(origin)

    data.update(states=states, transitions=transitions, guidance=guidance, include=[])
    return _Expanded(data, state_origin, t_origin, guidance_origin)


def _load_file(
    path: Path,
    display: str,
    parts: dict[str, LoadedPart],
    broken: set[str],
    report: _Report,
) -> tuple[Procedure | None, Node | None]:
    before = len(report.errors)
    read = _read(path, display, report)
    if read is None:
        return None, None
    data, node = read
    own = _Origin(display, node)
    raw: Procedure | None = _validate(Procedure, data, report, lambda loc: (own, loc))
    if raw is None:
        return None, node
    for loc, problem in kind_problems(raw):  # the file's own include and transitions
        report.add(own, loc, problem)
    for loc, problem in file_problems(raw, data, dt.date.today()):  # code_kind, sources, notes
        report.add(own, loc, problem)
    if len(report.errors) > before:
        return None, node
    proc: Procedure | None = raw
    if raw.include:
        expanded = _expand(raw, own, parts, broken, report)
        if expanded is None:
            return None, node
        exp = expanded

        def where(loc: Loc) -> tuple[_Origin, Loc]:
            if len(loc) >= 2:
                head, key = loc[0], loc[1]
                if head == "transitions" and isinstance(key, int) and key < len(exp.transitions):
                    return exp.transitions[key], loc[2:]
                if head == "states" and key in exp.states:
                    return exp.states[str(key)], loc[2:]
                if head == "guidance" and key in exp.guidance:
                    return exp.guidance[str(key)], loc[2:]
            return own, loc

        proc = _validate(Procedure, exp.data, report, where)
        if proc is not None:  # the transitions the parts added (after the file's own), once
            told: set[tuple[str, Loc]] = set()
            for loc, problem in kind_problems(proc):
                if loc[0] == "transitions" and int(loc[1]) >= len(raw.transitions):
                    origin, rel = where(loc)
                    key = (origin.file, origin.prefix + rel)
                    if key not in told:
                        told.add(key)
                        report.add(origin, rel, problem)
    if proc is None or len(report.errors) > before:
        return None, node
    try:
        proc.machine_class()
    except Exception as exc:  # the library's own definition checks, as a last safety net
        report.add(own, (), f"Không dựng được máy trạng thái: {exc}")
        return None, node
    for loc, problem in unsourced(proc):
        report.warn(own, loc, problem)
    return proc, node


def _parts_for(path: Path, parts: dict[str, Part] | None) -> dict[str, LoadedPart]:
    if parts is not None:
        return {
            name: LoadedPart(p, _Origin(f"common/{name}.yaml", None)) for name, p in parts.items()
        }
    common = path.parent / "common"
    report = _Report()
    loaded, _ = _load_parts(common, report)
    if report.errors:
        raise ProcedureErrors(report.errors)
    return loaded


def load_procedure_file(path: str | Path, parts: dict[str, Part] | None = None) -> Procedure:
    """Load and check one procedure file; returns its normalized form.

    ``parts`` are the shared parts to include from; by default they are read from the
    ``common/`` folder next to the file. Raises :class:`ProcedureErrors` listing every problem.
    """
    path = Path(path)
    report = _Report()
    proc, _ = _load_file(path, str(path), _parts_for(path, parts), set(), report)
    if report.errors or proc is None:
        raise ProcedureErrors(report.errors)
    return proc


def procedure_files(directory: str | Path) -> list[Path]:
    """The procedure files of a workflows directory (``*.yaml`` at its top level), sorted."""
    directory = Path(directory)
    return sorted(p for p in directory.iterdir() if p.is_file() and p.suffix in PROCEDURE_SUFFIXES)


def load_directory(directory: str | Path) -> list[Procedure]:
    """Load every procedure in ``directory`` with the parts in ``directory/common``.

    Collects all errors of all files (and a code used by two files) and raises
    :class:`ProcedureErrors` if there is any. Returns the procedures sorted by code.
    """
    return check_directory(directory)[0]


def check_procedure_file(path: str | Path) -> tuple[Procedure, list[ProcedureFileError]]:
    """:func:`load_procedure_file` (parts from ``common/`` next to it) plus its warnings."""
    path = Path(path)
    report = _Report()
    proc, _ = _load_file(path, str(path), _parts_for(path, None), set(), report)
    if report.errors or proc is None:
        raise ProcedureErrors(report.errors)
    return proc, report.warnings


def check_directory(directory: str | Path) -> tuple[list[Procedure], list[ProcedureFileError]]:
    """:func:`load_directory` plus the warnings: values stated without a source or a named gap
    (``sources.unsourced``), in file order."""
    directory = Path(directory)
    report = _Report()
    if not directory.is_dir():
        report.add(_Origin(str(directory), None), (), "Không có thư mục quy trình này.")
        raise ProcedureErrors(report.errors)
    parts, broken = _load_parts(directory / "common", report)
    procedures: list[Procedure] = []
    first_file: dict[str, str] = {}
    nodes: dict[str, Node | None] = {}
    for path in procedure_files(directory):
        display = str(path)
        proc, node = _load_file(path, display, parts, broken, report)
        if proc is None:
            continue
        if proc.code in first_file:
            report.add(
                _Origin(display, node),
                ("code",),
                f"Mã thủ tục «{proc.code}» đã dùng trong {first_file[proc.code]}; "
                "mỗi thủ tục chỉ một tệp (tăng version trong tệp cũ thay vì chép tệp mới).",
            )
            continue
        first_file[proc.code] = display
        nodes[proc.code] = node
        procedures.append(proc)
    for proc in procedures:  # an old code may not be a code in use
        for i, old in enumerate(proc.replaces):
            if old in first_file:
                report.add(
                    _Origin(first_file[proc.code], nodes[proc.code]),
                    ("replaces", i),
                    f"«{old}» là mã của thủ tục trong {first_file[old]}, không phải mã cũ đã thay.",
                )
    if report.errors:
        raise ProcedureErrors(report.errors)
    return sorted(procedures, key=lambda p: p.code), report.warnings
