"""Every cell of every spreadsheet the app writes (XLSX and CSV) goes through this module.

User text reaches the exports (an applicant's name, an address, a note, a filter typed into a
page), and a spreadsheet is not a dumb viewer:

- **Formulas** (OWASP "CSV injection"): a cell starting with `=`, `+`, `-`, `@`, a tab or a
  carriage return (or the full-width `＝ ＋ － ＠`) may be run as a formula, e.g.
  `=HYPERLINK("http://evil.example/x","Click")`. In an XLSX file such text is written as an
  explicit string cell (`t="inlineStr"`, never `<f>`) with the `quotePrefix` style — what Excel
  itself stores when someone types `'=…` — so the text is kept exactly and stays text even when the
  cell is edited. In a CSV file, which has no cell types, it is prefixed with a single quote `'`
  (OWASP's advice); the csv module quotes separators and double quotes.
- **Characters the format cannot hold**: XML 1.0 (the inside of an XLSX) has no place for the C0
  control characters other than tab, line feed and carriage return (NUL, `\\x0b`…), lone surrogates
  or U+FFFE/U+FFFF; openpyxl raises `IllegalCharacterError` on some and writes a file Excel calls
  damaged on others. They are removed (with DEL and the C1 controls, which no Vietnamese text
  needs), in CSV too. An XLSX cell holds at most 32,767 characters: longer text is cut and ends
  with "…"; a carriage return becomes the line feed Excel uses for a line break (XML would turn it
  into one anyway).

Numbers, dates and instants stay typed cells (instants in the given time zone, without it, since a
spreadsheet has none). `append_row` is how an XLSX row is written; `csv_row` how a CSV row is.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

#: The first characters that make a spreadsheet read a cell as a formula (OWASP, CSV injection),
#: and their full-width forms (read as formulas by some East Asian input settings).
FORMULA_START = frozenset("=+-@\t\r＝＋－＠")
#: What no spreadsheet cell may hold: C0 controls but tab/LF/CR, DEL, C1 controls, lone
#: surrogates, and the two non-characters XML forbids.
UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
#: Excel's limit for the text of one cell.
XLSX_MAX_CHARS = 32_767
ELLIPSIS = "…"


def clean(text: str) -> str:
    """`text` without the characters a spreadsheet cannot hold (nothing else changes)."""
    return UNWRITABLE.sub("", text)


def is_formula_like(text: str) -> bool:
    """Would a spreadsheet read this (cleaned) text as a formula?"""
    return text[:1] in FORMULA_START


def _number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


# ---- CSV ---------------------------------------------------------------------------------------


def csv_cell(value: Any, tz: ZoneInfo) -> str:
    """One CSV field: instants as dd/mm/yyyy HH:MM in `tz`, dates dd/mm/yyyy, numbers as they
    are, text cleaned and, if a spreadsheet would run it, prefixed with a single quote."""
    if isinstance(value, datetime):
        return (value.astimezone(tz) if value.tzinfo else value).strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".") if math.isfinite(value) else ""
    if _number(value):
        return str(value)
    text = clean("" if value is None else str(value))
    return "'" + text if is_formula_like(text) else text


def csv_row(values: Iterable[Any], tz: ZoneInfo) -> list[str]:
    return [csv_cell(v, tz) for v in values]


# ---- XLSX --------------------------------------------------------------------------------------


def xlsx_value(value: Any, tz: ZoneInfo) -> Any:
    """What openpyxl is given for `value`: numbers, dates and (local, naive) instants as they
    are; anything else as cleaned text no longer than a cell holds."""
    if isinstance(value, datetime):
        return value.astimezone(tz).replace(tzinfo=None) if value.tzinfo else value
    if value is None or isinstance(value, date | bool):
        return value
    if isinstance(value, float) and not math.isfinite(value):
        return ""
    if _number(value):
        return value
    # XML reads a carriage return as a line feed: write the line break Excel uses, "\n"
    text = clean(str(value)).replace("\r\n", "\n").replace("\r", "\n")
    if len(text) > XLSX_MAX_CHARS:
        text = text[: XLSX_MAX_CHARS - 1] + ELLIPSIS
    return text


def append_row(ws: Any, values: Iterable[Any], tz: ZoneInfo) -> tuple[Any, ...]:
    """Append one row to an openpyxl worksheet and return its cells. Every text cell is a string
    cell (openpyxl would have made one starting with `=` a formula); one a spreadsheet would run
    carries the quote prefix, as if typed after an apostrophe."""
    from openpyxl.cell.cell import Cell  # openpyxl is loaded only when a workbook is made

    cells = tuple(Cell(ws, value=xlsx_value(v, tz)) for v in values)
    for cell in cells:
        if isinstance(cell.value, str):
            cell.data_type = "s"
            if is_formula_like(cell.value):
                cell.quotePrefix = True
    # the cells are built here and appended as they are: reading `ws.max_row` to find them
    # afterwards scans every cell of the sheet, once per cell (minutes for 3,000 units' rows)
    ws.append(cells)
    return cells


def sheet_title(text: str) -> str:
    """A worksheet's name: at most 31 characters, none of \\ / * ? : [ ]."""
    return re.sub(r"[\\/*?:\[\]]", "-", clean(text))[:31].strip("'") or "Bảng"
