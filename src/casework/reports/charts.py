"""Small server-drawn SVG charts (no script, so they pass the CSP and print on paper).

Each chart scales to its container (`viewBox`), carries a <title> for screen readers, and sits
next to the table holding the same numbers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from markupsafe import Markup, escape

from casework.numbers import fmt_number

W, H = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 16, 40
STEPS = (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10)


def _svg(title: str, body: list[str], height: int = H) -> Markup:
    return Markup(
        f'<svg class="chart" viewBox="0 0 {W} {height}" role="img" aria-label="{escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>{"".join(body)}</svg>'
    )


def nice_top(largest: float, *, whole: bool) -> float:
    """The axis top for values up to `largest`: four equal steps of a round size (STEPS × 10^k;
    whole steps when the values are counts), so each tick reads as a round number."""
    raw = max(largest, 1e-9) / 4
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in STEPS if m * magnitude >= raw)
    if whole:
        step = max(1, math.ceil(step))
    return step * 4


def _axis(y_max: float, unit: str) -> list[str]:
    out = []
    plot_h = H - TOP - BOTTOM
    for i in range(5):
        value = y_max * i / 4
        y = TOP + plot_h - plot_h * i / 4
        out.append(f'<line class="grid" x1="{LEFT}" x2="{W - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>')
        out.append(
            f'<text class="tick" x="{LEFT - 4}" y="{y + 4:.1f}" text-anchor="end">'
            f"{fmt_number(value)}{escape(unit)}</text>"
        )
    return out


def columns(
    title: str, points: Sequence[tuple[str, float | None]], *, y_max: float | None = None,
    unit: str = "", target: float | None = None,
) -> Markup:  # fmt: skip
    """Vertical bars, one per labelled value (None: no data, drawn as a dash)."""
    values = [v for _, v in points if v is not None]
    whole = all(float(v).is_integer() for v in values)  # counts: whole ticks, whole labels
    top = y_max or nice_top(max(values + [1.0]), whole=whole)
    plot_w, plot_h = W - LEFT - RIGHT, H - TOP - BOTTOM
    step = plot_w / max(1, len(points))
    body = _axis(top, unit)
    every = max(1, len(points) // 12)
    for i, (label, value) in enumerate(points):
        x = LEFT + i * step + step * 0.15
        if value is None:
            body.append(
                f'<text class="tick" x="{x + step * 0.35:.1f}" y="{TOP + plot_h - 4}" '
                'text-anchor="middle">–</text>'
            )
        else:
            h = plot_h * min(value, top) / top
            body.append(
                f'<rect class="bar" x="{x:.1f}" y="{TOP + plot_h - h:.1f}" '
                f'width="{step * 0.7:.1f}" height="{h:.1f}"><title>{escape(label)}: '
                f"{fmt_number(value, 1)}{escape(unit)}</title></rect>"
            )
        if i % every == 0:
            body.append(
                f'<text class="tick" x="{x + step * 0.35:.1f}" y="{H - BOTTOM + 16}" '
                f'text-anchor="middle">{escape(label)}</text>'
            )
    if target is not None and target <= top:
        y = TOP + plot_h - plot_h * target / top
        body.append(
            f'<line class="target" x1="{LEFT}" x2="{W - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>'
        )
    return _svg(title, body)


def bars(title: str, items: Sequence[tuple[str, float]], *, unit: str = "") -> Markup:
    """Horizontal bars, largest first as given."""
    row_h = 22
    height = TOP + row_h * max(1, len(items)) + 8
    label_w = 220
    top = max([v for _, v in items] + [1.0])
    body = []
    for i, (label, value) in enumerate(items):
        y = TOP + i * row_h
        width = (W - label_w - 60) * value / top
        short = label if len(label) <= 34 else label[:33] + "…"
        body.append(
            f'<text class="tick" x="{label_w - 6}" y="{y + 15}" text-anchor="end">'
            f"{escape(short)}</text>"
        )
        body.append(
            f'<rect class="bar late" x="{label_w}" y="{y + 3}" width="{width:.1f}" height="16">'
            f"<title>{escape(label)}: {fmt_number(value)}{escape(unit)}</title></rect>"
        )
        body.append(
            f'<text class="tick" x="{label_w + width + 4:.1f}" y="{y + 15}">'
            f"{fmt_number(value)}</text>"
        )
    return _svg(title, body, height)
