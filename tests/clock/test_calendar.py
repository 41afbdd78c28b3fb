"""Calendars: the shipped 2025–2027 schedules, overrides, the TOML file format and its errors."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from casework.clock import CalendarEntry, CalendarFileError, WorkCalendar, default_calendar
from casework.settings import PROJECT_ROOT

# (date, working?) under the official civil-service schedule
OFFICIAL = [
    (date(2025, 1, 1), False),
    (date(2025, 1, 24), True),
    (date(2025, 1, 27), False),
    (date(2025, 1, 31), False),
    (date(2025, 2, 3), True),
    (date(2025, 4, 7), False),
    (date(2025, 4, 26), True),  # Saturday worked for Fri 02/05
    (date(2025, 5, 2), False),
    (date(2025, 9, 1), False),
    (date(2025, 9, 2), False),
    (date(2025, 9, 3), True),
    (date(2026, 1, 1), False),
    (date(2026, 1, 2), False),  # New Year swap (not in the package)
    (date(2026, 1, 10), True),  # Saturday worked for it
    (date(2026, 2, 13), True),
    (date(2026, 2, 16), False),
    (date(2026, 2, 20), False),
    (date(2026, 2, 23), True),
    (date(2026, 4, 27), False),
    (date(2026, 4, 30), False),
    (date(2026, 5, 1), False),
    (date(2026, 8, 22), True),
    (date(2026, 8, 31), False),
    (date(2026, 9, 1), False),
    (date(2026, 9, 2), False),
    (date(2026, 9, 3), True),
    (date(2026, 3, 14), False),  # an ordinary Saturday
]


@pytest.mark.parametrize(("day", "working"), OFFICIAL, ids=[d.isoformat() for d, _ in OFFICIAL])
def test_official_schedule(day: date, working: bool) -> None:
    assert default_calendar().is_working_day(day) is working


def test_shipped_files_parse() -> None:
    files = sorted((PROJECT_ROOT / "workflows" / "calendars").glob("*.toml"))
    assert [f.name for f in files] == ["2025.toml", "2026.toml", "2027.toml"]
    for f in files:
        assert WorkCalendar.from_toml(f).entries


def test_names_in_vietnamese() -> None:
    days = {d.date: d for d in default_calendar().special_days(2026)}
    assert days[date(2026, 1, 2)].name.startswith("Nghỉ Tết Dương lịch")
    assert days[date(2026, 1, 10)].working is True
    assert "Tết Nguyên Đán" in days[date(2026, 2, 17)].name
    assert days[date(2026, 4, 27)].name == "Ngày Giỗ Tổ Hùng Vương (nghỉ bù)"
    assert date(2026, 3, 14) not in days  # plain weekends are not listed


def test_entries_later_wins_and_pure() -> None:
    base = default_calendar()
    cal = base.with_entries(
        [
            CalendarEntry(date(2026, 3, 11), "day_off", "Nghỉ bão"),
            CalendarEntry(date(2026, 3, 11), "workday", "Hủy nghỉ bão"),
            CalendarEntry(date(2026, 11, 24), "workday", "Ngày Văn hóa chưa được nghỉ"),
        ]
    )
    assert cal.is_working_day(date(2026, 3, 11))
    assert cal.is_working_day(date(2026, 11, 24))
    assert not base.is_working_day(date(2026, 11, 24))
    assert cal.day_status(date(2026, 3, 11)) == (True, "Hủy nghỉ bão")


def test_day_helpers() -> None:
    cal = default_calendar()
    assert cal.day_minutes == 480
    assert cal.next_working_day(date(2026, 2, 14)) == date(2026, 2, 23)
    assert cal.next_working_day(date(2026, 2, 23), strictly_after=True) == date(2026, 2, 24)
    assert cal.add_working_days(date(2026, 2, 23), 5) == date(2026, 3, 2)
    assert cal.add_working_days(date(2026, 2, 14), 1) == date(2026, 2, 23)
    assert cal.working_days_between(date(2026, 2, 9), date(2026, 2, 27)) == 9
    assert cal.is_working_day(date(2027, 3, 10))  # index grows forward on demand
    assert cal.is_working_day(date(2019, 3, 11))  # and backward


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "lich.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_from_toml_full(tmp_path: Path) -> None:
    p = write(
        tmp_path,
        """
name = "Lịch xã A"
base = "none"
weekdays = ["mon", "tue", "wed", "thu", "fri", "sat"]
office_hours = ["07:00-11:00", "13:00-17:00"]
cutoff = "16:30"
[[day_off]]
date = 2026-03-11
name = "Nghỉ bão"
instrument = "Quyết định số 12/QĐ-UBND ngày 10/03/2026 của UBND xã A"
title = "Quyết định cho nghỉ làm việc do bão"
checked = 2026-03-10
""",
    )
    cal = WorkCalendar.from_toml(p)
    assert cal.name == "Lịch xã A"
    assert cal.is_working_day(date(2026, 3, 14))  # Saturday
    assert not cal.is_working_day(date(2026, 3, 11))
    assert cal.is_working_day(date(2026, 2, 17))  # base none: no Tết
    assert cal.cutoff.hour == 16
    assert cal.cutoff.minute == 30


#: the basis every entry needs (tests/clock/test_calendar_sources.py checks it)
SOURCED = (
    '\ninstrument = "Công văn 1/X ngày 01/01/2026"\ntitle = "Văn bản thử"\nchecked = 2026-01-02'
)

BAD = [
    ("unknown-key", 'nme = "x"', "[nme]"),
    ("bad-base", 'base = "us"', "[base]"),
    ("bad-weekday", 'weekdays = ["mon", "funday"]', "[weekdays]"),
    ("bad-hours", 'office_hours = ["08:00-12:00", "1300-1700"]', "[office_hours[1]]"),
    ("overlapping-hours", 'office_hours = ["08:00-12:00", "11:00-17:00"]', "[office_hours[1]]"),
    ("bad-cutoff", 'cutoff = "25:00"', "[cutoff]"),
    ("cutoff-not-string", "cutoff = 15", "[cutoff]"),
    (
        "date-as-string",
        '[[day_off]]\ndate = "2026-01-02"\nname = "x"' + SOURCED,
        "[day_off[0].date]",
    ),
    ("missing-name", "[[workday]]\ndate = 2026-01-10", "[workday[0].name]"),
    (
        "extra-entry-key",
        '[[workday]]\ndate = 2026-01-10\nname = "x"\nkind = 1' + SOURCED,
        "[workday[0].kind]",
    ),
    ("bad-timezone", 'timezone = "Mars/Olympus"', "[timezone]"),
    (
        "both-off-and-worked",
        '[[day_off]]\ndate = 2026-01-10\nname = "a"'
        + SOURCED
        + '\n[[workday]]\ndate = 2026-01-10\nname = "b"'
        + SOURCED,
        "2026",
    ),
    ("syntax", "name = ", "TOML"),
]


@pytest.mark.parametrize(("text", "needle"), [pytest.param(*b[1:], id=b[0]) for b in BAD])
def test_malformed_calendar_file(tmp_path: Path, text: str, needle: str) -> None:
    p = write(tmp_path, text)
    with pytest.raises(CalendarFileError) as exc:
        WorkCalendar.from_toml(p)
    assert str(p) in exc.value.message
    assert needle in exc.value.message


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CalendarFileError, match="không đọc được"):
        WorkCalendar.from_toml(tmp_path / "khong-co.toml")


def test_default_calendar_from_other_dir(tmp_path: Path) -> None:
    (tmp_path / "calendars").mkdir()
    (tmp_path / "calendars" / "x.toml").write_text(
        '[[day_off]]\ndate = 2026-03-11\nname = "Nghỉ riêng"' + SOURCED + "\n", encoding="utf-8"
    )
    cal = default_calendar(tmp_path)
    assert not cal.is_working_day(date(2026, 3, 11))
    assert cal.is_working_day(date(2026, 1, 2))  # the shipped 2026 file is not in this dir
