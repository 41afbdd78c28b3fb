"""How many dossiers arrive on each day, and how the days are cut into batches.

The volume follows the Vietnamese administrative year: busier in the weeks before Tết (everyone
wants the paper before the holiday), a dip over Tết and the week after it, busier in spring and in
late autumn, quieter in summer; Mondays a little busier than Fridays; on days off only online
filings arrive (a few). The allocation is exact (largest remainder), so `--dossiers N` gives N.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from casework.clock import WorkCalendar

#: First day of the lunar new year (mùng 1 Tết).
TET = {
    2020: date(2020, 1, 25), 2021: date(2021, 2, 12), 2022: date(2022, 2, 1),
    2023: date(2023, 1, 22), 2024: date(2024, 2, 10), 2025: date(2025, 1, 29),
    2026: date(2026, 2, 17), 2027: date(2027, 2, 6), 2028: date(2028, 1, 26),
    2029: date(2029, 2, 13), 2030: date(2030, 2, 3), 2031: date(2031, 1, 23),
    2032: date(2032, 2, 11), 2033: date(2033, 1, 31), 2034: date(2034, 2, 19),
    2035: date(2035, 2, 8),
}  # fmt: skip
#: Month factors: spring and late autumn busy, summer quiet (Tết is handled separately).
MONTH = {1: 1.05, 2: 0.95, 3: 1.15, 4: 1.15, 5: 1.1, 6: 0.95, 7: 0.85, 8: 0.85, 9: 1.0,
         10: 1.15, 11: 1.2, 12: 1.1}  # fmt: skip
WEEKDAY = (1.12, 1.05, 1.0, 1.0, 0.88, 1.0, 1.0)
#: A day off gets this share of a working day's volume (online filings only).
DAY_OFF = 0.07


def tet_factor(d: date) -> float:
    """Busier in the three weeks before Tết, quieter in the ten days after the holiday."""
    for year in (d.year, d.year + 1):
        tet = TET.get(year)
        if tet is None:
            continue
        delta = (tet - d).days
        if 0 < delta <= 21:
            return 1.0 + 0.5 * (21 - delta) / 21 + 0.1
        if -17 <= delta <= 0:
            return 0.55 + 0.45 * max(0, -delta - 7) / 10
    return 1.0


def day_weight(d: date, cal: WorkCalendar) -> float:
    base = MONTH[d.month] * WEEKDAY[d.weekday()] * tet_factor(d)
    return base if cal.is_working_day(d) else base * DAY_OFF


def add_months(d: date, months: int) -> date:
    """`d` moved by `months` (negative: back), the day clamped to the month's length."""
    y, m = divmod(d.year * 12 + d.month - 1 + months, 12)
    m += 1
    for day in (d.day, 30, 29, 28):
        try:
            return date(y, m, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover


@dataclass(frozen=True)
class Day:
    day: date
    count: int
    #: the part of the day that has happened already (1.0 except for today)
    share: float = 1.0


@dataclass(frozen=True)
class Batch:
    index: int
    days: tuple[Day, ...]

    @property
    def count(self) -> int:
        return sum(d.count for d in self.days)


def allocate(
    total: int, months: int, now: datetime, cal: WorkCalendar
) -> list[Day]:  # fmt: skip
    """Dossiers per local day over the last `months` months up to `now` (today partly)."""
    local_now = now.astimezone(cal.tz)
    today = local_now.date()
    first = add_months(today, -months) + timedelta(days=1)
    days = [first + timedelta(days=i) for i in range((today - first).days + 1)]
    # today counts for the share of the office day already gone (at least a little)
    elapsed = (local_now.hour * 60 + local_now.minute - 8 * 60) / (9 * 60)
    today_share = min(1.0, max(0.05, elapsed))
    weights = [day_weight(d, cal) * (today_share if d == today else 1.0) for d in days]
    # systematic rounding: each day gets its share on average (quiet days too), N in total
    scale = total / sum(weights)
    counts, cum, taken = [], 0.0, 0
    for w in weights:
        cum += w * scale
        upto = min(total, int(cum + 0.5))
        counts.append(upto - taken)
        taken = upto
    counts[-1] += total - taken
    return [
        Day(d, c, today_share if d == today else 1.0) for d, c in zip(days, counts, strict=True)
    ]


def batches(days: list[Day], size: int) -> list[Batch]:
    """Consecutive whole days, about `size` dossiers each (a day is never split: the code
    counters of a day then belong to one batch)."""
    out: list[Batch] = []
    current: list[Day] = []
    n = 0
    for d in days:
        if d.count == 0:
            continue
        current.append(d)
        n += d.count
        if n >= size:
            out.append(Batch(len(out), tuple(current)))
            current, n = [], 0
    if current:
        out.append(Batch(len(out), tuple(current)))
    return out
