"""Every spreadsheet cell is written through `casework.cells` (issue 17, findings 2 and 3).

Property tests feed arbitrary text — formulas such as `=HYPERLINK(…)`, control characters, NUL,
lone surrogates, bidi marks, text longer than a cell holds — through the cell function and through
each writer (the report tables every export uses, and the tracking book, Mẫu 07), open the XLSX
with openpyxl and parse the CSV back: no cell is a formula, and the text is kept, less the
characters the format cannot hold. A source check keeps every future export on these writers.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from casework import cells
from casework.dossiers.slips import Book, BookRow, book_xlsx
from casework.reports.exports import Table, to_csv, to_xlsx
from casework.settings import PROJECT_ROOT
from tests.factories import TZ

NASTY = [
    '=HYPERLINK("http://evil.example/x","Click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1",
    "\r=1",
    "＝1+1",
    "Nguyễn\x0bVăn\x00 A",
    "\x00=1",
    "\u202eevil\u202c",
    "a\ud800b\ufffe\uffff",
    "\x7f\x85\x9f",
    "",
]

#: any character, surrogates and controls included
any_text = st.text(st.characters(exclude_categories=()), max_size=60)
hostile = st.one_of(
    any_text,
    st.sampled_from(NASTY),
    st.builds(lambda a, b: a + b, st.sampled_from(NASTY), any_text),
    st.builds(lambda t, n: (t or "x") * n, st.text(min_size=1, max_size=3), st.integers(1, 12_000)),
)
SETTINGS = settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])


def xlsx_text(text: str) -> str:
    """What an XLSX cell must hold for `text`: cleaned, CR as LF, cut to the cell's limit."""
    kept = cells.clean(text).replace("\r\n", "\n").replace("\r", "\n")
    if len(kept) > cells.XLSX_MAX_CHARS:
        kept = kept[: cells.XLSX_MAX_CHARS - 1] + "…"
    return kept


def csv_text(text: str) -> str:
    kept = cells.clean(text)
    return "'" + kept if cells.is_formula_like(kept) else kept


def sheet_cells(data: bytes) -> list[Any]:
    """Every cell of the workbook, after checking none is a formula."""
    ws = load_workbook(io.BytesIO(data)).active
    assert ws is not None
    found = [c for row in ws.iter_rows() for c in row]
    formulas = [(c.coordinate, c.value) for c in found if c.data_type == "f"]
    assert not formulas, formulas
    for c in found:
        if isinstance(c.value, str) and cells.is_formula_like(c.value):
            assert c.data_type == "s" and c.quotePrefix, c.coordinate
    return found


def text_of(found: list[Any], expected: str) -> bool:
    want = expected or None  # an empty cell reads back as None
    return any(c.value == want for c in found)


# ---- the cell function -------------------------------------------------------------------------


@SETTINGS
@given(hostile)
def test_a_cell_never_keeps_what_the_format_cannot_hold(text):
    kept = cells.clean(text)
    assert not cells.UNWRITABLE.search(kept)
    assert kept == "".join(ch for ch in text if not cells.UNWRITABLE.match(ch))
    value = cells.xlsx_value(text, TZ)
    assert value == xlsx_text(text) and len(value) <= cells.XLSX_MAX_CHARS
    field = cells.csv_cell(text, TZ)
    assert field == csv_text(text) and not cells.is_formula_like(field)
    wb = Workbook()
    cells.append_row(wb.active, [text, 42, -3.5, date(2026, 3, 2)], TZ)
    out = io.BytesIO()
    wb.save(out)
    found = sheet_cells(out.getvalue())
    assert [c.value for c in found] == [xlsx_text(text) or None, 42, -3.5, datetime(2026, 3, 2)]


def test_numbers_and_dates_stay_typed():
    instant = datetime(2026, 3, 1, 19, 0, tzinfo=UTC)  # 02:00 on 2 March in Vietnam
    wb = Workbook()
    cells.append_row(wb.active, [-7, 1.25, date(2026, 3, 2), instant, None, True], TZ)
    out = io.BytesIO()
    wb.save(out)
    ws = load_workbook(io.BytesIO(out.getvalue())).active
    values = [c.value for c in ws[1]]
    assert values[:4] == [-7, 1.25, datetime(2026, 3, 2), datetime(2026, 3, 2, 2, 0)]
    assert [c.data_type for c in ws[1]][:4] == ["n", "n", "d", "d"]
    assert cells.csv_row([-7, 1.25, date(2026, 3, 2), instant], TZ) == [
        "-7", "1.25", "02/03/2026", "02/03/2026 02:00",
    ]  # fmt: skip


# ---- the writers every export uses ---------------------------------------------------------------


@SETTINGS
@given(hostile, hostile)
def test_a_report_table_keeps_the_text_and_runs_nothing(text, other):
    table = Table(
        title=other or "Bảng",
        headers=["STT", "Người nộp", other, "Ngày"],
        rows=[[1, text, other, date(2026, 3, 2)], [2.5, other, text, None]],
        notes=[text],
    )
    found = sheet_cells(to_xlsx(table))
    assert text_of(found, xlsx_text(text)) and text_of(found, xlsx_text(other))
    assert any(c.value == 2.5 and c.data_type == "n" for c in found)
    rows = list(csv.reader(io.StringIO(to_csv(table).decode("utf-8-sig"), newline="")))
    assert rows == [
        ["STT", "Người nộp", csv_text(other), "Ngày"],
        ["1", csv_text(text), csv_text(other), "02/03/2026"],
        ["2.5", csv_text(other), csv_text(text), ""],
    ]


@SETTINGS
@given(hostile, hostile)
def test_the_tracking_book_keeps_the_text_and_runs_nothing(text, other):
    at = datetime(2026, 3, 2, 9, 0, tzinfo=TZ)
    row = BookRow(
        number=1, code="SKHCN.HNI-260302-0001", procedure_name="Khai báo", sets=1,
        applicant=text, address_phone=other, handling_unit="Sở", received_at=at,
        appointment_at=at, result_at=None, returned_at=None, note=other, texts={},
    )  # fmt: skip
    book = Book(
        form_label="Mẫu số 07", title="SỔ", agency=other, unit_code="SKHCN.HNI",
        period_from=date(2026, 3, 1), period_to=date(2026, 3, 31), period_text="…", rows=[row],
    )  # fmt: skip
    found = sheet_cells(book_xlsx(book, TZ))
    assert text_of(found, xlsx_text(text)) and text_of(found, xlsx_text(other))
    assert any(c.value == datetime(2026, 3, 2, 9, 0) and c.data_type == "d" for c in found)


# ---- no export around the writers -----------------------------------------------------------------

#: the only modules that write spreadsheets; each writes every cell through casework.cells
WRITERS = {"src/casework/reports/exports.py", "src/casework/dossiers/slips.py"}


def test_every_spreadsheet_is_written_by_the_safe_writers():
    offenders = []
    for path in sorted((PROJECT_ROOT / "src/casework").rglob("*.py")):
        rel = path.relative_to(PROJECT_ROOT).as_posix()
        source = Path(path).read_text(encoding="utf-8")
        if rel == "src/casework/cells.py" or rel in WRITERS:
            continue
        if "openpyxl" in source and "load_workbook" not in source or "csv.writer" in source:
            offenders.append(rel)
    assert not offenders, f"spreadsheets written outside casework.cells: {offenders}"
    for rel in WRITERS:
        source = (PROJECT_ROOT / rel).read_text(encoding="utf-8")
        assert "cells.append_row" in source or "cells.csv_row" in source, rel
        assert not re.search(r"\bws\.append\(", source), f"{rel} writes a row around casework.cells"
