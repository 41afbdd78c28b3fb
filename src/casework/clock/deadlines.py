"""Due instants, pauses and buckets (DESIGN §5). Pure functions: no database, no HTTP.

Working time is measured on a *working timeline*: position p (in seconds) = (number of working
days before the day) × day length + working seconds already elapsed in that day's office
windows. Every instant maps to a position (instants outside office hours map to the next window's
start), and a position maps back to the *earliest* instant that reaches it — so exactly 4 hours
into a 08:00–12:00 / 13:00–17:00 day ends at 12:00, and a whole number of days ends at 17:00 of
the last day, never at 08:00 of the next. Pauses are intervals on the same timeline.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import NamedTuple

from casework.clock.calendar import WorkCalendar, _Index, default_calendar, fmt_day
from casework.clock.trace import fmt_instant, fmt_minutes, fmt_number, fmt_time, skipped_days


class LimitUnit(StrEnum):
    WORKING_DAYS = "working_days"
    DAYS = "days"
    HOURS = "hours"

    @property
    def label(self) -> str:
        return {"working_days": "ngày làm việc", "days": "ngày", "hours": "giờ làm việc"}[self]


class Bucket(StrEnum):
    """Finished: early / on_time / late. Open: overdue / due_soon / on_track."""

    EARLY = "early"
    ON_TIME = "on_time"
    LATE = "late"
    OVERDUE = "overdue"
    DUE_SOON = "due_soon"
    ON_TRACK = "on_track"

    @property
    def label(self) -> str:
        return _BUCKET_LABELS[self]


_BUCKET_LABELS = {
    Bucket.EARLY: "Trước hạn",
    Bucket.ON_TIME: "Đúng hạn",
    Bucket.LATE: "Trễ hạn",
    Bucket.OVERDUE: "Quá hạn",
    Bucket.DUE_SOON: "Sắp đến hạn",
    Bucket.ON_TRACK: "Trong hạn",
}


class Pause(NamedTuple):
    """A pause of the clock. `end` None = still paused (closed at `now` for the computation)."""

    start: datetime
    end: datetime | None = None
    reason: str = ""


PauseLike = Pause | tuple[datetime, datetime | None]


class PartDue(NamedTuple):
    """One part of a limit in several parts (`compute_due_parts`): what it is and when it ends."""

    label: str
    value: float
    unit: LimitUnit
    #: the instant this part starts to run (the first part: as `DueResult.clock_start`)
    start: datetime
    #: the end of this part, moved later by the pauses that fell inside it
    due: datetime
    #: the part in words: "5 ngày làm việc (xét tính hợp lệ của hồ sơ)", "rồi 15 ngày … kể từ …"
    text: str = ""


class DueResult(NamedTuple):
    """The outcome of one computation (immutable). `due` is in the calendar's time zone."""

    effective_receipt_day: date
    due: datetime
    paused_working_minutes: int
    trace: tuple[str, ...]
    #: the instant the counting starts (08:00 of the day after R for working days; 00:00 of the
    #: day after R for days; the receipt instant or the next window opening for hours)
    clock_start: datetime
    limit: float
    unit: LimitUnit
    #: for a `days` limit: whole calendar days added for pauses (0 for other units)
    paused_calendar_days: int = 0
    #: a pause without an end was closed at `now`: `due` is the earliest it can still be
    pause_open: bool = False
    #: a limit in several parts (`compute_due_parts`): each part and its end; () for one part
    parts: tuple[PartDue, ...] = ()


_WORKING_DAYS = LimitUnit.WORKING_DAYS
_DAYS = LimitUnit.DAYS
_HOURS = LimitUnit.HOURS


class ExtensionBuckets(NamedTuple):
    original: Bucket  # against the legal due (what the statistics use)
    extended: Bucket  # against the new appointment (Mẫu 04)


class StepResult(NamedTuple):
    due: DueResult
    bucket: Bucket


# ---- the working timeline ----------------------------------------------------------------------


_SECONDS: dict[int, timedelta] = {}


def _seconds(sec: int) -> timedelta:
    td = _SECONDS.get(sec)
    if td is None:
        td = _SECONDS[sec] = timedelta(seconds=sec)
    return td


class _Line:
    """Position <-> instant on one calendar's working timeline (seconds)."""

    __slots__ = ("cal", "ix", "tz", "L", "windows", "cutoff", "open", "close", "midnights")

    def __init__(self, cal: WorkCalendar, year: int) -> None:
        self.cal = cal
        self.ix: _Index = cal._index(year)
        self.tz = cal._tz
        self.L = cal._day_seconds
        self.windows = cal._windows
        c = cal.cutoff
        self.cutoff = c.hour * 3600 + c.minute * 60 + c.second
        self.open = timedelta(seconds=self.windows[0][0])
        self.close = timedelta(seconds=self.windows[-1][1])
        self.midnights: dict[int, datetime] = {}

    @staticmethod
    def get(cal: WorkCalendar, year: int) -> _Line:
        """The calendar's cached line, valid for instants from `year` on."""
        line = cal._state.get("line")
        if line is None or year < line.ix.first_year:
            line = _Line(cal, year)
            cal._state["line"] = line
        elif year + 1 > line.ix.last_year:
            line.ix.extend_to(year + 1)
        assert isinstance(line, _Line)
        return line

    def local(self, t: datetime) -> datetime:
        lt = t.replace(tzinfo=self.tz) if t.tzinfo is None else t.astimezone(self.tz)
        return lt.replace(microsecond=0) if lt.microsecond else lt

    def midnight(self, o: int) -> datetime:
        m = self.midnights.get(o)
        if m is None:
            m = datetime.fromordinal(o).replace(tzinfo=self.tz)
            self.midnights[o] = m
        return m

    def pos(self, lt: datetime) -> int:
        """Working seconds before local instant `lt` (outside office hours: the next window)."""
        o = lt.toordinal()
        i = self.ix.pos.get(o)
        if i is None:
            return self.ix.next_index(o) * self.L
        s = lt.hour * 3600 + lt.minute * 60 + lt.second
        base = i * self.L
        for ws, we, cum in self.windows:
            if s < ws:
                return base + cum
            if s < we:
                return base + cum + s - ws
        return base + self.L

    def instant(self, p: int) -> datetime:
        """The earliest local instant at which position `p` is reached."""
        i, r = divmod(p, self.L)
        if r == 0 and i > 0:
            i -= 1
            r = self.L
        sec = 0
        for ws, we, cum in self.windows:
            if r <= cum + we - ws:
                sec = ws + r - cum
                break
        return self.midnight(self.ix.ordinal(i)) + _seconds(sec)

    def start_instant(self, p: int) -> datetime:
        """The instant from which position `p` starts to run (a window opening, not a close)."""
        i, r = divmod(p, self.L)
        sec = self.windows[0][0]
        for ws, we, cum in self.windows:
            if r < cum + we - ws:
                sec = ws + r - cum
                break
        return self.midnight(self.ix.ordinal(i)) + _seconds(sec)

    def close_of(self, d: date) -> datetime:
        return self.midnight(d.toordinal()) + self.close


def _effective_day(line: _Line, lt: datetime) -> date:
    o = lt.toordinal()
    if o in line.ix.pos and lt.hour * 3600 + lt.minute * 60 + lt.second <= line.cutoff:
        return lt.date()
    return date.fromordinal(line.ix.ordinal(line.ix.next_index(o + 1)))


def _close_pauses(
    line: _Line, pauses: Iterable[PauseLike], now: datetime | None
) -> tuple[list[tuple[datetime, datetime]], bool]:
    """Local (start, end) pairs, sorted and merged; open pauses closed at `now`."""
    out: list[tuple[datetime, datetime]] = []
    is_open = False
    for p in pauses:
        start, end = p[0], p[1]
        if end is None:
            if now is None:
                raise ValueError("tạm dừng chưa kết thúc: cần truyền now để tính hạn dự kiến")
            end = now
            is_open = True
        a, b = line.local(start), line.local(end)
        if b < a:
            raise ValueError(f"tạm dừng kết thúc ({fmt_instant(b)}) trước khi bắt đầu")
        out.append((a, b))
    out.sort()
    merged: list[tuple[datetime, datetime]] = []
    for a, b in out:
        if merged and a <= merged[-1][1]:
            if b > merged[-1][1]:
                merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    return merged, is_open


def _run_working(
    line: _Line, start: int, need: int, pauses: list[tuple[datetime, datetime]]
) -> tuple[int, int, list[tuple[datetime, datetime, int]]]:
    """Target position after `need` working seconds from `start`, skipping paused positions.

    Returns (target, paused seconds, [(pause start, pause end, seconds added)])."""
    target = start + need
    paused = 0
    used: list[tuple[datetime, datetime, int]] = []
    for a_t, b_t in pauses:
        a, b = line.pos(a_t), line.pos(b_t)
        a = max(a, start)
        if b <= a:
            continue
        if a >= target:
            break
        target += b - a
        paused += b - a
        used.append((a_t, b_t, b - a))
    return target, paused, used


# ---- the public functions ----------------------------------------------------------------------


def compute_due(
    received: datetime,
    limit: float,
    unit: LimitUnit | str = LimitUnit.WORKING_DAYS,
    calendar: WorkCalendar | None = None,
    *,
    pauses: Sequence[PauseLike] = (),
    now: datetime | None = None,
    explain: bool = True,
) -> DueResult:
    """The due instant of a dossier received (complete and valid) at `received`.

    `received`, pause bounds and `now` should be timezone-aware; naive values are read as the
    calendar's local time. `limit` may be fractional for ``working_days`` and ``hours``, must be
    a whole number for ``days``. `pauses` are (start, end) pairs or `Pause`; an end of None means
    "still paused" and is closed at `now` (required then). With ``explain=False`` the trace is
    left empty (faster)."""
    cal = calendar if calendar is not None else default_calendar()
    if unit.__class__ is not LimitUnit:
        unit = LimitUnit(unit)
    if not math.isfinite(limit) or limit < 0:
        raise ValueError(f"thời hạn phải là số không âm, không phải {limit!r}")
    if unit is _DAYS and limit != int(limit):
        raise ValueError("thời hạn tính theo ngày (days) phải là số nguyên")
    line = _Line.get(cal, received.year - 1)
    lt = line.local(received)
    if pauses:
        merged, is_open = _close_pauses(line, pauses, now)
        if merged and merged[0][0].year <= line.ix.first_year:
            line = _Line.get(cal, merged[0][0].year - 1)
    else:
        merged, is_open = [], False
    r_day = _effective_day(line, lt)
    if unit is _DAYS:
        return _due_days(line, lt, r_day, int(limit), merged, is_open, explain)
    if unit is _WORKING_DAYS:
        i = line.ix.pos[r_day.toordinal()] + 1
        start = i * line.L
        need = round(limit * line.L)
        clock_start = line.midnight(line.ix.ordinal(i)) + line.open
    else:
        start = line.pos(lt)
        need = round(limit * 3600)
        clock_start = line.start_instant(start)
        if clock_start < lt:  # inside an office window: the receipt instant itself
            clock_start = lt
    if merged:
        target, paused, used = _run_working(line, start, need, merged)
    else:
        target, paused, used = start + need, 0, []
    due = line.instant(target)
    if due < lt:  # hours, N = 0, received outside office hours
        due = lt
    trace: tuple[str, ...] = ()
    if explain:
        trace = tuple(
            _explain_working(line, lt, r_day, limit, unit, clock_start, due, used, is_open)
        )
    return DueResult(
        effective_receipt_day=r_day,
        due=due,
        paused_working_minutes=paused // 60,
        trace=trace,
        clock_start=clock_start,
        limit=limit,
        unit=unit,
        pause_open=is_open,
    )


def _due_days(
    line: _Line,
    lt: datetime,
    r_day: date,
    n: int,
    pauses: list[tuple[datetime, datetime]],
    is_open: bool,
    explain: bool,
    head: list[str] | None = None,
) -> DueResult:
    """`head`: the trace's first lines instead of the receipt and the limit (a later part)."""
    ix = line.ix
    day0 = r_day + timedelta(days=1)
    clock_start = line.midnight(day0.toordinal())
    extra = 0
    paused_work = 0
    used: list[tuple[datetime, datetime, int]] = []

    def due_for(k: int) -> tuple[date, date, datetime]:
        raw = r_day + timedelta(days=n + k)
        d = date.fromordinal(ix.ordinal(ix.next_index(raw.toordinal())))
        return raw, d, line.close_of(d)

    raw, d, due = due_for(0)
    for a, b in pauses:
        a = max(a, clock_start)
        if b <= a:
            continue
        if a >= due:
            break
        k = math.ceil((b - a).total_seconds() / 86400)
        extra += k
        paused_work += line.pos(b) - line.pos(a)
        used.append((a, b, k))
        raw, d, due = due_for(extra)
    trace: tuple[str, ...] = ()
    if explain:
        if head is None:
            lines = _explain_receipt(line, lt, r_day)
            lines.append(
                f"Thời hạn {n} ngày (ngày theo lịch), không tính ngày tiếp nhận: "
                f"{fmt_day(r_day)} + {n} ngày = {fmt_day(r_day + timedelta(days=n))}."
            )
        else:
            lines = list(head)
        for a, b, k in used:
            lines.append(
                f"Tạm dừng từ {fmt_instant(a)} đến {fmt_instant(b)}"
                f"{' (chưa kết thúc, tính đến lúc này)' if is_open and b == pauses[-1][1] else ''}"
                f": cộng thêm {k} ngày."
            )
        if extra:
            lines.append(f"Sau khi cộng {extra} ngày tạm dừng: {fmt_day(raw)}.")
        if d != raw:
            lines.append(
                f"{fmt_day(raw)[0].upper()}{fmt_day(raw)[1:]} không phải ngày làm việc "
                f"({line.cal.skip_reason(raw)}): chuyển sang ngày làm việc tiếp theo."
            )
            lines.extend(skipped_days(line.cal, raw, d - timedelta(days=1)))
        lines.append(f"Hạn giải quyết: {fmt_instant(due)}.")
        trace = tuple(lines)
    return DueResult(
        effective_receipt_day=r_day,
        due=due,
        paused_working_minutes=paused_work // 60,
        trace=trace,
        clock_start=clock_start,
        limit=float(n),
        unit=LimitUnit.DAYS,
        paused_calendar_days=extra,
        pause_open=is_open,
    )


def _explain_receipt(line: _Line, lt: datetime, r_day: date) -> list[str]:
    cal = line.cal
    lines = [f"Nhận hồ sơ lúc {fmt_instant(lt)}."]
    d = lt.date()
    working, _ = cal.day_status(d)
    cutoff = fmt_time(datetime.combine(d, cal.cutoff))
    if r_day == d:
        lines.append(f"Nhận trong ngày làm việc, không muộn hơn giờ chốt {cutoff}.")
    elif not working:
        lines.append(
            f"Ngày {fmt_day(d)} không phải ngày làm việc ({cal.skip_reason(d)}): "
            "tính là nhận vào ngày làm việc tiếp theo."
        )
    else:
        lines.append(f"Nhận sau giờ chốt {cutoff}: tính là nhận vào ngày làm việc tiếp theo.")
    if r_day != d:
        lines.extend(skipped_days(cal, d + timedelta(days=1), r_day - timedelta(days=1)))
    lines.append(f"Ngày tiếp nhận để tính hạn: {fmt_day(r_day)}.")
    return lines


def _explain_working(
    line: _Line,
    lt: datetime,
    r_day: date,
    limit: float,
    unit: LimitUnit,
    clock_start: datetime,
    due: datetime,
    used: list[tuple[datetime, datetime, int]],
    is_open: bool,
    head: list[str] | None = None,
) -> list[str]:
    """`head`: the first lines instead of the receipt and the limit (a later part)."""
    cal = line.cal
    n = fmt_number(limit)
    if head is not None:
        lines = list(head)
    elif unit is LimitUnit.WORKING_DAYS:
        lines = _explain_receipt(line, lt, r_day)
        if limit == 0:
            lines.append("Thời hạn 0 ngày làm việc: hạn là hết giờ làm việc của ngày tiếp nhận.")
        else:
            lines.append(
                f"Thời hạn {n} ngày làm việc ({round(limit * cal.day_minutes)} phút làm việc), "
                "không tính ngày tiếp nhận (Điều 147 Bộ luật Dân sự): bắt đầu tính từ "
                f"{fmt_instant(clock_start)}."
            )
    else:
        lines = [
            f"Nhận hồ sơ lúc {fmt_instant(lt)}; thời hạn {n} giờ làm việc, tính từ lúc nhận "
            "(không áp dụng giờ chốt)."
        ]
        if clock_start > lt:
            lines.append(f"Ngoài giờ làm việc: bắt đầu tính từ {fmt_instant(clock_start)}.")
    first = r_day + timedelta(days=1) if unit is _WORKING_DAYS else clock_start.date()
    if due.date() > first or (due.date() == first and unit is not _WORKING_DAYS):
        lines.extend(skipped_days(cal, first, due.date()))
    for a, b, secs in used:
        still = " (chưa kết thúc, tính đến lúc này)" if is_open and b == used[-1][1] else ""
        lines.append(
            f"Tạm dừng từ {fmt_instant(a)} đến {fmt_instant(b)}{still}: cộng thêm "
            f"{secs // 60} phút làm việc ({fmt_minutes(secs // 60)})."
        )
    word = "Hạn giải quyết"
    if unit is LimitUnit.WORKING_DAYS and limit == int(limit) and limit and not used:
        lines.append(f"{word}: {fmt_instant(due)} (hết ngày làm việc thứ {int(limit)}).")
    else:
        lines.append(f"{word}: {fmt_instant(due)}.")
    if is_open:
        lines.append("Hồ sơ đang tạm dừng: hạn sẽ lùi thêm cho đến khi tiếp tục xử lý.")
    return lines


# ---- steps --------------------------------------------------------------------------------------


def step_due(
    entered: datetime,
    allot: float,
    calendar: WorkCalendar | None = None,
    *,
    pauses: Sequence[PauseLike] = (),
    now: datetime | None = None,
    explain: bool = True,
) -> DueResult:
    """A step's deadline (Mẫu 06): `allot` working days (× day length in working minutes),
    counted from the instant the dossier entered the state (from the next office window if
    outside one). No cut-off and no "day of receipt not counted" rule for steps."""
    cal = calendar if calendar is not None else default_calendar()
    if not math.isfinite(allot) or allot < 0:
        raise ValueError(f"thời gian của bước phải là số không âm, không phải {allot!r}")
    hours = allot * cal.day_minutes / 60
    res = compute_due(entered, hours, LimitUnit.HOURS, cal, pauses=pauses, now=now, explain=explain)
    trace = res.trace
    if explain:
        trace = (
            f"Bước được giao {fmt_number(allot)} ngày làm việc "
            f"({round(allot * cal.day_minutes)} phút làm việc), tính từ lúc hồ sơ chuyển đến bước.",
            *trace[1:-1],
            trace[-1].replace("Hạn giải quyết", "Hạn của bước", 1),
        )
    return DueResult(
        effective_receipt_day=res.clock_start.date(),
        due=res.due,
        paused_working_minutes=res.paused_working_minutes,
        trace=trace,
        clock_start=res.clock_start,
        limit=allot,
        unit=LimitUnit.WORKING_DAYS,
        pause_open=res.pause_open,
    )


def step_status(
    entered: datetime,
    allot: float,
    *,
    left: datetime | None = None,
    now: datetime | None = None,
    calendar: WorkCalendar | None = None,
    pauses: Sequence[PauseLike] = (),
) -> StepResult:
    """Deadline and bucket of one step: finished buckets when `left` is given, else open buckets
    at `now`."""
    cal = calendar if calendar is not None else default_calendar()
    res = step_due(entered, allot, cal, pauses=pauses, now=left or now, explain=False)
    return StepResult(res, bucket(res.due, finished=left, now=now, calendar=cal))


# ---- buckets ------------------------------------------------------------------------------------


def finished_bucket(
    due: datetime,
    finished: datetime,
    *,
    supplement_requests: int = 0,
    calendar: WorkCalendar | None = None,
) -> Bucket:
    """late if F > due or more than one supplement request (Decision 766); on_time if F falls on
    the due's calendar day (local time); early otherwise."""
    if supplement_requests > 1 or finished > due:
        return Bucket.LATE
    tz = calendar.tz if calendar is not None else default_calendar().tz
    if finished.astimezone(tz).date() == due.astimezone(tz).date():
        return Bucket.ON_TIME
    return Bucket.EARLY


def remaining_working_minutes(
    due: datetime, now: datetime, calendar: WorkCalendar | None = None
) -> int:
    """Working minutes from `now` to `due` (0 if past), on the calendar's office windows."""
    cal = calendar if calendar is not None else default_calendar()
    line = _Line.get(cal, min(due.year, now.year) - 1)
    return max(0, line.pos(line.local(due)) - line.pos(line.local(now))) // 60


def elapsed(
    due: datetime,
    finished: datetime,
    limit: float,
    unit: LimitUnit | str = LimitUnit.WORKING_DAYS,
    calendar: WorkCalendar | None = None,
) -> float:
    """Processing time at `finished`, in the limit's own unit (Decision 766 indicator 2.2): the
    limit minus what was left of it at `finished` — more than the limit when late. The due
    already carries the cut-off, the uncounted receipt day and the pauses, so none of those
    count. Working days and hours count office time; days count calendar days. Two decimals."""
    cal = calendar if calendar is not None else default_calendar()
    unit = LimitUnit(unit)
    if unit is _DAYS:
        left = (due.astimezone(cal.tz).date() - finished.astimezone(cal.tz).date()).days
        return float(max(0.0, limit - left))
    line = _Line.get(cal, min(due.year, finished.year) - 1)
    left_seconds = line.pos(line.local(due)) - line.pos(line.local(finished))
    per_unit = line.L if unit is _WORKING_DAYS else 3600
    return round(max(0.0, limit - left_seconds / per_unit), 2)


def open_bucket(
    due: datetime,
    now: datetime,
    *,
    supplement_requests: int = 0,
    calendar: WorkCalendar | None = None,
) -> Bucket:
    """overdue if now > due (or more than one supplement request); due_soon if at most one
    working day (the calendar's day length, 480 min) of working time remains; else on_track."""
    cal = calendar if calendar is not None else default_calendar()
    if supplement_requests > 1 or now > due:
        return Bucket.OVERDUE
    if remaining_working_minutes(due, now, cal) <= cal.day_minutes:
        return Bucket.DUE_SOON
    return Bucket.ON_TRACK


def bucket(
    due: datetime,
    *,
    finished: datetime | None = None,
    now: datetime | None = None,
    supplement_requests: int = 0,
    calendar: WorkCalendar | None = None,
) -> Bucket:
    """`finished_bucket` when `finished` is given, else `open_bucket` at `now`."""
    if finished is not None:
        return finished_bucket(
            due, finished, supplement_requests=supplement_requests, calendar=calendar
        )
    if now is None:
        raise ValueError("cần finished (hồ sơ đã xong) hoặc now (hồ sơ đang xử lý)")
    return open_bucket(due, now, supplement_requests=supplement_requests, calendar=calendar)


def extension_buckets(
    original_due: datetime,
    extended_due: datetime,
    *,
    finished: datetime | None = None,
    now: datetime | None = None,
    supplement_requests: int = 0,
    calendar: WorkCalendar | None = None,
) -> ExtensionBuckets:
    """After an extension (Mẫu 04): the bucket against the legal due (kept for the statistics)
    and against the new appointment."""

    def one(d: datetime) -> Bucket:
        return bucket(
            d,
            finished=finished,
            now=now,
            supplement_requests=supplement_requests,
            calendar=calendar,
        )

    return ExtensionBuckets(original=one(original_due), extended=one(extended_due))


__all__ = [
    "Bucket",
    "DueResult",
    "ExtensionBuckets",
    "LimitUnit",
    "PartDue",
    "Pause",
    "PauseLike",
    "StepResult",
    "bucket",
    "compute_due",
    "extension_buckets",
    "finished_bucket",
    "open_bucket",
    "remaining_working_minutes",
    "step_due",
    "step_status",
]
