"""Numbers as Vietnamese readers write them, in one place: thousands with ".", decimals with ",",
money "4.000.000 đ" ("đồng" on the official forms); chart ticks are round, whole for counts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from casework.numbers import LEGAL_MONEY_UNIT, fmt_money, fmt_number
from casework.reports import charts
from casework.web.templating import make_templates

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (4000000.0, "4.000.000"),
        (2.0, "2"),
        (2, "2"),
        (0, "0"),
        (0.5, "0,5"),
        (1234.5, "1.234,5"),
        (-1234.56, "-1.234,56"),
        (2.475, "2,48"),
    ],
)
def test_fmt_number(value, text):
    assert fmt_number(value) == text


def test_money():
    assert fmt_money(4000000.0) == "4.000.000 đ"
    assert fmt_money(1500, LEGAL_MONEY_UNIT) == "1.500 đồng"


def test_template_filters():
    env = make_templates(TEMPLATES, "Asia/Ho_Chi_Minh").env
    out = env.from_string("{{ 4000000.0|vnd }} · {{ 2.0|number }} · {{ 12.345|number(1) }}")
    assert out.render() == "4.000.000 đ · 2 · 12,3"


def axis_ticks(svg: str) -> list[str]:
    return re.findall(r'<text class="tick" x="40" y="[\d.]+" text-anchor="end">([^<]*)<', svg)


@pytest.mark.parametrize("largest", [1.0, 2.0, 3.0, 9.0, 17.0, 123.0, 4500.0])
def test_count_charts_have_whole_ticks(largest):
    svg = charts.columns("Phân bố", [("0–1", largest), ("1–2", 1.0), ("2–3", 0.0)])
    ticks = axis_ticks(svg)
    assert len(ticks) == 5
    values = [int(t.replace(".", "")) for t in ticks]  # every tick a whole count
    assert all(re.fullmatch(r"\d{1,3}(\.\d{3})*", t) for t in ticks), ticks
    assert values[0] == 0 and values[-1] >= largest
    assert len({b - a for a, b in zip(values, values[1:], strict=False)}) == 1  # equal steps
    assert "2.475" not in svg and ".0<" not in svg


def test_the_reported_chart_reads_whole_counts():
    # a bin of 9 dossiers drew ticks 2.475 / 4.95 / 7.425 / 9.9 (max × 1.1 split in four)
    svg = charts.columns("Phân bố", [("0–1", 9.0), ("1–2", 4.0)])
    assert axis_ticks(svg) == ["0", "3", "6", "9", "12"]
    assert "<title>0–1: 9</title>" in svg


def test_percent_chart_and_bars():
    svg = charts.columns("Tỉ lệ", [("01/26", 87.5), ("02/26", None)], y_max=100, unit="%")
    assert axis_ticks(svg) == ["0%", "25%", "50%", "75%", "100%"]
    assert "87,5%" in svg
    bars = charts.bars("Trễ", [("Đơn vị A", 2.0), ("Đơn vị B", 1500.0)])
    assert ">2<" in bars and ">1.500<" in bars and "2.0" not in bars


def test_file_sizes_never_read_zero() -> None:
    from casework.numbers import fmt_size

    assert fmt_size(44) == "44 byte"
    assert fmt_size(12_800) == "12,5 KB"
    assert fmt_size(3 * 1024 * 1024) == "3 MB"
