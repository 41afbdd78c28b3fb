"""Where a dossier stands against its due, in words a person reads (the queue, the dossier page,
the API's `status_label`).

A finished dossier (processing ended) says how it finished: "Trước hạn" / "Đúng hạn" /
"Trễ hạn". An open one says what is left or how late it is: "Còn 3 ngày làm việc",
"Còn 2 giờ làm việc", "Quá hạn 4 ngày làm việc" — or "Đang tạm dừng" while the clock waits for
the applicant (a supplement, the fee), or "Chưa tính hạn" before the clock starts. The early /
on-time / late words are never used for an open dossier: its statistics bucket (Decision 766
takes a single supplement request as the end of processing) is not its state.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from math import ceil

from casework.clock.calendar import WorkCalendar
from casework.clock.deadlines import Bucket, open_bucket, remaining_working_minutes

PAUSED = "waiting"
NOT_STARTED = "not_started"
ENDED = "ended"


@dataclass(frozen=True)
class Standing:
    """`kind`: a `Bucket` value, `waiting`, `not_started` or `ended` (also the CSS class);
    `days` / `hours`: working days or hours left (open) or working days late (overdue)."""

    kind: str
    days: int | None = None
    hours: int | None = None

    @property
    def label(self) -> str:
        if self.kind == PAUSED:
            return "Đang tạm dừng"
        if self.kind == NOT_STARTED:
            return "Chưa tính hạn"
        if self.kind == ENDED:
            return "Đã kết thúc (không tính hạn)"
        if self.kind == Bucket.OVERDUE:
            return f"Quá hạn {self.days} ngày làm việc" if self.days else "Quá hạn"
        if self.days is not None:
            return f"Còn {self.days} ngày làm việc"
        if self.hours is not None:
            return f"Còn {self.hours} giờ làm việc"
        return Bucket(self.kind).label


def standing(
    *,
    due: datetime | None,
    now: datetime,
    ended: bool,
    result_bucket: str | None,
    paused: bool,
    supplement_requests: int,
    calendar: WorkCalendar,
) -> Standing:
    """The standing of a dossier at `now` (see the module's docstring)."""
    if ended:
        return Standing(result_bucket) if result_bucket else Standing(ENDED)
    if paused:
        return Standing(PAUSED)
    if due is None:
        return Standing(NOT_STARTED)
    kind = open_bucket(due, now, supplement_requests=supplement_requests, calendar=calendar)
    day = calendar.day_minutes
    if now > due:  # whole or started working days since the due
        late = remaining_working_minutes(now, due, calendar)
        return Standing(kind.value, days=max(1, ceil(late / day)))
    if kind is Bucket.OVERDUE:  # more than one supplement request: late whatever the time
        return Standing(kind.value)
    left = remaining_working_minutes(due, now, calendar)
    if left >= day:
        return Standing(kind.value, days=ceil(left / day))
    return Standing(kind.value, hours=ceil(left / 60))
