"""Every report table leaves as CSV or XLSX with its Vietnamese headers.

A report builds a `Table` (title, headers, rows of plain values); the page draws it and
`csv_response` / `xlsx_response` send the same rows. CSV is UTF-8 with a BOM, so Excel opens the
Vietnamese text correctly; XLSX keeps numbers as numbers and instants as Excel date-times.
Instants are written in Vietnam time (Asia/Ho_Chi_Minh), as dd/mm/yyyy HH:MM. Every cell goes
through `casework.cells` (no formula, no character the format cannot hold).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi.responses import Response

from casework import cells

PRIVATE = {"Cache-Control": "private, no-store"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: the time zone of every instant in a file (spreadsheets have none: the note names it)
LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")


@dataclass
class Table:
    title: str
    headers: list[str]
    rows: list[Sequence[Any]] = field(default_factory=list)
    #: lines printed above the header (period, unit, filters)
    notes: list[str] = field(default_factory=list)
    #: Excel number formats by column index (e.g. one decimal for processing times)
    formats: dict[int, str] = field(default_factory=dict)


def to_csv(table: Table) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(cells.csv_row(table.headers, LOCAL))
    for row in table.rows:
        writer.writerow(cells.csv_row(row, LOCAL))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(table: Table) -> bytes:
    """Every cell through `cells.append_row`: text is never a formula, numbers stay numbers."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook(write_only=False)
    ws = wb.active
    assert ws is not None
    ws.title = cells.sheet_title(table.title)
    cells.append_row(ws, [table.title], LOCAL)[0].font = Font(bold=True, size=13)
    for note in table.notes:
        cells.append_row(ws, [note], LOCAL)
    for cell in cells.append_row(ws, table.headers, LOCAL):
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    header_row = ws.max_row
    for row in table.rows:
        for i, cell in enumerate(cells.append_row(ws, row, LOCAL)):
            if i in table.formats and isinstance(cell.value, int | float):
                cell.number_format = table.formats[i]
            elif isinstance(cell.value, datetime):
                cell.number_format = "dd/mm/yyyy hh:mm"
            elif isinstance(cell.value, date):
                cell.number_format = "dd/mm/yyyy"
    for i, header in enumerate(table.headers):
        ws.column_dimensions[ws.cell(row=header_row, column=i + 1).column_letter].width = max(
            10, min(40, len(header) + 4)
        )
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def download(table: Table, fmt: str, stem: str) -> Response:
    """The table as a file download (`fmt` is csv or xlsx)."""
    if fmt == "xlsx":
        body, media = to_xlsx(table), XLSX
    else:
        body, media = to_csv(table), "text/csv; charset=utf-8"
    ascii_stem = stem.encode("ascii", "ignore").decode() or "bao-cao"
    disposition = (
        f"attachment; filename=\"{ascii_stem}.{fmt}\"; filename*=UTF-8''{quote(stem)}.{fmt}"
    )
    return Response(body, media_type=media, headers={**PRIVATE, "Content-Disposition": disposition})
