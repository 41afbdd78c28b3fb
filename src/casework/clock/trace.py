"""Vietnamese wording for the clock's explanations (dd/mm/yyyy, 24 h)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from casework.clock.calendar import WEEKDAY_VI, WorkCalendar, fmt_date, fmt_day

_FAMILIES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"tết nguyên đán|^\d+ tết$|^mùng \w+ tết|giao thừa"), "nghỉ Tết Nguyên đán"),
    (re.compile(r"tết dương lịch"), "nghỉ Tết Dương lịch"),
    (re.compile(r"giỗ tổ|hùng vương"), "nghỉ lễ Giỗ Tổ Hùng Vương"),
    (re.compile(r"quốc khánh|2/9"), "nghỉ lễ Quốc khánh 2/9"),
    (re.compile(r"chiến thắng|thống nhất|30/4"), "nghỉ lễ Chiến thắng 30/4"),
    (re.compile(r"lao động|1/5"), "nghỉ lễ Quốc tế Lao động 1/5"),
)


def holiday_family(name: str) -> str:
    """A day-off name as the reason for a run of skipped days: "nghỉ Tết Nguyên đán", …"""
    low = re.sub(r"\s*\(.*\)\s*$", "", name.strip()).lower()
    for pattern, label in _FAMILIES:
        if pattern.search(low):
            return label
    if name.lower().startswith("nghỉ"):
        return "n" + name[1:]
    return f"nghỉ {name}"


def fmt_time(t: datetime) -> str:
    return t.strftime("%H:%M:%S" if t.second else "%H:%M")


def fmt_instant(t: datetime) -> str:
    """``16:20 thứ Sáu 13/02/2026`` (local time of `t`)."""
    return f"{fmt_time(t)} {fmt_day(t.date())}"


def fmt_range(a: date, b: date) -> str:
    if a == b:
        return fmt_date(a)
    if a.year == b.year:
        return f"{a:%d/%m}–{fmt_date(b)}"
    return f"{fmt_date(a)}–{fmt_date(b)}"


def fmt_minutes(minutes: int) -> str:
    h, m = divmod(minutes, 60)
    if h and m:
        return f"{h} giờ {m} phút"
    return f"{h} giờ" if h else f"{m} phút"


def fmt_number(x: float) -> str:
    """5 -> "5", 0.5 -> "0,5" (Vietnamese decimal comma)."""
    s = f"{x:.4f}".rstrip("0").rstrip(".")
    return s.replace(".", ",")


def skipped_days(cal: WorkCalendar, first: date, last: date) -> list[str]:
    """Lines explaining the days in [first, last] that were not counted, and working weekends.

    Runs that contain a named day off get their own line ("bỏ qua 14/02–22/02/2026: nghỉ Tết
    Nguyên đán"); plain weekends are summed up in one line so long limits stay readable."""
    lines: list[str] = []
    weekend_days = 0
    weekend_names: set[int] = set()  # the weekdays of the plain days off actually skipped
    run: list[date] = []

    def close_run() -> None:
        nonlocal weekend_days
        if not run:
            return
        reasons: list[str] = []
        for d in run:
            _, name = cal.day_status(d)
            if name is not None:
                label = holiday_family(name)
                if label not in reasons:
                    reasons.append(label)
        if reasons:
            lines.append(f"Bỏ qua {fmt_range(run[0], run[-1])}: {'; '.join(reasons)}.")
        else:
            weekend_days += len(run)
            weekend_names.update(d.weekday() for d in run)
        run.clear()

    d = first
    while d <= last:
        working, name = cal.day_status(d)
        if working:
            close_run()
            if d.weekday() not in cal.weekdays:
                why = f" ({name})" if name else ""
                lines.append(f"Tính {fmt_day(d)} là ngày làm việc{why}.")
        else:
            run.append(d)
        d += timedelta(days=1)
    close_run()
    if weekend_days:
        names = ", ".join(WEEKDAY_VI[w] for w in sorted(weekend_names))
        lines.append(f"Không tính {weekend_days} ngày nghỉ cuối tuần ({names}).")
    return lines
