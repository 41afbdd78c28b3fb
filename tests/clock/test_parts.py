"""A limit in two parts (`compute_due_parts`, docs/legal-clock.md §5b): the next part counted
from the END of the one before it, as Điều 47 Nghị định 163/2024/NĐ-CP gives the telecom licence
procedures (05 working days to check validity, then 15 days). Examples worked out by hand with the
default calendar; properties for every input (the strategies of test_properties.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casework.clock import LimitUnit, Pause, compute_due, compute_due_parts, default_calendar
from casework.clock.parts import STILL_PAUSED
from tests.clock.test_properties import calendars, cases, instants, limits_for, local, pause

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
CAL = default_calendar()
CHECK = (5, "working_days", "xét tính hợp lệ của hồ sơ")
DECIDE = (15, "days", "")


def at(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=TZ)


# (id, received, parts, end of the first part, due)
EXAMPLES = [
    # The DESIGN example: 16:20 Fri 13/02/2026, after the cut-off, Tết → R = Mon 23/02; 5 working
    # days → 17:00 Mon 02/03; then 02/03 + 15 = Tue 17/03, a working day.
    ("tet-design-example", at(2026, 2, 13, 16, 20), [CHECK, DECIDE], at(2026, 3, 2, 17),
     at(2026, 3, 17, 17)),
    # Mon 02/11/2026 10:00 → 03, 04, 05, 06, 09/11 → 17:00 Mon 09/11; + 15 = Tue 24/11, Ngày Văn
    # hóa Việt Nam (off in 2026) → 17:00 Wed 25/11.
    ("second-part-ends-on-a-holiday", at(2026, 11, 2, 10), [CHECK, DECIDE], at(2026, 11, 9, 17),
     at(2026, 11, 25, 17)),
    # A fractional first part: Tue 10/03/2026 10:00, 0.5 working day → 12:00 Wed 11/03. The day it
    # ended is not counted: the next working-day part starts 08:00 Thu 12/03 → 17:00 Thu 12/03
    # (one part of 1.5 working days would end at 12:00 Thu 12/03).
    ("fractional-first-then-working-day", at(2026, 3, 10, 10),
     [(0.5, "working_days", "a"), (1, "working_days", "")], at(2026, 3, 11, 12),
     at(2026, 3, 12, 17)),
    # Hours, then days: Tue 10/03 10:30 + 3 h → 14:30 (across lunch); + 1 day → 17:00 Wed 11/03.
    ("hours-then-days", at(2026, 3, 10, 10, 30), [(3, "hours", "a"), (1, "days", "")],
     at(2026, 3, 10, 14, 30), at(2026, 3, 11, 17)),
    # Days, then hours: Fri 24/04/2026 10:00 + 1 day → Sat 25/04, then Sun 26 (Giỗ Tổ), Mon 27/04
    # (in lieu) → 17:00 Tue 28/04; 2 working hours continue from there: 08:00–10:00 Wed 29/04.
    ("days-then-hours", at(2026, 4, 24, 10), [(1, "days", "a"), (2, "hours", "")],
     at(2026, 4, 28, 17), at(2026, 4, 29, 10)),
]  # fmt: skip


@pytest.mark.parametrize(
    ("received", "parts", "first_end", "due"),
    [pytest.param(r, p, f, d, id=i) for i, r, p, f, d in EXAMPLES],
)
def test_examples(received, parts, first_end, due) -> None:  # type: ignore[no-untyped-def]
    res = compute_due_parts(received, parts, CAL)
    assert [p.due for p in res.parts] == [first_end, due]
    assert res.due == due
    assert res.parts[1].start >= first_end


def test_the_trace_tells_each_part_once() -> None:
    res = compute_due_parts(at(2026, 2, 13, 16, 20), [CHECK, DECIDE], CAL)
    assert res.trace[0] == (
        "Thời hạn gồm 2 phần: 5 ngày làm việc (xét tính hợp lệ của hồ sơ), rồi 15 ngày kể từ ngày "
        "kết thúc thời hạn trên."
    )
    assert "Bỏ qua 14/02–22/02/2026: nghỉ Tết Nguyên đán." in res.trace
    assert (
        "Hết thời hạn 5 ngày làm việc (xét tính hợp lệ của hồ sơ): 17:00 thứ Hai 02/03/2026 "
        "(hết ngày làm việc thứ 5)." in res.trace
    )
    assert res.trace[-1] == "Hạn giải quyết: 17:00 thứ Ba 17/03/2026."
    assert sum(line.startswith("Hạn giải quyết") for line in res.trace) == 1
    assert res.parts[0].text == "5 ngày làm việc (xét tính hợp lệ của hồ sơ)"
    assert res.parts[1].text == "rồi 15 ngày kể từ ngày kết thúc thời hạn trên"


def test_a_pause_across_the_end_of_the_first_part_counts_once() -> None:
    """Received Mon 02/03/2026 09:00; the first part would end 17:00 Mon 09/03. Paused from
    13:00 Mon 09/03 to 10:00 Wed 11/03 (840 working minutes): it started inside the first part,
    so the first part takes it whole — 240 minutes were left at 13:00 Mon, they run 10:00–12:00
    and 13:00–15:00 Wed 11/03. The second part starts 00:00 Thu 12/03, after the pause: 11/03 +
    15 = Thu 26/03."""
    pauses = [Pause(at(2026, 3, 9, 13), at(2026, 3, 11, 10), "chờ bổ sung")]
    res = compute_due_parts(at(2026, 3, 2, 9), [CHECK, DECIDE], CAL, pauses=pauses)
    assert [p.due for p in res.parts] == [at(2026, 3, 11, 15), at(2026, 3, 26, 17)]
    assert res.paused_working_minutes == 840
    assert res.paused_calendar_days == 0


def test_a_pause_in_the_second_part_adds_whole_days() -> None:
    """Same dossier; paused 09:00 Fri 13/03 – 11:00 Sat 14/03 (26 h) → 2 days: 09/03 + 15 + 2 =
    Thu 26/03."""
    pauses = [(at(2026, 3, 13, 9), at(2026, 3, 14, 11))]
    res = compute_due_parts(at(2026, 3, 2, 9), [CHECK, DECIDE], CAL, pauses=pauses)
    assert [p.due for p in res.parts] == [at(2026, 3, 9, 17), at(2026, 3, 26, 17)]
    assert res.paused_calendar_days == 2


def test_an_open_pause_is_said_once_at_the_end() -> None:
    pauses = [Pause(at(2026, 3, 13, 9), None, "chờ bổ sung")]
    res = compute_due_parts(
        at(2026, 3, 2, 9), [CHECK, DECIDE], CAL, pauses=pauses, now=at(2026, 3, 16, 9)
    )
    assert res.pause_open
    assert res.trace.count(STILL_PAUSED) == 1 and res.trace[-1] == STILL_PAUSED
    with pytest.raises(ValueError, match="cần truyền now"):
        compute_due_parts(at(2026, 3, 2, 9), [CHECK, DECIDE], CAL, pauses=pauses)


def test_bad_parts_are_refused() -> None:
    with pytest.raises(ValueError, match="ít nhất một phần"):
        compute_due_parts(at(2026, 3, 2, 9), [], CAL)
    with pytest.raises(ValueError, match="số nguyên"):
        compute_due_parts(at(2026, 3, 2, 9), [CHECK, (2.5, "days", "")], CAL)
    with pytest.raises(ValueError, match="không âm"):
        compute_due_parts(at(2026, 3, 2, 9), [CHECK, (-1, "hours", "")], CAL)


# ---- properties -----------------------------------------------------------------------------

PROPS = settings(max_examples=150, deadline=None)


@st.composite
def two_parts(draw: st.DrawFn):  # type: ignore[no-untyped-def]
    cal, received, u1, v1, pauses = draw(cases())
    u2 = draw(st.sampled_from(list(LimitUnit)))
    return cal, received, [(v1, u1.value, "a"), (draw(limits_for(u2)), u2.value, "")], pauses


@PROPS
@given(cases())
def test_one_part_is_exactly_compute_due(case) -> None:  # type: ignore[no-untyped-def]
    cal, received, unit, limit, pauses = case
    one = compute_due_parts(received, [(limit, unit, "")], cal, pauses=pauses)
    assert one == compute_due(received, limit, unit, cal, pauses=pauses)


@PROPS
@given(two_parts())
def test_the_first_part_is_compute_due_and_the_due_comes_after_it(case) -> None:  # type: ignore[no-untyped-def]
    cal, received, parts, pauses = case
    res = compute_due_parts(received, parts, cal, pauses=pauses)
    first = compute_due(received, parts[0][0], parts[0][1], cal, pauses=pauses)
    assert res.parts[0].due == first.due
    assert res.due == res.parts[1].due >= first.due >= local(received, cal)
    assert res.effective_receipt_day == first.effective_receipt_day
    assert compute_due_parts(received, parts, cal, pauses=pauses, explain=False).due == res.due


@PROPS
@given(calendars, instants, st.integers(0, 30), st.integers(0, 30))
def test_whole_working_days_add_up(cal, received, a, b) -> None:  # type: ignore[no-untyped-def]
    """A whole-day first part ends at a close, so the next starts at the next opening: a + b
    working days in two parts is a + b in one (a = 0 ends at the close of R the same way)."""
    two = compute_due_parts(received, [(a, "working_days", "a"), (b, "working_days", "")], cal)
    assert two.due == compute_due(received, a + b, "working_days", cal).due


@PROPS
@given(calendars, instants, st.integers(0, 200), st.integers(0, 200))
def test_whole_hours_add_up(cal, received, a, b) -> None:  # type: ignore[no-untyped-def]
    two = compute_due_parts(received, [(a, "hours", "a"), (b, "hours", "")], cal)
    assert two.due == compute_due(received, a + b, "hours", cal).due


@PROPS
@given(calendars, instants, st.integers(0, 20), st.integers(0, 60))
def test_days_after_working_days_follow_the_rule(cal, received, a, n) -> None:  # type: ignore[no-untyped-def]
    """The second part: D = the day the first ended + n; the first working day from D; its close."""
    res = compute_due_parts(received, [(a, "working_days", "a"), (n, "days", "")], cal)
    d = res.parts[0].due.date() + timedelta(days=n)
    while not cal.is_working_day(d):
        d += timedelta(days=1)
    assert res.due.date() == d
    assert (res.due.hour, res.due.minute) == divmod(cal._windows[-1][1] // 60, 60)


@PROPS
@given(two_parts(), st.data())
def test_a_further_pause_never_makes_the_due_earlier(case, data) -> None:  # type: ignore[no-untyped-def]
    cal, received, parts, pauses = case
    extra = data.draw(pause(received))
    before = compute_due_parts(received, parts, cal, pauses=pauses, explain=False).due
    after = compute_due_parts(received, parts, cal, pauses=[*pauses, extra], explain=False).due
    assert after >= before


def test_instants_in_other_zones_give_the_same_due() -> None:
    received = at(2026, 11, 2, 10)
    assert (
        compute_due_parts(received.astimezone(UTC), [CHECK, DECIDE], CAL).due
        == compute_due_parts(received, [CHECK, DECIDE], CAL).due
    )
