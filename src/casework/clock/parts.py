"""A limit in several parts: the next part counted from the END of the one before it.

Decree 163/2024/NĐ-CP, Điều 47 (as the telecom licence procedures apply it): the province checks
the dossier's validity in 05 working days, then decides "trong thời hạn 15 ngày kể từ ngày kết
thúc thời hạn xét tính hợp lệ của hồ sơ" — 15 days from the end of the first period, not from the
receipt. `compute_due_parts` runs the first part exactly as `compute_due` (cut-off, the receipt
day not counted, pauses), then each further part from the end of the one before:

- ``days``: the day the previous part ended is not counted (Civil Code art. 147): D = that day +
  N; if D is not a working day, the next working day; due = the close of D;
- ``working_days``: counting starts at the first office window of the next working day;
- ``hours``: counting continues from the previous part's end instant.

There is no cut-off between parts: the first part ends at a close or inside office hours, and that
day is the day "the period ended". A pause counts in the part it falls in, by that part's rule;
each part ignores the pause time before it starts, so no pause is counted twice. Pure functions,
no database and no HTTP.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import NamedTuple

from casework.clock.calendar import WorkCalendar, default_calendar, fmt_day
from casework.clock.deadlines import (
    DueResult,
    LimitUnit,
    PartDue,
    PauseLike,
    _close_pauses,
    _due_days,
    _explain_working,
    _Line,
    _run_working,
    compute_due,
)
from casework.clock.trace import fmt_instant, fmt_number

FINAL = "Hạn giải quyết"
STILL_PAUSED = "Hồ sơ đang tạm dừng: hạn sẽ lùi thêm cho đến khi tiếp tục xử lý."


class LimitPart(NamedTuple):
    """One part of a limit: ``value`` in ``unit``; ``label`` says what it is for."""

    value: float
    unit: LimitUnit | str
    label: str = ""


def part_text(value: float, unit: LimitUnit | str, label: str = "") -> str:
    """'5 ngày làm việc (xét tính hợp lệ của hồ sơ)': the value, the unit, the label if any."""
    words = f"{fmt_number(value)} {LimitUnit(unit).label}"
    return f"{words} ({label})" if label else words


def _words(parts: Sequence[LimitPart]) -> list[str]:
    out = [part_text(*parts[0])]
    out.extend(f"rồi {part_text(*p)} kể từ ngày kết thúc thời hạn trên" for p in parts[1:])
    return out


def parts_text(parts: Sequence[LimitPart | tuple[float, str, str]]) -> str:
    """The whole limit in words; each later part 'kể từ ngày kết thúc thời hạn' before it."""
    items = [LimitPart(*p) for p in parts]
    if len(items) == 1:
        return part_text(items[0].value, items[0].unit)
    return ", ".join(_words(items))


def compute_due_parts(
    received: datetime,
    parts: Sequence[LimitPart | tuple[float, str, str]],
    calendar: WorkCalendar | None = None,
    *,
    pauses: Sequence[PauseLike] = (),
    now: datetime | None = None,
    explain: bool = True,
) -> DueResult:
    """The due of a limit in parts, each after the end of the one before (see the module).

    One part: exactly `compute_due`. Several: `due` is the end of the last part, `parts` lists
    each part's start and end, `limit`/`unit` are the last part's, the paused minutes and days
    are summed, and the trace tells each part in turn."""
    items = [LimitPart(*p) for p in parts]
    if not items:
        raise ValueError("thời hạn phải có ít nhất một phần")
    cal = calendar if calendar is not None else default_calendar()
    first = compute_due(
        received, items[0].value, items[0].unit, cal, pauses=pauses, now=now, explain=explain
    )
    if len(items) == 1:
        return first
    results = [first]
    for part in items[1:]:
        results.append(_after(results[-1].due, part, cal, pauses, now, explain, received))
    dues = tuple(
        PartDue(p.label, float(p.value), LimitUnit(p.unit), r.clock_start, r.due, words)
        for p, r, words in zip(items, results, _words(items), strict=True)
    )
    trace: tuple[str, ...] = ()
    if explain:
        lines: list[str] = [f"Thời hạn gồm {len(items)} phần: {parts_text(items)}."]
        for i, (p, r) in enumerate(zip(items, results, strict=True)):
            body = list(r.trace)
            if i < len(items) - 1 and body and body[-1].startswith(FINAL):
                body[-1] = body[-1].replace(FINAL, f"Hết thời hạn {part_text(*p)}", 1)
            lines.extend(x for x in body if x != STILL_PAUSED)
        if any(r.pause_open for r in results):
            lines.append(STILL_PAUSED)
        trace = tuple(lines)
    last = results[-1]
    return DueResult(
        effective_receipt_day=first.effective_receipt_day,
        due=last.due,
        paused_working_minutes=sum(r.paused_working_minutes for r in results),
        trace=trace,
        clock_start=first.clock_start,
        limit=last.limit,
        unit=last.unit,
        paused_calendar_days=sum(r.paused_calendar_days for r in results),
        pause_open=any(r.pause_open for r in results),
        parts=dues,
    )


def _after(
    end: datetime,
    part: LimitPart,
    cal: WorkCalendar,
    pauses: Sequence[PauseLike],
    now: datetime | None,
    explain: bool,
    received: datetime,
) -> DueResult:
    """One later part, counted from `end` (the previous part's end)."""
    unit = LimitUnit(part.unit)
    limit = float(part.value)
    if limit < 0 or limit != limit:
        raise ValueError(f"thời hạn phải là số không âm, không phải {part.value!r}")
    if unit is LimitUnit.DAYS and limit != int(limit):
        raise ValueError("thời hạn tính theo ngày (days) phải là số nguyên")
    line = _Line.get(cal, received.year - 1)
    merged, is_open = _close_pauses(line, pauses, now) if pauses else ([], False)
    if merged and merged[0][0].year <= line.ix.first_year:
        line = _Line.get(cal, merged[0][0].year - 1)
    lt = line.local(end)
    day = lt.date()
    words = part_text(limit, unit, part.label)
    if unit is LimitUnit.DAYS:
        n = int(limit)
        head = [
            f"Tiếp theo: {words}, kể từ ngày kết thúc thời hạn trên, không tính ngày đó "
            f"(Điều 147 Bộ luật Dân sự): {fmt_day(day)} + {n} ngày = "
            f"{fmt_day(day + timedelta(days=n))}."
        ]
        res = _due_days(line, lt, day, n, merged, is_open, explain, head=head)
        # a part never ends before the one before it (0 days after an hours part that ended
        # after the close)
        return res if res.due >= lt else res._replace(due=lt)
    if unit is LimitUnit.WORKING_DAYS:
        i = line.ix.next_index(day.toordinal() + 1)
        start = i * line.L
        clock_start = line.midnight(line.ix.ordinal(i)) + line.open
        need = round(limit * line.L)
        intro = "không tính ngày đó (Điều 147 Bộ luật Dân sự): bắt đầu tính từ"
    else:
        start = line.pos(lt)
        clock_start = max(line.start_instant(start), lt)
        need = round(limit * 3600)
        intro = "tính tiếp ngay từ"
    target, paused, used = (
        _run_working(line, start, need, merged) if merged else (start + need, 0, [])
    )
    due = line.instant(target)
    trace: tuple[str, ...] = ()
    if explain:
        head = [
            f"Tiếp theo: {words}, kể từ ngày kết thúc thời hạn trên, {intro} "
            f"{fmt_instant(clock_start)}."
        ]
        trace = tuple(
            _explain_working(line, lt, day, limit, unit, clock_start, due, used, is_open, head)
        )
    return DueResult(
        effective_receipt_day=day,
        due=max(due, lt),
        paused_working_minutes=paused // 60,
        trace=trace,
        clock_start=clock_start,
        limit=limit,
        unit=unit,
        pause_open=is_open,
    )


__all__ = ["LimitPart", "compute_due_parts", "part_text", "parts_text"]
