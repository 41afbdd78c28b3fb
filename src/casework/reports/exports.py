"""Every report table leaves as CSV or XLSX with its Vietnamese headers.

A report builds a `Table` (title, headers, rows of plain values); the page draws it and
`csv_response` / `xlsx_response` send the same rows. CSV is UTF-8 with a BOM, so Excel opens the
Vietnamese text correctly; XLSX keeps numbers as numbers and instants as Excel date-times.
Instants are written in Vietnam time (Asia/Ho_Chi_Minh), as dd/mm/yyyy HH:MM.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi.responses import Response

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


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(LOCAL).replace(tzinfo=None) if value.tzinfo else value
    if value is None:
        return ""
    return value


def _csv_text(value: Any) -> str:
    if isinstance(value, datetime):
        return (value.astimezone(LOCAL) if value.tzinfo else value).strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    text = "" if value is None else str(value)
    # a cell starting with = + - @ would be read as a formula by a spreadsheet
    return "'" + text if text[:1] in ("=", "+", "-", "@") and not _number(text) else text


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def to_csv(table: Table) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(table.headers)
    for row in table.rows:
        writer.writerow([_csv_text(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(table: Table) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook(write_only=False)
    ws = wb.active
    assert ws is not None
    ws.title = re.sub(r"[\\/*?:\[\]]", "-", table.title)[:31] or "Bảng"
    ws.append([table.title])
    ws["A1"].font = Font(bold=True, size=13)
    for note in table.notes:
        ws.append([note])
    ws.append(table.headers)
    header_row = ws.max_row
    for cell in ws[header_row]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for row in table.rows:
        ws.append([_cell(v) for v in row])
        for i, cell in enumerate(ws[ws.max_row]):
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
