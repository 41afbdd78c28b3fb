"""Edits of a YAML text at the positions its parser reports: a value found by its path, an item
appended to a list or an entry to a table, items taken out of a list. The rest of the text (its
comments, order and layout) is left as it was. Each edit is `(start, end, replacement)` on the
text it was computed from; `patched` applies several at once. Pure functions, used by the
workshop's structured form (`workshop.form`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

Path = tuple[str | int, ...]
Edit = tuple[int, int, str]


class EditProblem(ValueError):
    """An edit the text's shape does not allow (`what` names the value, for the caller)."""

    def __init__(self, what: str, message: str) -> None:
        super().__init__(message)
        self.what = what


@dataclass(frozen=True)
class Found:
    node: Node
    key: Node | None  # the key node when the value sits in a mapping
    flow: bool  # inside a flow collection ({…} or […])


def find(root: Node, path: Path) -> Found | None:
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


def number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def scalar(value: Any) -> str:
    """One value as a YAML scalar (a text always quoted)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return number(value)
    return json.dumps(str(value), ensure_ascii=False)


def block(value: str, indent: int) -> str:
    pad = " " * indent
    return "|-\n" + "\n".join(pad + line if line.strip() else "" for line in value.splitlines())


def rendered(value: str, indent: int) -> str:
    """A text as a block scalar when it has several lines, else as a quoted scalar."""
    return block(value, indent) if "\n" in value else scalar(value)


def content_end(node: Node) -> int:
    """Where the node's own text ends (a block collection ends with its last value)."""
    if isinstance(node, MappingNode | SequenceNode) and not node.flow_style and node.value:
        last = node.value[-1]
        return content_end(last[1] if isinstance(last, tuple) else last)
    return int(node.end_mark.index)


def after_line(text: str, index: int) -> tuple[str, int]:
    """(prefix, position): the start of the line after `index` (a newline added at the end)."""
    if index > 0 and text[index - 1] == "\n":
        return "", index
    nl = text.find("\n", index)
    return ("\n", len(text)) if nl < 0 else ("", nl + 1)


def _line_start(text: str, index: int) -> int:
    return text.rfind("\n", 0, index) + 1


def append_item(text: str, root: MappingNode, path: Path, item: str) -> Edit:
    """`item` (already YAML) appended to the list at `path`; the list is created (under its
    table, which must exist) when the file has none."""
    found = find(root, path)
    if found is None:
        parent = find(root, path[:-1]) if len(path) > 1 else Found(root, None, False)
        if parent is None or not isinstance(parent.node, MappingNode):
            raise EditProblem(str(path[0]), f"«{path[0]}» trong tệp không phải bảng.")
        return append_entry(
            text, parent.node, str(path[-1]), lambda _: f"[{item}]", [f"- {item}"],
            at_end=parent.node is root,
        )  # fmt: skip
    seq = found.node
    if not isinstance(seq, SequenceNode):
        raise EditProblem(str(path[-1]), f"«{path[-1]}» trong tệp không phải danh sách.")
    if seq.flow_style or not seq.value:
        close = seq.end_mark.index - 1
        return close, close, (", " if seq.value else "") + item
    first = seq.value[0]
    line_start = _line_start(text, first.start_mark.index)
    dash = text.rfind("-", line_start, first.start_mark.index)
    indent = (dash if dash >= 0 else first.start_mark.index) - line_start
    prefix, at = after_line(text, content_end(seq))
    return at, at, f"{prefix}{' ' * indent}- {item}\n"


def append_entry(
    text: str,
    table: MappingNode,
    key: str,
    value: Callable[[int | None], str],
    lines: Iterable[str] = (),
    *,
    at_end: bool = False,
) -> Edit:
    """`key: value` appended to the table `table`; `value(indent)` is the value written for an
    entry at that indent (None: inside a flow table, on one line). With `lines`, a block table
    writes them under the key one step deeper (a block list or table) instead of the value.
    `at_end`: the top table, written at the end of the file (after its last comment)."""
    if table.flow_style:
        close = table.end_mark.index - 1
        sep = ", " if table.value else ""
        return close, close, f"{sep}{key}: {value(None)}"
    indent = table.value[0][0].start_mark.column if table.value else 0
    prefix, at = after_line(text, len(text) if at_end else content_end(table))
    body = list(lines)
    if not body:
        return at, at, f"{prefix}{' ' * indent}{key}: {value(indent + 2)}\n"
    pad = " " * (indent + 2)
    return at, at, prefix + f"{' ' * indent}{key}:\n" + "".join(f"{pad}{x}\n" for x in body)


def removed_items(text: str, seq: SequenceNode, indexes: set[int], key: Node | None) -> list[Edit]:
    """The edits that take the items at `indexes` out of the list `seq` (whose key is `key`):
    a block list loses their lines, a flow list is written again with the items kept; a block
    list left empty becomes `[]`."""
    kept = [n for i, n in enumerate(seq.value) if i not in indexes]
    if len(kept) == len(seq.value):
        return []
    if seq.flow_style:
        inner = ", ".join(text[n.start_mark.index : n.end_mark.index] for n in kept)
        return [(seq.start_mark.index, seq.end_mark.index, f"[{inner}]")]
    if not kept and key is not None:
        _, end = after_line(text, content_end(seq))
        return [(key.end_mark.index, end, ": []\n")]
    edits = []
    for i in sorted(indexes):
        if 0 <= i < len(seq.value):
            node = seq.value[i]
            _, end = after_line(text, content_end(node))
            edits.append((_line_start(text, node.start_mark.index), end, ""))
    return edits


def patched(text: str, edits: Iterable[Edit]) -> str:
    """`text` with every edit made (edits computed on `text`, not overlapping)."""
    for start, end, replacement in sorted(edits, key=lambda e: e[0], reverse=True):
        text = text[:start] + replacement + text[end:]
    return text
