"""Safe YAML reading for procedure files: duplicate keys refused, line numbers kept.

PyYAML's ``SafeLoader`` quietly keeps the last of two equal keys in a mapping; a procedure file
with two ``reviewing:`` states would then lose one without a word. :class:`StrictSafeLoader`
refuses that. The composed node tree is kept so that an error about ``transitions[3].to`` can be
reported with the line where that value is written (:func:`line_of`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import yaml
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.reader import Reader

Loc = Sequence[str | int]


class DuplicateKeyError(ConstructorError):
    """Two equal keys in one mapping."""


#: libyaml's parser when PyYAML was built with it (the wheels are): ~10x faster than the pure
#: Python one, and every app start and test app parses the whole catalogue.
if TYPE_CHECKING:
    _BaseSafeLoader = yaml.SafeLoader
else:
    _BaseSafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def fast_load(text: str) -> Any:
    """`yaml.safe_load` through libyaml when it is there (scenarios, quizzes)."""
    return yaml.load(text, Loader=_BaseSafeLoader)  # noqa: S506 - a safe loader


class StrictSafeLoader(_BaseSafeLoader):
    """``SafeLoader`` that refuses duplicate mapping keys and keeps bad dates as text.

    A date-looking value that is not a real date (``2026-13-45``) makes PyYAML raise a plain
    ``ValueError`` with no line; here it stays a string so the schema reports it at its line.
    """

    def construct_mapping(self, node: Node, deep: bool = False) -> dict[Any, Any]:
        if isinstance(node, MappingNode):
            seen: dict[Any, Node] = {}
            for key_node, _value_node in node.value:
                key = self.construct_object(key_node, deep=True)
                try:
                    first = seen.get(key)
                except TypeError:  # unhashable key; the base class reports it
                    continue
                if first is not None:
                    raise DuplicateKeyError(
                        "trong một bảng (mapping)",
                        first.start_mark,
                        f"khóa «{key}» xuất hiện hai lần "
                        f"(lần đầu ở dòng {first.start_mark.line + 1})",
                        key_node.start_mark,
                    )
                seen[key] = key_node
        return super().construct_mapping(node, deep=deep)  # type: ignore[arg-type]

    def construct_yaml_timestamp(self, node: ScalarNode) -> Any:
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError:
            return self.construct_scalar(node)


StrictSafeLoader.add_constructor(
    "tag:yaml.org,2002:timestamp",
    StrictSafeLoader.construct_yaml_timestamp,
)


@dataclass(frozen=True)
class YamlProblem:
    """Why a text could not be read as YAML: 1-based line (if known) and a Vietnamese message."""

    line: int | None
    problem: str


@dataclass(frozen=True)
class YamlDocument:
    data: Any
    node: Node | None


def decode_utf8(raw: bytes) -> str | YamlProblem:
    """Decode bytes as UTF-8 (a BOM is allowed); on failure say on which line the bad byte is."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return YamlProblem(
            line,
            f"Tệp không phải UTF-8 (byte 0x{raw[exc.start]:02x} ở vị trí {exc.start}). "
            "Hãy lưu lại tệp với bảng mã UTF-8.",
        )


def parse_yaml(text: str) -> YamlDocument | YamlProblem:
    """Parse one YAML document safely, returning the data and its node tree, or the problem."""
    # control characters are refused here, with their line, whichever parser reads the text
    bad = Reader.NON_PRINTABLE.search(text)
    if bad is not None:
        line = text.count("\n", 0, bad.start()) + 1
        return YamlProblem(
            line,
            f"Tệp chứa ký tự điều khiển không được phép (mã #x{ord(bad.group()):04x}, "
            f"dòng {line}). Hãy xóa ký tự đó.",
        )
    loader = StrictSafeLoader(text)
    try:
        node = loader.get_single_node()
        data = None if node is None else loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        return _explain(exc)
    except yaml.YAMLError as exc:  # pragma: no cover - every PyYAML error we know is marked
        return YamlProblem(None, f"Lỗi cú pháp YAML: {exc}")
    finally:
        loader.dispose()
    return YamlDocument(data=data, node=node)


def _explain(exc: yaml.MarkedYAMLError) -> YamlProblem:
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark is not None else None
    if isinstance(exc, DuplicateKeyError):
        return YamlProblem(line, f"Khóa bị trùng: {exc.problem}. Hãy xóa hoặc đổi tên một khóa.")
    if isinstance(exc, ConstructorError) and "could not determine a constructor" in str(
        exc.problem
    ):
        tag = str(exc.problem).rsplit(" ", 1)[-1]
        return YamlProblem(
            line,
            f"Thẻ YAML {tag} không được phép (chỉ đọc YAML an toàn). "
            "Hãy xóa thẻ và viết giá trị thường.",
        )
    detail = " ".join(str(p) for p in (exc.context, exc.problem) if p)
    return YamlProblem(
        line,
        f"Lỗi cú pháp YAML: {detail}. Kiểm tra thụt lề, dấu hai chấm và dấu ngoặc quanh dòng này.",
    )


def _find_key(node: MappingNode, key: str) -> tuple[Node, Node] | None:
    for key_node, value_node in node.value:
        if isinstance(key_node, ScalarNode) and key_node.value == key:
            return key_node, value_node
    return None


#: When a model field has another spelling in YAML, look the other one up too.
_ALIASES = {"roles": "role", "role": "roles", "source": "from", "target": "to"}


def line_of(root: Node | None, loc: Loc) -> int | None:
    """1-based line of the deepest node reachable along ``loc``.

    Keys point at the key's own line (so ``states.reviewing`` is the line that says
    ``reviewing:``); an index points at the list item. If the path leaves the tree (a missing
    field), the line of the last node found is returned.
    """
    if root is None:
        return None
    node: Node = root
    line = node.start_mark.line + 1
    for step in loc:
        if isinstance(node, MappingNode) and isinstance(step, str):
            found = _find_key(node, step)
            if found is None and step in _ALIASES:
                found = _find_key(node, _ALIASES[step])
            if found is None:
                return line
            key_node, node = found
            line = key_node.start_mark.line + 1
        elif isinstance(node, SequenceNode) and isinstance(step, int):
            if not 0 <= step < len(node.value):
                return line
            node = node.value[step]
            line = node.start_mark.line + 1
        else:
            return line
    return line


def format_loc(loc: Loc) -> str:
    """``("transitions", 3, "to")`` → ``transitions[3].to``."""
    out = ""
    for step in loc:
        if isinstance(step, int):
            out += f"[{step}]"
        else:
            out += f".{step}" if out else str(step)
    return out


__all__ = [
    "DuplicateKeyError",
    "StrictSafeLoader",
    "YamlDocument",
    "YamlProblem",
    "decode_utf8",
    "format_loc",
    "line_of",
    "parse_yaml",
]
