"""Property tests (hypothesis) for the legal clock: arbitrary instants in 2024–2028, limits, units
and pause lists. The examples in test_due.py pin exact values; these pin the invariants that must
hold for *every* input: no crash (only the documented ValueError), due never before the receipt,
monotonic in the limit and in the pauses, elapsed(d, d) == limit, working dues in office hours.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from casework.clock import (
    Bucket,
    LimitUnit,
    WorkCalendar,
    compute_due,
    default_calendar,
    elapsed,
    finished_bucket,
    step_due,
)

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
CAL = default_calendar()
#: a calendar with odd office hours and a Saturday, to keep the properties calendar-independent
ODD_CAL = WorkCalendar(
    name="Ca lệch",
    base="none",
    weekdays=frozenset({0, 1, 2, 3, 5}),
    office_hours=((7 * 60 + 30, 11 * 60 + 15), (13 * 60 + 45, 16 * 60 + 50)),
)

EXAMPLES = settings(max_examples=200)

zones = st.sampled_from([TZ, UTC, timezone(timedelta(hours=-5)), ZoneInfo("Europe/Paris")])
instants = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2028, 12, 31, 23, 59, 59), timezones=zones
)
calendars = st.sampled_from([CAL, ODD_CAL])
units = st.sampled_from(list(LimitUnit))
working_units = st.sampled_from([LimitUnit.WORKING_DAYS, LimitUnit.HOURS])


def limits_for(unit: LimitUnit) -> st.SearchStrategy[float]:
    if unit is LimitUnit.DAYS:
        return st.integers(0, 120).map(float)
    if unit is LimitUnit.HOURS:
        return st.floats(0, 400, allow_nan=False).map(lambda x: round(x, 2))
    return st.one_of(
        st.integers(0, 90).map(float), st.floats(0, 90, allow_nan=False).map(lambda x: round(x, 3))
    )


@st.composite
def pause(draw: st.DrawFn, around: datetime) -> tuple[datetime, datetime]:
    # arithmetic in UTC: aware + timedelta is wall-clock arithmetic, which DST folds can reverse
    start = around.astimezone(UTC) + timedelta(
        minutes=draw(st.integers(-30 * 24 * 60, 200 * 24 * 60))
    )
    return start, start + timedelta(minutes=draw(st.integers(0, 40 * 24 * 60)))


@st.composite
def cases(draw: st.DrawFn, unit_strategy: st.SearchStrategy[LimitUnit] = units):  # type: ignore[no-untyped-def]
    unit = draw(unit_strategy)
    received = draw(instants)
    pauses = draw(st.lists(pause(received), max_size=4))
    return draw(calendars), received, unit, draw(limits_for(unit)), pauses


def local(t: datetime, cal: WorkCalendar) -> datetime:
    return t.astimezone(cal.tz).replace(microsecond=0)


def in_office_hours(t: datetime, cal: WorkCalendar) -> bool:
    lt = t.astimezone(cal.tz)
    if not cal.is_working_day(lt.date()):
        return False
    s = lt.hour * 3600 + lt.minute * 60 + lt.second
    return any(ws <= s <= we for ws, we, _ in cal._windows)


# ---- compute_due --------------------------------------------------------------------------------


@EXAMPLES
@given(cases())
def test_due_never_before_receipt_nor_clock_start(case) -> None:  # type: ignore[no-untyped-def]
    cal, received, unit, limit, pauses = case
    res = compute_due(received, limit, unit, cal, pauses=pauses, explain=True)
    assert res.due.tzinfo is not None
    assert res.due >= local(received, cal)
    if limit > 0:
        assert res.due >= res.clock_start
    assert res.effective_receipt_day >= local(received, cal).date()
    assert res.trace and all(isinstance(line, str) and line for line in res.trace)
    assert res.paused_working_minutes >= 0
    assert res.unit is LimitUnit(unit)


@EXAMPLES
@given(cases(), st.data())
def test_due_is_monotonic_in_the_limit(case, data) -> None:  # type: ignore[no-untyped-def]
    cal, received, unit, limit, pauses = case
    more = limit + data.draw(limits_for(unit))
    a = compute_due(received, limit, unit, cal, pauses=pauses, explain=False)
    b = compute_due(received, more, unit, cal, pauses=pauses, explain=False)
    assert b.due >= a.due


@EXAMPLES
@given(cases(working_units), st.data())
def test_adding_a_pause_never_makes_the_due_earlier(case, data) -> None:  # type: ignore[no-untyped-def]
    cal, received, unit, limit, pauses = case
    extra = data.draw(pause(received))
    a = compute_due(received, limit, unit, cal, pauses=pauses, explain=False)
    b = compute_due(received, limit, unit, cal, pauses=[*pauses, extra], explain=False)
    assert b.due >= a.due
    assert b.paused_working_minutes >= a.paused_working_minutes


@EXAMPLES
@given(cases(st.just(LimitUnit.DAYS)), st.data())
def test_adding_a_disjoint_pause_never_makes_a_days_due_earlier(case, data) -> None:  # type: ignore[no-untyped-def]
    """Calendar-day limits round each (merged) pause up to whole days, so a pause that *bridges*
    two others may shorten the total; a pause that overlaps none of them never does."""
    cal, received, unit, limit, pauses = case
    extra = data.draw(pause(received))
    assume(all(extra[1] < a or b < extra[0] for a, b in pauses))
    a = compute_due(received, limit, unit, cal, pauses=pauses, explain=False)
    b = compute_due(received, limit, unit, cal, pauses=[*pauses, extra], explain=False)
    assert b.due >= a.due


@EXAMPLES
@given(cases())
def test_pause_order_does_not_matter(case) -> None:  # type: ignore[no-untyped-def]
    cal, received, unit, limit, pauses = case
    a = compute_due(received, limit, unit, cal, pauses=pauses, explain=False)
    b = compute_due(received, limit, unit, cal, pauses=pauses[::-1], explain=False)
    assert a.due == b.due


@EXAMPLES
@given(cases(working_units))
def test_working_dues_fall_in_office_hours(case) -> None:  # type: ignore[no-untyped-def]
    cal, received, unit, limit, pauses = case
    res = compute_due(received, limit, unit, cal, pauses=pauses, explain=False)
    if unit is LimitUnit.HOURS and res.due == local(received, cal):
        return  # 0 hours received outside office hours: due at the receipt itself
    assert in_office_hours(res.due, cal), res.due


@EXAMPLES
@given(cases(st.just(LimitUnit.DAYS)))
def test_days_dues_are_the_close_of_a_working_day(case) -> None:  # type: ignore[no-untyped-def]
    cal, received, unit, limit, pauses = case
    res = compute_due(received, limit, unit, cal, pauses=pauses, explain=False)
    assert cal.is_working_day(res.due.date())
    assert res.due.time() == cal.closing


@EXAMPLES
@given(cases(), st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2029, 12, 31)))
def test_open_pause_is_closed_at_now_and_never_earlier(case, now_naive) -> None:  # type: ignore[no-untyped-def]
    cal, received, unit, limit, pauses = case
    now = now_naive.replace(tzinfo=TZ)
    start = received.astimezone(UTC) + timedelta(hours=1)
    assume(now >= start)
    open_res = compute_due(received, limit, unit, cal, pauses=[(start, None)], now=now)
    closed = compute_due(received, limit, unit, cal, pauses=[(start, now)], explain=False)
    assert open_res.pause_open
    assert open_res.due == closed.due
    assert open_res.due >= compute_due(received, limit, unit, cal, explain=False).due


@settings(max_examples=100)
@given(
    instants,
    units,
    st.one_of(
        st.floats(max_value=-1e-9),
        st.just(math.nan),
        st.just(math.inf),
        st.just(-math.inf),
    ),
)
def test_bad_limits_raise_value_error(received, unit, limit) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=r"\S"):
        compute_due(received, limit, unit)


@settings(max_examples=100)
@given(instants, st.floats(0.001, 50).filter(lambda x: x != int(x)))
def test_fractional_days_raise_value_error(received, limit) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="days"):
        compute_due(received, limit, LimitUnit.DAYS)


@settings(max_examples=100)
@given(instants, units, st.integers(1, 10**6))
def test_reversed_or_unclosed_pauses_raise_value_error(received, unit, minutes) -> None:  # type: ignore[no-untyped-def]
    later = received.astimezone(UTC) + timedelta(minutes=minutes)
    with pytest.raises(ValueError, match=r"\S"):
        compute_due(received, 3, unit, pauses=[(later, received)])
    with pytest.raises(ValueError, match="now"):
        compute_due(received, 3, unit, pauses=[(later, None)])


@settings(max_examples=50)
@given(instants, st.text(max_size=20).filter(lambda s: s not in {u.value for u in LimitUnit}))
def test_unknown_units_raise_value_error(received, unit) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=r"\S"):
        compute_due(received, 3, unit)


# ---- step_due -----------------------------------------------------------------------------------


@EXAMPLES
@given(
    calendars,
    instants,
    st.floats(0, 60, allow_nan=False).map(lambda x: round(x, 3)),
    st.floats(0, 60, allow_nan=False).map(lambda x: round(x, 3)),
)
def test_step_due(cal, entered, allot, more) -> None:  # type: ignore[no-untyped-def]
    res = step_due(entered, allot, cal)
    same = compute_due(entered, allot * cal.day_minutes / 60, LimitUnit.HOURS, cal, explain=False)
    assert res.due == same.due
    assert res.due >= local(entered, cal)
    assert res.unit is LimitUnit.WORKING_DAYS
    assert res.trace[-1].startswith("Hạn của bước")
    assert step_due(entered, allot + more, cal, explain=False).due >= res.due
    if res.due != local(entered, cal):
        assert in_office_hours(res.due, cal)


@settings(max_examples=50)
@given(instants, st.one_of(st.floats(max_value=-1e-9), st.just(math.nan), st.just(math.inf)))
def test_step_due_bad_allot(entered, allot) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=r"\S"):
        step_due(entered, allot)


# ---- elapsed and buckets ------------------------------------------------------------------------


@EXAMPLES
@given(cases())
def test_elapsed_at_the_due_is_the_limit(case) -> None:  # type: ignore[no-untyped-def]
    cal, received, unit, limit, pauses = case
    due = compute_due(received, limit, unit, cal, pauses=pauses, explain=False).due
    assert elapsed(due, due, limit, unit, cal) == round(limit, 2)


@EXAMPLES
@given(calendars, instants, instants, units, st.integers(0, 60).map(float))
def test_elapsed_is_non_negative_and_monotonic_in_finished(cal, due, finished, unit, limit) -> None:  # type: ignore[no-untyped-def]
    e = elapsed(due, finished, limit, unit, cal)
    assert e >= 0
    assert math.isfinite(e)
    if finished <= due:
        assert e <= round(limit, 2)
    later = elapsed(due, finished.astimezone(UTC) + timedelta(hours=5), limit, unit, cal)
    assert later >= e


@EXAMPLES
@given(instants, instants, st.integers(0, 5))
def test_finished_bucket(due, finished, supplements) -> None:  # type: ignore[no-untyped-def]
    b = finished_bucket(due, finished, supplement_requests=supplements)
    assert b in {Bucket.EARLY, Bucket.ON_TIME, Bucket.LATE}
    if supplements > 1 or finished > due:
        assert b is Bucket.LATE
    elif finished.astimezone(TZ).date() == due.astimezone(TZ).date():
        assert b is Bucket.ON_TIME
    else:
        assert b is Bucket.EARLY
    assert finished_bucket(due, due) is Bucket.ON_TIME
    assert finished_bucket(due, due.astimezone(UTC) + timedelta(seconds=1)) is Bucket.LATE
