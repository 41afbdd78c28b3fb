"""Due instants, table-driven. Every expected value was worked out by hand from the rule
(DESIGN §5, docs/legal-clock.md) with a printed calendar, not produced by the code under test."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from casework.clock import LimitUnit, Pause, WorkCalendar, compute_due, default_calendar

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
NONE_CAL = WorkCalendar(name="Chỉ thứ Hai – thứ Sáu", base="none")


def at(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, s, tzinfo=TZ)


# (id, received, limit, expected effective receipt day, expected due)
WORKING_DAYS = [
    # the DESIGN example: after the cut-off on the Friday before Tết 2026
    ("tet2026-design-example", at(2026, 2, 13, 16, 20), 5, date(2026, 2, 23), at(2026, 3, 2, 17)),
    ("tet2026-before-cutoff", at(2026, 2, 13, 10), 1, date(2026, 2, 13), at(2026, 2, 23, 17)),
    ("tet2026-received-during", at(2026, 2, 18, 9), 2, date(2026, 2, 23), at(2026, 2, 25, 17)),
    (
        "cutoff-15:00:00-on-time",
        at(2026, 3, 10, 15, 0, 0),
        1,
        date(2026, 3, 10),
        at(2026, 3, 11, 17),
    ),
    ("cutoff-15:00:01-late", at(2026, 3, 10, 15, 0, 1), 1, date(2026, 3, 11), at(2026, 3, 12, 17)),
    ("cutoff-friday-late", at(2026, 3, 13, 15, 30), 1, date(2026, 3, 16), at(2026, 3, 17, 17)),
    ("received-saturday", at(2026, 3, 14, 9), 1, date(2026, 3, 16), at(2026, 3, 17, 17)),
    ("received-sunday", at(2026, 3, 15, 9), 3, date(2026, 3, 16), at(2026, 3, 19, 17)),
    ("received-at-night", at(2026, 3, 10, 22), 2, date(2026, 3, 11), at(2026, 3, 13, 17)),
    ("received-early-morning", at(2026, 3, 10, 6, 30), 1, date(2026, 3, 10), at(2026, 3, 11, 17)),
    ("received-on-holiday-30-4", at(2026, 4, 30, 10), 1, date(2026, 5, 4), at(2026, 5, 5, 17)),
    ("n0-close-of-R", at(2026, 3, 10, 10), 0, date(2026, 3, 10), at(2026, 3, 10, 17)),
    ("n0-after-cutoff", at(2026, 3, 13, 16), 0, date(2026, 3, 16), at(2026, 3, 16, 17)),
    ("n0-on-holiday", at(2026, 1, 1, 9), 0, date(2026, 1, 5), at(2026, 1, 5, 17)),
    ("fraction-0.25", at(2026, 3, 10, 10), 0.25, date(2026, 3, 10), at(2026, 3, 11, 10)),
    ("fraction-0.5-ends-12:00", at(2026, 3, 10, 10), 0.5, date(2026, 3, 10), at(2026, 3, 11, 12)),
    ("fraction-0.75", at(2026, 3, 10, 10), 0.75, date(2026, 3, 10), at(2026, 3, 11, 15)),
    ("fraction-1.5", at(2026, 3, 10, 10), 1.5, date(2026, 3, 10), at(2026, 3, 12, 12)),
    ("fraction-2.5-over-weekend", at(2026, 3, 11, 9), 2.5, date(2026, 3, 11), at(2026, 3, 16, 12)),
    ("fifteen-days", at(2026, 3, 2, 9), 15, date(2026, 3, 2), at(2026, 3, 23, 17)),
    (
        "ten-days-over-gio-to-and-30-4",
        at(2026, 4, 20, 9),
        10,
        date(2026, 4, 20),
        at(2026, 5, 7, 17),
    ),
    # Tết 2025: off Sat 25/01 – Sun 02/02
    ("tet2025-before", at(2025, 1, 24, 14), 3, date(2025, 1, 24), at(2025, 2, 5, 17)),
    ("tet2025-received-during", at(2025, 1, 29, 10), 1, date(2025, 2, 3), at(2025, 2, 4, 17)),
    ("tet2025-29-tet-off", at(2025, 1, 24, 16), 1, date(2025, 2, 3), at(2025, 2, 4, 17)),
    # 2026 swaps: New Year (Fri 02/01 off, Sat 10/01 worked) — missing from the package
    ("newyear2026-fri-02-01-off", at(2025, 12, 31, 10), 1, date(2025, 12, 31), at(2026, 1, 5, 17)),
    ("newyear2026-across-year", at(2025, 12, 29, 10), 3, date(2025, 12, 29), at(2026, 1, 5, 17)),
    ("newyear2026-sat-10-01-worked", at(2026, 1, 9, 10), 1, date(2026, 1, 9), at(2026, 1, 10, 17)),
    (
        "newyear2026-received-sat-10-01",
        at(2026, 1, 10, 9),
        1,
        date(2026, 1, 10),
        at(2026, 1, 12, 17),
    ),
    ("newyear2026-received-fri-02-01", at(2026, 1, 2, 9), 1, date(2026, 1, 5), at(2026, 1, 6, 17)),
    # Hùng Kings 2026: Sun 26/04 with Mon 27/04 off
    ("gioto2026-mon-27-04-off", at(2026, 4, 24, 10), 1, date(2026, 4, 24), at(2026, 4, 28, 17)),
    ("30-4-2026-block", at(2026, 4, 29, 10), 1, date(2026, 4, 29), at(2026, 5, 4, 17)),
    # National Day 2026: Mon 31/08 off, Sat 22/08 worked
    (
        "national2026-sat-22-08-worked",
        at(2026, 8, 21, 10),
        1,
        date(2026, 8, 21),
        at(2026, 8, 22, 17),
    ),
    ("national2026-block", at(2026, 8, 28, 10), 1, date(2026, 8, 28), at(2026, 9, 3, 17)),
    # Fri 21 (1), Sat 22 worked (2), Mon 24 (3)
    ("national2026-count-through", at(2026, 8, 20, 10), 3, date(2026, 8, 20), at(2026, 8, 24, 17)),
    # 2025: Fri 02/05 off swapped for Sat 26/04; Hùng Kings Mon 07/04; National Day Mon 01/09
    ("2025-sat-26-04-worked", at(2025, 4, 25, 10), 1, date(2025, 4, 25), at(2025, 4, 26, 17)),
    (
        "2025-30-4-block-fri-02-05-off",
        at(2025, 4, 29, 10),
        1,
        date(2025, 4, 29),
        at(2025, 5, 5, 17),
    ),
    ("2025-gioto-mon-07-04", at(2025, 4, 4, 10), 1, date(2025, 4, 4), at(2025, 4, 8, 17)),
    ("2025-national-day", at(2025, 8, 29, 10), 1, date(2025, 8, 29), at(2025, 9, 3, 17)),
    # leap days
    ("leap-2024-default-calendar", at(2024, 2, 28, 10), 1, date(2024, 2, 28), at(2024, 2, 29, 17)),
    # offset given in UTC: 09:20Z is 16:20 in Hà Nội, after the cut-off
    (
        "utc-offset-input",
        datetime.fromisoformat("2026-02-13T09:20:00+00:00"),
        5,
        date(2026, 2, 23),
        at(2026, 3, 2, 17),
    ),
]


@pytest.mark.parametrize(
    ("received", "limit", "r_day", "due"),
    [pytest.param(*case[1:], id=case[0]) for case in WORKING_DAYS],
)
def test_working_days(received: datetime, limit: float, r_day: date, due: datetime) -> None:
    res = compute_due(received, limit, "working_days", default_calendar())
    assert res.effective_receipt_day == r_day
    assert res.due == due
    assert res.due.utcoffset() is not None
    assert res.paused_working_minutes == 0


def test_leap_day_base_none_2028() -> None:
    res = compute_due(at(2028, 2, 28, 10), 1, "working_days", NONE_CAL)
    assert res.due == at(2028, 2, 29, 17)
    res = compute_due(at(2028, 2, 25, 10), 4, "days", NONE_CAL)
    assert res.due == at(2028, 2, 29, 17)  # 25/02 + 4 days = Tue 29/02
    res = compute_due(at(2028, 2, 28, 16), 1, "days", NONE_CAL)
    assert (res.effective_receipt_day, res.due) == (date(2028, 2, 29), at(2028, 3, 1, 17))


def test_base_none_has_no_tet() -> None:
    res = compute_due(at(2026, 2, 13, 16, 20), 5, "working_days", NONE_CAL)
    assert res.effective_receipt_day == date(2026, 2, 16)
    assert res.due == at(2026, 2, 23, 17)


def test_package_alone_misses_new_year_2026_swap() -> None:
    package_only = WorkCalendar(name="gói holidays", base="vn")
    assert compute_due(at(2025, 12, 31, 10), 1, "working_days", package_only).due == at(
        2026, 1, 2, 17
    )


# (id, received, days, pauses, expected R, expected due)
DAYS = [
    ("plain", at(2026, 3, 10, 10), 10, [], date(2026, 3, 10), at(2026, 3, 20, 17)),
    ("ends-saturday", at(2026, 3, 11, 10), 10, [], date(2026, 3, 11), at(2026, 3, 23, 17)),
    ("ends-on-30-4-holiday", at(2026, 4, 16, 10), 14, [], date(2026, 4, 16), at(2026, 5, 4, 17)),
    ("ends-in-tet-2026", at(2026, 2, 2, 10), 15, [], date(2026, 2, 2), at(2026, 2, 23, 17)),
    ("after-cutoff", at(2026, 3, 10, 15, 30), 10, [], date(2026, 3, 11), at(2026, 3, 23, 17)),
    ("zero", at(2026, 3, 10, 10), 0, [], date(2026, 3, 10), at(2026, 3, 10, 17)),
    (
        "radiation-25-over-tet-2025",
        at(2025, 1, 20, 9),
        25,
        [],
        date(2025, 1, 20),
        at(2025, 2, 14, 17),
    ),
    (
        "pause-2h-rounds-up-to-1-day",
        at(2026, 3, 10, 10),
        10,
        [(at(2026, 3, 12, 9), at(2026, 3, 12, 11))],
        date(2026, 3, 10),
        at(2026, 3, 23, 17),  # 10/03 + 11 = Sat 21/03 -> Mon 23/03
    ),
    (
        "pause-49h-adds-3-days",
        at(2026, 3, 10, 10),
        10,
        [(at(2026, 3, 12, 9), at(2026, 3, 14, 10))],
        date(2026, 3, 10),
        at(2026, 3, 23, 17),  # 10/03 + 13 = Mon 23/03
    ),
    (
        "pause-after-due-ignored",
        at(2026, 3, 10, 10),
        10,
        [(at(2026, 3, 25, 9), at(2026, 3, 27, 9))],
        date(2026, 3, 10),
        at(2026, 3, 20, 17),
    ),
]


@pytest.mark.parametrize(
    ("received", "limit", "pauses", "r_day", "due"),
    [pytest.param(*case[1:], id=case[0]) for case in DAYS],
)
def test_days(
    received: datetime, limit: int, pauses: list[Pause], r_day: date, due: datetime
) -> None:
    res = compute_due(received, limit, LimitUnit.DAYS, default_calendar(), pauses=pauses)
    assert (res.effective_receipt_day, res.due) == (r_day, due)


def test_days_pause_counts_calendar_days() -> None:
    res = compute_due(
        at(2026, 3, 10, 10), 10, "days", pauses=[(at(2026, 3, 12, 9), at(2026, 3, 14, 10))]
    )
    assert res.paused_calendar_days == 3
    assert res.paused_working_minutes == 480 + 420  # Thu 12 from 09:00, Fri 13 all day


# (id, received, hours, expected due)
HOURS = [
    ("within-morning", at(2026, 3, 10, 9), 2, at(2026, 3, 10, 11)),
    ("across-lunch", at(2026, 3, 10, 10, 30), 3, at(2026, 3, 10, 14, 30)),
    ("exactly-4h-ends-12:00", at(2026, 3, 10, 8), 4, at(2026, 3, 10, 12)),
    ("8h-ends-17:00", at(2026, 3, 10, 8), 8, at(2026, 3, 10, 17)),
    ("overnight", at(2026, 3, 10, 16), 3, at(2026, 3, 11, 10)),
    ("received-in-lunch", at(2026, 3, 10, 12, 30), 1, at(2026, 3, 10, 14)),
    ("received-friday-night", at(2026, 3, 13, 20), 2, at(2026, 3, 16, 10)),
    ("over-tet-2026", at(2026, 2, 13, 16), 8, at(2026, 2, 23, 16)),
    ("no-cutoff-for-hours", at(2026, 3, 10, 15, 30), 1, at(2026, 3, 10, 16, 30)),
    ("fraction-1.5h", at(2026, 3, 10, 11), 1.5, at(2026, 3, 10, 13, 30)),
    ("zero-is-receipt-instant", at(2026, 3, 10, 18, 30), 0, at(2026, 3, 10, 18, 30)),
    ("working-saturday-22-08", at(2026, 8, 21, 16), 2, at(2026, 8, 22, 9)),
]


@pytest.mark.parametrize(
    ("received", "limit", "due"), [pytest.param(*case[1:], id=case[0]) for case in HOURS]
)
def test_hours(received: datetime, limit: float, due: datetime) -> None:
    assert compute_due(received, limit, "hours", default_calendar()).due == due


# (id, received, working days, pauses, expected due, expected paused minutes)
PAUSES = [
    (
        "one-pause-2h",
        at(2026, 3, 10, 10),
        2,
        [(at(2026, 3, 11, 14), at(2026, 3, 11, 16))],
        at(2026, 3, 13, 10),
        120,
    ),
    (
        "pause-spanning-tet-2026",
        at(2026, 2, 9, 10),
        3,
        [(at(2026, 2, 11, 13), at(2026, 2, 24, 10))],
        at(2026, 2, 25, 15),
        1800,  # 240 + 480 + 480 + (Tết skipped) + 480 + 120
    ),
    (
        "two-pauses",
        at(2026, 3, 10, 10),
        2,
        [(at(2026, 3, 11, 8), at(2026, 3, 11, 9)), (at(2026, 3, 12, 16), at(2026, 3, 13, 9))],
        at(2026, 3, 13, 11),
        180,
    ),
    (
        "overlapping-pauses-merged",
        at(2026, 3, 10, 10),
        1,
        [(at(2026, 3, 11, 9), at(2026, 3, 11, 11)), (at(2026, 3, 11, 10), at(2026, 3, 11, 12))],
        at(2026, 3, 12, 11),
        180,
    ),
    (
        "pause-starting-before-clock",
        at(2026, 3, 10, 10),
        1,
        [(at(2026, 3, 10, 11), at(2026, 3, 11, 9))],
        at(2026, 3, 12, 9),
        60,  # only Wed 08:00–09:00 is after the clock started
    ),
    (
        "pause-on-weekend-only",
        at(2026, 3, 13, 10),
        1,
        [(at(2026, 3, 14, 9), at(2026, 3, 15, 18))],
        at(2026, 3, 16, 17),
        0,
    ),
    (
        "pause-in-lunch-only",
        at(2026, 3, 10, 10),
        1,
        [(at(2026, 3, 11, 12, 10), at(2026, 3, 11, 12, 50))],
        at(2026, 3, 11, 17),
        0,
    ),
    (
        "pause-after-due",
        at(2026, 3, 10, 10),
        1,
        [(at(2026, 3, 12, 9), at(2026, 3, 12, 10))],
        at(2026, 3, 11, 17),
        0,
    ),
    (
        "pause-starting-exactly-at-due",
        at(2026, 3, 10, 10),
        1,
        [(at(2026, 3, 11, 17), at(2026, 3, 12, 10))],
        at(2026, 3, 11, 17),
        0,
    ),
    (
        "pause-over-new-year-2026-swap",
        at(2025, 12, 30, 10),
        2,
        [(at(2025, 12, 31, 16), at(2026, 1, 5, 9))],
        at(2026, 1, 6, 10),
        120,  # Wed 31/12 16–17, (01–04/01 off), Mon 05/01 08–09
    ),
]


@pytest.mark.parametrize(
    ("received", "limit", "pauses", "due", "paused"),
    [pytest.param(*case[1:], id=case[0]) for case in PAUSES],
)
def test_pauses(
    received: datetime, limit: float, pauses: list[Pause], due: datetime, paused: int
) -> None:
    res = compute_due(received, limit, "working_days", default_calendar(), pauses=pauses)
    assert res.due == due
    assert res.paused_working_minutes == paused


def test_hours_with_pause() -> None:
    res = compute_due(
        at(2026, 3, 10, 9), 4, "hours", pauses=[(at(2026, 3, 10, 10), at(2026, 3, 10, 11))]
    )
    assert res.due == at(2026, 3, 10, 15)
    assert res.paused_working_minutes == 60


def test_open_pause_is_closed_at_now() -> None:
    res = compute_due(
        at(2026, 3, 10, 10),
        1,
        "working_days",
        pauses=[Pause(at(2026, 3, 11, 10), None, "chờ bổ sung")],
        now=at(2026, 3, 11, 15),
    )
    assert res.due == at(2026, 3, 12, 12)  # 240 paused minutes
    assert res.pause_open is True
    assert res.paused_working_minutes == 240


def test_open_pause_needs_now() -> None:
    with pytest.raises(ValueError, match="now"):
        compute_due(at(2026, 3, 10, 10), 1, pauses=[(at(2026, 3, 11, 10), None)])


def test_naive_datetimes_are_local_time() -> None:
    res = compute_due(datetime(2026, 2, 13, 16, 20), 5)
    assert res.due == at(2026, 3, 2, 17)
    assert res.due.isoformat() == "2026-03-02T17:00:00+07:00"


@pytest.mark.parametrize(
    ("limit", "unit"), [(-1, "working_days"), (float("nan"), "hours"), (1.5, "days")]
)
def test_bad_limits(limit: float, unit: str) -> None:
    with pytest.raises(ValueError, match="thời hạn"):
        compute_due(at(2026, 3, 10, 10), limit, unit)


def test_bad_unit_and_reversed_pause() -> None:
    with pytest.raises(ValueError, match="weeks"):
        compute_due(at(2026, 3, 10, 10), 1, "weeks")
    with pytest.raises(ValueError, match="trước khi bắt đầu"):
        compute_due(at(2026, 3, 10, 10), 1, pauses=[(at(2026, 3, 11, 10), at(2026, 3, 11, 9))])


def test_clock_start() -> None:
    assert compute_due(at(2026, 2, 13, 16, 20), 5).clock_start == at(2026, 2, 24, 8)
    assert compute_due(at(2026, 3, 10, 12, 30), 1, "hours").clock_start == at(2026, 3, 10, 13)
    assert compute_due(at(2026, 3, 10, 9, 15), 1, "hours").clock_start == at(2026, 3, 10, 9, 15)
    assert compute_due(at(2026, 3, 10, 10), 10, "days").clock_start == at(2026, 3, 11)


def test_custom_office_hours_and_cutoff() -> None:
    cal = WorkCalendar.from_mapping(
        {"base": "none", "office_hours": ["07:30-11:30", "13:30-17:30"], "cutoff": "16:00"}
    )
    res = compute_due(at(2026, 3, 10, 16), 1, "working_days", cal)
    assert (res.effective_receipt_day, res.due) == (date(2026, 3, 10), at(2026, 3, 11, 17, 30))
    assert compute_due(at(2026, 3, 10, 7), 4, "hours", cal).due == at(2026, 3, 10, 11, 30)


def test_unit_overrides() -> None:
    cal = default_calendar().with_day_off(date(2026, 3, 11), "Nghỉ đột xuất (bão)")
    assert compute_due(at(2026, 3, 10, 10), 1, "working_days", cal).due == at(2026, 3, 12, 17)
    cal = default_calendar().with_workday(date(2026, 3, 14), "Làm thứ Bảy")
    assert compute_due(at(2026, 3, 13, 10), 1, "working_days", cal).due == at(2026, 3, 14, 17)
    # the default calendar itself is untouched
    assert compute_due(at(2026, 3, 10, 10), 1).due == at(2026, 3, 11, 17)
