"""The timeliness report as a table (page and exports), and how its numbers are written.

The columns follow the reconciliation of `reports.progress`: to handle (= carried over +
received), finished (= early + on time + late + ended before the clock started), in progress
(= on track + due soon + overdue + paused + clock not started), so every row and the total row
add up in the file as on the page.
"""

from __future__ import annotations

from typing import Any

from casework.reports.exports import Table
from casework.reports.queries import Row
from casework.web.i18n import N_

#: the in-progress parts, in column order, with their headers
IN_PROGRESS = (
    ("on_track", N_("Còn hạn")),
    ("due_soon", N_("Sắp đến hạn")),
    ("overdue", N_("Quá hạn")),
    ("paused", N_("Đang tạm dừng (chưa quá hạn)")),
    ("not_started", N_("Chưa bắt đầu tính thời hạn")),
)
#: Excel number format of the processing times: one decimal
DURATION_FORMAT = "0.0"


def decimal(value: float | None, digits: int = 1) -> str:
    """A number with a Vietnamese decimal comma: 2.5 → "2,5" ("" for none)."""
    return "" if value is None else f"{value:.{digits}f}".replace(".", ",")


def duration(value: float | None, unit_label: str, hours_per_day: float = 8.0) -> str:
    """A processing time in its procedure's unit with one decimal ("2,5 ngày làm việc"); a time
    in working days too short to show at one decimal is shown in working hours as well."""
    if value is None:
        return ""
    text = f"{decimal(value)} {unit_label}".strip()
    if unit_label == "ngày làm việc" and 0 < value < 0.05:
        text += f" (≈ {decimal(value * hours_per_day)} giờ làm việc)"
    return text


def in_progress_label(current: bool) -> str:
    return N_("Đang giải quyết (hiện tại)") if current else N_("Đang giải quyết (cuối kỳ)")


def timeliness_table(
    title: str, group: str, rows: list[Row], total: Row, *, current: bool, notes: list[str]
) -> Table:
    headers = [
        "Mã" if group == "procedure" else "Mã đơn vị",
        "Thủ tục" if group == "procedure" else "Đơn vị",
        "Tổng số phải giải quyết",
        "Kỳ trước chuyển sang",
        "Tiếp nhận trong kỳ",
        "Giải quyết xong",
        "Trước hạn",
        "Đúng hạn",
        "Trễ hạn",
        "Kết thúc khi chưa tính hạn",
        "Tỉ lệ trước hạn và đúng hạn (%)",
        in_progress_label(current),
        *(label for _, label in IN_PROGRESS),
        "Thời gian trung bình",
        "Thời gian trung vị",
        "Đơn vị thời gian",
        "Thời hạn luật định",
        "Lượt yêu cầu bổ sung",
        "Lượt gia hạn",
    ]
    first_time = headers.index("Thời gian trung bình")
    table = Table(
        title,
        headers,
        notes=notes,
        formats={first_time: DURATION_FORMAT, first_time + 1: DURATION_FORMAT},
    )
    for r in [*rows, total]:
        cells: list[Any] = [
            r.key or "",
            r.label,
            r.to_handle,
            r.carried,
            r.received,
            r.finished,
            r.early,
            r.on_time,
            r.late,
            r.unrated,
            None if r.on_time_rate is None else round(r.on_time_rate, 1),
            r.in_progress,
            *(getattr(r, name) for name, _ in IN_PROGRESS),
            None if r.average is None else round(r.average, 2),
            r.median,
            r.unit_label,
            r.limit,
            r.supplement_requests,
            r.extensions,
        ]
        table.rows.append(cells)
    return table
