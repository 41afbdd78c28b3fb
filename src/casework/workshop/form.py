"""The structured form of the workshop: the common parts of a procedure, written into its YAML text.

The form edits the text in place, value by value, at the positions the YAML parser reports: the
comments, the order and the layout of the file stay as the editor wrote them (a procedure file's
comments carry its legal notes). Only what the form changed is written. New documents, sources and
step guidance are appended to their lists. Pure functions: no HTTP, no database.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from yaml.nodes import MappingNode, SequenceNode

from casework.procedures.yamlsafe import YamlDocument, parse_yaml
from casework.workshop.yamledit import (
    Edit,
    EditProblem,
    Found,
    Path,
    append_entry,
    append_item,
    block,
    find,
    patched,
    removed_items,
    rendered,
    scalar,
)
from casework.workshop.yamledit import number as _number

UNITS = ("working_days", "days", "hours")


def _text(value: Any) -> str:
    return "" if value is None else str(value)


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
    for i, d in documents_of(text):
        out[f"doc-{i}-name"] = _text(d.get("name"))
        out[f"doc-{i}-copies"] = _text(d.get("copies"))
        out[f"doc-{i}-required"] = "on" if d.get("required", True) else ""  # the schema's default
    guidance = _dict(data, "guidance")
    for sid in _dict(data, "states"):
        out[f"guide-{sid}"] = _text(guidance.get(sid)).strip()
    for sid, items in checklists_of(text).items():
        for j, item in items:
            out[f"chk-{sid}-{j}"] = item
    return out


def documents_of(text: str) -> list[tuple[int, dict[str, Any]]]:
    """(index in the file's list, the document) of each document written as a table."""
    return [(i, d) for i, d in enumerate(_list(_data(text), "documents")) if isinstance(d, dict)]


def states_of(text: str) -> dict[str, str]:
    """State id → its label (for the guidance fields)."""
    states = _dict(_data(text), "states")
    return {
        str(sid): _text(s.get("label") if isinstance(s, dict) else sid) for sid, s in states.items()
    }


def checklists_of(text: str) -> dict[str, list[tuple[int, str]]]:
    """Each step's checklist, (index in its list, the item) — every state, in the file's order,
    an empty list for a step without one."""
    data = _data(text)
    lists = _dict(data, "checklists")
    out: dict[str, list[tuple[int, str]]] = {}
    for sid in [*_dict(data, "states"), *(k for k in lists if k not in _dict(data, "states"))]:
        items = lists.get(sid)
        out[str(sid)] = [
            (j, _text(x)) for j, x in enumerate(items if isinstance(items, list) else [])
            if isinstance(x, str | int | float)
        ]  # fmt: skip
    return out


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
    if key.startswith("chk-") and not raw:
        raise FormProblem(
            key, "Điểm kiểm tra không được để trống; muốn bỏ thì đánh dấu «xóa» ở dòng đó."
        )
    return raw


def removals(new: Mapping[str, str]) -> dict[Path, set[int]]:
    """The list items the form marks «xóa» (`docdel-<i>`, `chkdel-<step>-<j>`), by list."""
    out: dict[Path, set[int]] = {}
    for key, value in new.items():
        if value != "on":
            continue
        head, _, rest = key.partition("-")
        if head == "docdel" and rest.isdigit():
            out.setdefault(("documents",), set()).add(int(rest))
        elif head == "chkdel":
            sid, _, j = rest.rpartition("-")
            if sid and j.isdigit():
                out.setdefault(("checklists", sid), set()).add(int(j))
    return out


def apply(text: str, changed: Mapping[str, str], new: Mapping[str, str]) -> str:
    """`text` with the `changed` fields written (field name → submitted value), the new
    document, source, guidance and checklist items of `new` appended, then the items `new`
    marks «xóa» taken out. Raises FormProblem (field, reason)."""
    root = _root(text)
    drop = removals(new)
    edits: list[Edit] = []
    for key, raw in changed.items():
        path = _path_of(key)
        if path is None or _dropped(path, drop):
            continue
        value = _parse_value(key, raw)
        found = find(root, path)
        if found is None:
            edits += _missing(text, root, key, path, raw)
            continue
        edits.append(_replace(text, found, value))
    try:
        edits += _appended(text, root, new)
    except EditProblem as exc:
        raise FormProblem(exc.what, str(exc) + " Sửa trong trình soạn YAML.") from None
    text = patched(text, edits)
    if not drop:
        return text
    # the items taken out last, on the text written so far (appended items come after them)
    root = _root(text)
    edits = []
    for path, indexes in drop.items():
        found = find(root, path)
        if found is not None and isinstance(found.node, SequenceNode):
            edits += removed_items(text, found.node, indexes, found.key)
    return patched(text, edits)


def _root(text: str) -> MappingNode:
    doc = parse_yaml(text)
    if not isinstance(doc, YamlDocument) or not isinstance(doc.node, MappingNode):
        raise FormProblem("yaml_text", "YAML đang lỗi cú pháp: sửa trong trình soạn YAML trước.")
    return doc.node


def _dropped(path: Path, drop: dict[Path, set[int]]) -> bool:
    """A value inside an item marked «xóa» (its edit is not written)."""
    return any(
        path[: len(where)] == where and len(path) > len(where) and path[len(where)] in indexes
        for where, indexes in drop.items()
    )


def _missing(text: str, root: MappingNode, key: str, path: Path, raw: str) -> list[Edit]:
    """A changed field the file does not write yet: a step's first guidance, a document's
    `required` (its default, true, unwritten); an empty `copies` stays unwritten."""
    if key.endswith("-copies") and not raw.strip():
        return []
    if key.startswith("guide-") and raw.strip():
        return [_append_guidance(text, root, key[6:], raw.strip())]
    if key.endswith("-required"):
        doc = find(root, path[:-1])
        if doc is not None and isinstance(doc.node, MappingNode):
            value = scalar(raw == "on")
            return [append_entry(text, doc.node, "required", lambda _: value)]
    raise FormProblem(key, "Tệp chưa có mục này; hãy thêm trong trình soạn YAML.")


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
    if head == "chk":
        sid, _, j = rest.rpartition("-")
        return ("checklists", sid, int(j)) if sid and j.isdigit() else None
    return None


def _replace(text: str, found: Found, value: Any) -> Edit:
    node = found.node
    start, end = node.start_mark.index, node.end_mark.index
    old = text[start:end]
    if isinstance(value, str) and "\n" in value.strip() and not found.flow:
        indent = (found.key.start_mark.column if found.key else node.start_mark.column) + 2
        written = block(value.strip(), indent)
    else:
        written = scalar(value.strip() if isinstance(value, str) else value)
    trailing = len(old) - len(old.rstrip("\n"))
    return start, end, written + "\n" * trailing


def _appended(text: str, root: MappingNode, new: Mapping[str, str]) -> list[Edit]:
    edits: list[Edit] = []
    key, name = new.get("new_doc_key", "").strip(), new.get("new_doc_name", "").strip()
    if key or name:
        if not key or not name:
            field = "new_doc_name" if key else "new_doc_key"
            raise FormProblem(field, "Giấy tờ mới cần cả khóa (chữ không dấu) và tên.")
        item: dict[str, Any] = {"key": key, "name": name}
        item["required"] = new.get("new_doc_required") == "on"
        if new.get("new_doc_copies", "").strip():
            item["copies"] = new["new_doc_copies"].strip()
        edits.append(_append(text, root, ("documents",), _flow(item), "new_doc_key"))
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
        edits.append(_append(text, root, ("sources",), _flow(source), "new_source_cite"))
    for field, raw in new.items():
        if field.startswith("chk-") and field.endswith("-new") and raw.strip():
            edits.append(_append_check(text, root, field[4:-4], raw.strip(), field))
    return edits


def _append(text: str, root: MappingNode, path: Path, item: str, field: str) -> Edit:
    try:
        return append_item(text, root, path, item)
    except EditProblem as exc:
        raise FormProblem(field, f"{exc} Sửa trong trình soạn YAML.") from None


def _append_check(text: str, root: MappingNode, sid: str, item: str, field: str) -> Edit:
    """One more checklist item for step `sid` (its list, or the checklists table, created)."""
    if find(root, ("checklists",)) is None:
        lines = [f"{sid}:", f"  - {scalar(item)}"]
        return append_entry(text, root, "checklists", lambda _: "{}", lines, at_end=True)
    return _append(text, root, ("checklists", sid), scalar(item), field)


def _flow(item: Mapping[str, Any]) -> str:
    def one(v: Any) -> str:
        if isinstance(v, list):
            return "[" + ", ".join(one(x) for x in v) + "]"
        if isinstance(v, str) and len(v) == 10 and v[4] == "-" and v[7] == "-":
            return v  # a date stays a YAML date
        return scalar(v)

    return "{" + ", ".join(f"{k}: {one(v)}" for k, v in item.items()) + "}"


def _append_guidance(text: str, root: MappingNode, state: str, value: str) -> Edit:
    found = find(root, ("guidance",))
    if found is None:
        lines = [f"{state}: {rendered(value, 4)}"]
        return append_entry(text, root, "guidance", lambda _: "{}", lines, at_end=True)
    if not isinstance(found.node, MappingNode):
        raise FormProblem(f"guide-{state}", "«guidance» không phải bảng; sửa trong YAML.")
    return append_entry(
        text, found.node, state,
        lambda indent: scalar(value) if indent is None else rendered(value, indent),
    )  # fmt: skip
