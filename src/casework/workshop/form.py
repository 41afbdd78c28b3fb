"""The structured form of the workshop: the common parts of a procedure, written into its YAML text.

The form edits the text in place, value by value, at the positions the YAML parser reports: the
comments, the order and the layout of the file stay as the editor wrote them (a procedure file's
comments carry its legal notes). Only what the form changed is written. New documents, sources and
step guidance are appended to their lists. Pure functions: no HTTP, no database.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from casework.procedures.yamlsafe import YamlDocument, parse_yaml

UNITS = ("working_days", "days", "hours")
Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Found:
    node: Node
    key: Node | None  # the key node when the value sits in a mapping
    flow: bool  # inside a flow collection ({…} or […])


def _find(root: Node, path: Path) -> Found | None:
    node, key, flow = root, None, False
    for step in path:
        flow = flow or bool(getattr(node, "flow_style", False))
        if isinstance(node, MappingNode) and isinstance(step, str):
            hit = next(
                (kv for kv in node.value if isinstance(kv[0], ScalarNode) and kv[0].value == step),
                None,
            )
            if hit is None:
                return None
            key, node = hit
        elif isinstance(node, SequenceNode) and isinstance(step, int):
            if not 0 <= step < len(node.value):
                return None
            key, node = None, node.value[step]
        else:
            return None
    return Found(node, key, flow)


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return _text(value)


def _data(text: str) -> dict[str, Any]:
    doc = parse_yaml(text)
    return doc.data if isinstance(doc, YamlDocument) and isinstance(doc.data, dict) else {}


def _dict(data: dict[str, Any], key: str) -> dict[Any, Any]:
    value = data.get(key)
    return value if isinstance(value, dict) else {}


def _list(data: dict[str, Any], key: str) -> list[Any]:
    value = data.get(key)
    return value if isinstance(value, list) else []


def values_of(text: str) -> dict[str, str]:
    """The form's fields as the text states them (all strings; "" when absent)."""
    data = _data(text)
    out: dict[str, str] = {"name": _text(data.get("name"))}
    limit = _dict(data, "limit")
    out["limit_value"] = _number(limit.get("value"))
    out["limit_unit"] = _text(limit.get("unit"))
    fee = _dict(data, "fee")
    out["fee_amount"] = _number(fee.get("amount_vnd"))
    out["fee_note"] = _text(fee.get("note"))
    for i, d in enumerate(_list(data, "documents")):
        if isinstance(d, dict):
            out[f"doc-{i}-name"] = _text(d.get("name"))
            out[f"doc-{i}-copies"] = _text(d.get("copies"))
            out[f"doc-{i}-required"] = "on" if d.get("required") else ""
    guidance = _dict(data, "guidance")
    for sid in _dict(data, "states"):
        out[f"guide-{sid}"] = _text(guidance.get(sid)).strip()
    return out


def documents_of(text: str) -> list[dict[str, Any]]:
    return [d for d in _list(_data(text), "documents") if isinstance(d, dict)]


def states_of(text: str) -> dict[str, str]:
    """State id → its label (for the guidance fields)."""
    states = _dict(_data(text), "states")
    return {
        str(sid): _text(s.get("label") if isinstance(s, dict) else sid) for sid, s in states.items()
    }


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return _number(value)
    return json.dumps(str(value), ensure_ascii=False)


def _block(value: str, indent: int) -> str:
    pad = " " * indent
    return "|-\n" + "\n".join(pad + line if line.strip() else "" for line in value.splitlines())


class FormProblem(ValueError):
    """A field the form cannot write (the name of the field, and why)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _parse_value(key: str, raw: str) -> Any:
    raw = raw.strip()
    if key == "limit_value":
        try:
            number = float(raw.replace(",", "."))
        except ValueError:
            raise FormProblem(key, "Thời hạn phải là một số, ví dụ 5 hoặc 0.5.") from None
        if not 0 <= number <= 10_000:
            raise FormProblem(key, "Thời hạn phải từ 0 đến 10 000.")
        return int(number) if number.is_integer() else number
    if key == "fee_amount":
        digits = raw.replace(".", "").replace(" ", "")
        if not digits.isdigit() or len(digits) > 15:
            raise FormProblem(key, "Số tiền phải là số nguyên đồng, ví dụ 500000.")
        return int(digits)
    if key == "limit_unit" and raw not in UNITS:
        raise FormProblem(key, "Đơn vị thời hạn không hợp lệ.")
    if key.endswith("-required"):
        return raw == "on"
    return raw


def apply(text: str, changed: Mapping[str, str], new: Mapping[str, str]) -> str:
    """`text` with the `changed` fields written (field name → submitted value) and the new
    document, source and guidance of `new` appended. Raises FormProblem (field, reason)."""
    doc = parse_yaml(text)
    if not isinstance(doc, YamlDocument) or not isinstance(doc.node, MappingNode):
        raise FormProblem("yaml_text", "YAML đang lỗi cú pháp: sửa trong trình soạn YAML trước.")
    root = doc.node
    edits: list[tuple[int, int, str]] = []
    for key, raw in changed.items():
        path = _path_of(key)
        if path is None:
            continue
        value = _parse_value(key, raw)
        found = _find(root, path)
        if found is None:
            if key.endswith("-copies") and not raw.strip():
                continue
            if key.startswith("guide-") and raw.strip():
                edits.append(_append_guidance(text, root, key[6:], raw.strip()))
                continue
            raise FormProblem(key, "Tệp chưa có mục này; hãy thêm trong trình soạn YAML.")
        edits.append(_replace(text, found, value))
    edits += _appended(text, root, new)
    for start, end, replacement in sorted(edits, key=lambda e: e[0], reverse=True):
        text = text[:start] + replacement + text[end:]
    return text


def _path_of(key: str) -> Path | None:
    fixed: dict[str, Path] = {
        "name": ("name",),
        "limit_value": ("limit", "value"),
        "limit_unit": ("limit", "unit"),
        "fee_amount": ("fee", "amount_vnd"),
        "fee_note": ("fee", "note"),
    }
    if key in fixed:
        return fixed[key]
    head, _, rest = key.partition("-")
    if head == "doc":
        index, _, field = rest.partition("-")
        return ("documents", int(index), field) if index.isdigit() else None
    if head == "guide" and rest:
        return ("guidance", rest)
    return None


def _replace(text: str, found: Found, value: Any) -> tuple[int, int, str]:
    node = found.node
    start, end = node.start_mark.index, node.end_mark.index
    old = text[start:end]
    if isinstance(value, str) and "\n" in value.strip() and not found.flow:
        indent = (found.key.start_mark.column if found.key else node.start_mark.column) + 2
        rendered = _block(value.strip(), indent)
    else:
        rendered = _scalar(value.strip() if isinstance(value, str) else value)
    trailing = len(old) - len(old.rstrip("\n"))
    return start, end, rendered + "\n" * trailing


def _content_end(node: Node) -> int:
    """Where the node's own text ends (a block collection ends with its last value)."""
    if isinstance(node, MappingNode | SequenceNode) and not node.flow_style and node.value:
        last = node.value[-1]
        return _content_end(last[1] if isinstance(last, tuple) else last)
    return int(node.end_mark.index)


def _after_line(text: str, index: int) -> tuple[str, int]:
    """(prefix, position): the start of the line after `index` (a newline added at the end)."""
    if index > 0 and text[index - 1] == "\n":
        return "", index
    nl = text.find("\n", index)
    return ("\n", len(text)) if nl < 0 else ("", nl + 1)


def _appended(text: str, root: MappingNode, new: Mapping[str, str]) -> list[tuple[int, int, str]]:
    edits: list[tuple[int, int, str]] = []
    key, name = new.get("new_doc_key", "").strip(), new.get("new_doc_name", "").strip()
    if key or name:
        if not key or not name:
            field = "new_doc_name" if key else "new_doc_key"
            raise FormProblem(field, "Giấy tờ mới cần cả khóa (chữ không dấu) và tên.")
        item: dict[str, Any] = {"key": key, "name": name}
        item["required"] = new.get("new_doc_required") == "on"
        if new.get("new_doc_copies", "").strip():
            item["copies"] = new["new_doc_copies"].strip()
        edits.append(_append_item(text, root, "documents", item, "new_doc_key"))
    cite = new.get("new_source_cite", "").strip()
    if cite:
        what = [w.strip() for w in new.get("new_source_what", "").split(",") if w.strip()]
        checked = new.get("new_source_checked", "").strip()
        if not what or not checked:
            raise FormProblem(
                "new_source_what" if not what else "new_source_checked",
                "Nguồn mới cần: giá trị nó xác nhận (what) và ngày kiểm tra.",
            )
        source = {"what": what, "cite": cite, "checked": checked}
        edits.append(_append_item(text, root, "sources", source, "new_source_cite"))
    return edits


def _flow(item: Mapping[str, Any]) -> str:
    def one(v: Any) -> str:
        if isinstance(v, list):
            return "[" + ", ".join(one(x) for x in v) + "]"
        if isinstance(v, str) and len(v) == 10 and v[4] == "-" and v[7] == "-":
            return v  # a date stays a YAML date
        return _scalar(v)

    return "{" + ", ".join(f"{k}: {one(v)}" for k, v in item.items()) + "}"


def _append_item(
    text: str, root: MappingNode, key: str, item: Mapping[str, Any], field: str
) -> tuple[int, int, str]:
    found = _find(root, (key,))
    if found is None:
        prefix, at = _after_line(text, len(text))
        return at, at, f"{prefix}{key}:\n  - {_flow(item)}\n"
    seq = found.node
    if not isinstance(seq, SequenceNode):
        raise FormProblem(field, f"«{key}» trong tệp không phải danh sách; sửa trong YAML.")
    if seq.flow_style or not seq.value:
        close = seq.end_mark.index - 1
        sep = ", " if seq.value else ""
        return close, close, sep + _flow(item)
    first = seq.value[0]
    line_start = text.rfind("\n", 0, first.start_mark.index) + 1
    dash = text.rfind("-", line_start, first.start_mark.index)
    indent = (dash if dash >= 0 else first.start_mark.index) - line_start
    prefix, at = _after_line(text, _content_end(seq))
    return at, at, f"{prefix}{' ' * indent}- {_flow(item)}\n"


def _append_guidance(text: str, root: MappingNode, state: str, value: str) -> tuple[int, int, str]:
    found = _find(root, ("guidance",))
    if found is None or not isinstance(found.node, MappingNode):
        if found is not None:
            raise FormProblem(f"guide-{state}", "«guidance» không phải bảng; sửa trong YAML.")
        prefix, at = _after_line(text, len(text))
        return at, at, f"{prefix}guidance:\n  {state}: {_rendered(value, 4)}\n"
    table = found.node
    if table.flow_style or not table.value:
        close = table.end_mark.index - 1
        sep = ", " if table.value else ""
        return close, close, f"{sep}{state}: {_scalar(value)}"
    indent = table.value[0][0].start_mark.column
    prefix, at = _after_line(text, _content_end(table))
    return at, at, f"{prefix}{' ' * indent}{state}: {_rendered(value, indent + 2)}\n"


def _rendered(value: str, indent: int) -> str:
    return _block(value, indent) if "\n" in value else _scalar(value)
