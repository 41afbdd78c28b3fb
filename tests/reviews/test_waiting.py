"""Waiting time in working days (pure, no database): the cutoff instant behind "waited more than
N working days" agrees with the office time counted forward, at every boundary."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from casework.clock import default_calendar, remaining_working_minutes
from casework.reviews.waiting import waited_days, working_cutoff
from tests.factories import TZ

CAL = default_calendar()


def at(day: str, hhmm: str) -> datetime:
    return datetime.fromisoformat(f"{day}T{hhmm}").replace(tzinfo=TZ)


def test_friday_afternoon_to_tuesday_afternoon_is_two_working_days():
    submitted = at("2026-11-27", "16:00")  # a Friday
    now = at("2026-12-01", "16:00")  # Tuesday: 1 h Friday + 8 h Monday + 7 h Tuesday
    assert waited_days(CAL, submitted, now) == 2.0
    cutoff = working_cutoff(CAL, now, 2)
    assert cutoff == submitted  # a submission at that instant has exactly 2 days: not more
    assert working_cutoff(CAL, at("2026-12-01", "16:01"), 2) == at("2026-11-27", "16:01")


def test_a_count_that_ends_at_an_opening_goes_back_to_the_previous_close():
    # Tuesday 08:00: Monday and Friday are the two working days; the evening and the night
    # before Friday 08:00 do not count, so anything from Thursday 17:00 on has exactly 2
    now = at("2026-12-01", "08:00")
    assert working_cutoff(CAL, now, 2) == at("2026-11-26", "17:00")
    assert waited_days(CAL, at("2026-11-26", "17:30"), now) == 2.0
    assert waited_days(CAL, at("2026-11-26", "16:59"), now) > 2


def test_lunch_weekends_and_holidays_do_not_count():
    # National Day 2026: Monday 31/08 (swapped with Saturday 22/08), Tuesday 01/09 and Wednesday
    # 02/09 are days off. From Thursday 09:00, one working day back: 1 h on Thursday, then 7 h
    # of Friday 28/08 (17:00 → 13:00, lunch, 12:00 → 09:00)
    assert not any(CAL.is_working_day(at(d, "00:00").date()) for d in ("2026-08-31", "2026-09-02"))
    now = at("2026-09-03", "09:00")
    assert working_cutoff(CAL, now, 1) == at("2026-08-28", "09:00")
    # at 13:00 the morning is the half day: anything from Monday's close on has exactly that
    assert working_cutoff(CAL, at("2026-12-01", "13:00"), 0.5) == at("2026-11-30", "17:00")
    assert working_cutoff(CAL, at("2026-12-01", "13:30"), 0.5) == at("2026-12-01", "08:30")


@pytest.mark.parametrize("days", [0.5, 1, 2, 5])
def test_the_cutoff_agrees_with_counting_forward(days):
    now = at("2026-12-01", "14:37")
    cutoff = working_cutoff(CAL, now, days)
    need = days * CAL.day_minutes
    start = at("2026-11-10", "00:00")
    t = start
    while t < now:
        waited = remaining_working_minutes(now, t, CAL)
        assert (t < cutoff) == (waited > need), (t, cutoff, waited)
        t += timedelta(minutes=23)
