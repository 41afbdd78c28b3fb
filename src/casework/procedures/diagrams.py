"""Draw a procedure as a state diagram: Graphviz DOT with Vietnamese labels, rendered to SVG.

Mermaid text comes from python-statemachine itself (`format(cls, "mermaid")`); SVG needs the
Graphviz `dot` program (Debian package `graphviz`). Without it, `DiagramUnavailable` is raised
and pages show the steps as a list instead.
"""

from __future__ import annotations

import subprocess
from functools import lru_cache

from casework import capabilities
from casework.errors import CaseworkError
from casework.procedures.schema import Procedure

FINAL_FILL = "#e8f1e8"
PAUSED_FILL = "#fff4d6"
CURRENT_FILL = "#ffbf47"


class DiagramUnavailable(CaseworkError):
    code = "diagram_unavailable"
    status = 503


def _q(text: str) -> str:
    """A DOT string; a newline in `text` becomes a centred line break."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + escaped.replace("\n", "\\n") + '"'


def everywhere_actions(procedure: Procedure) -> list[str]:
    """Labels of actions available in every unfinished, running step (withdraw, stop, extend…):
    drawn once as a note, not as an arrow from each step."""
    running = {sid for sid, s in procedure.states.items() if not s.final and not s.paused}
    sources: dict[str, set[str]] = {}
    labels: dict[str, str] = {}
    for t in procedure.transitions:
        sources.setdefault(t.action, set()).update(t.source)
        labels[t.action] = t.label
    return [labels[a] for a, src in sources.items() if len(running) > 1 and running <= src]


def to_dot(procedure: Procedure, *, current: str | None = None) -> str:
    """The DOT source: one node per state (label and national status), one edge per action."""
    lines = [
        "digraph procedure {",
        '  graph [rankdir=TB, fontname="Noto Sans, DejaVu Sans, sans-serif", bgcolor="white"];',
        '  node [shape=box, style="rounded,filled", fillcolor="white", fontname="Noto Sans, '
        'DejaVu Sans, sans-serif", fontsize=11];',
        '  edge [fontname="Noto Sans, DejaVu Sans, sans-serif", fontsize=9, color="#4a5560"];',
        '  __start [shape=point, width=0.15, label=""];',
    ]
    for sid, state in procedure.states.items():
        label = f"{state.label}\n(mã {state.national_status})"
        attrs = [f"label={_q(label)}", f"id={_q('state-' + sid)}"]
        if sid == current:
            attrs += [f'fillcolor="{CURRENT_FILL}"', "penwidth=3"]
        elif state.final:
            attrs += [f'fillcolor="{FINAL_FILL}"', "peripheries=2"]
        elif state.paused:
            attrs += [f'fillcolor="{PAUSED_FILL}"', 'style="rounded,filled,dashed"']
        lines.append(f"  {_q(sid)} [{', '.join(attrs)}];")
    lines.append(f"  __start -> {_q(procedure.initial_state)};")
    common = everywhere_actions(procedure)
    if common:
        note = "Ở mọi bước chưa kết thúc còn có:\n" + "\n".join(common)
        lines.append(
            f'  __common [shape=note, fillcolor="#f4f6f8", style=filled, label={_q(note)}];'
        )
    seen: set[tuple[str, str, str]] = set()
    for t in procedure.transitions:
        if t.label in common:
            continue
        for src in t.source:
            key = (src, t.target, t.label)
            if key in seen:
                continue
            seen.add(key)
            lines.append(f"  {_q(src)} -> {_q(t.target)} [label={_q(t.label)}];")
    lines.append("}")
    return "\n".join(lines)


def dot_available() -> bool:
    return capabilities.diagrams_available()


@lru_cache(maxsize=256)
def _render(dot_source: str) -> str:
    exe = capabilities.dot_path()
    if exe is None:
        raise DiagramUnavailable(capabilities.DIAGRAM_HINT)
    result = subprocess.run(  # noqa: S603 - fixed program, DOT source on stdin
        [exe, "-Tsvg"], input=dot_source.encode(), capture_output=True, timeout=20, check=False
    )
    if result.returncode != 0:
        raise DiagramUnavailable(f"Graphviz không vẽ được sơ đồ: {result.stderr.decode()[:200]}")
    return result.stdout.decode()


def to_svg(procedure: Procedure, *, current: str | None = None) -> str:
    """SVG of the diagram (cached by DOT source, so by content and highlighted state)."""
    return _render(to_dot(procedure, current=current))
