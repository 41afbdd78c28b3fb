"""The legal due with its trace, kept per calendar for a page's views (issue 19, item 2).

With every pause closed the due does not depend on the time of the view, so the dossier page
reuses the one worked out for the same clock start, limit and pauses on the same calendar. An
open pause moves the due with the clock: never kept. A calendar change makes a new calendar
object, whose dues are worked out anew.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

from casework.clock import compute_due_parts, default_calendar
from casework.dossiers import clockwork

START = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # a Monday, 09:00 in Hà Nội


def _dossier() -> SimpleNamespace:
    return SimpleNamespace(clock_started_at=START)


def _pause(start_days: int, end_days: int | None) -> SimpleNamespace:
    end = START + timedelta(days=end_days) if end_days is not None else None
    return SimpleNamespace(
        started_at=START + timedelta(days=start_days), ended_at=end, reason="bổ sung"
    )


def test_a_due_with_closed_pauses_is_worked_out_once_and_is_the_same(xray):
    cal = default_calendar()
    pauses = [_pause(1, 3)]
    first = clockwork.legal_due(_dossier(), xray, pauses, cal, now=START, explain=True)
    later = clockwork.legal_due(
        _dossier(), xray, pauses, cal, now=START + timedelta(days=40), explain=True
    )
    assert later is first  # kept, not worked out again
    fresh = compute_due_parts(
        START,
        xray.limit.parts,
        cal,
        pauses=[clockwork.Pause(p.started_at, p.ended_at, p.reason) for p in pauses],
    )
    assert first is not None and (first.due, first.trace) == (fresh.due, fresh.trace)


def test_an_open_pause_is_never_kept(xray):
    cal = default_calendar()
    open_pause = [_pause(1, None)]
    a = clockwork.legal_due(
        _dossier(), xray, open_pause, cal, now=START + timedelta(days=2), explain=True
    )
    b = clockwork.legal_due(
        _dossier(), xray, open_pause, cal, now=START + timedelta(days=9), explain=True
    )
    assert a is not None and b is not None
    assert b.due > a.due  # the due moved with the clock


def test_a_changed_calendar_works_the_due_out_again(xray):
    cal = default_calendar()
    before = clockwork.legal_due(_dossier(), xray, [], cal, explain=True)
    holiday = date(2026, 3, 3)
    changed = cal.with_day_off(holiday, "Nghỉ bù")
    after = clockwork.legal_due(_dossier(), xray, [], changed, explain=True)
    assert before is not None and after is not None
    assert after.due > before.due
