"""Buckets (finished / open), extensions and per-step deadlines (Mẫu 06)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from casework.clock import (
    Bucket,
    bucket,
    extension_buckets,
    finished_bucket,
    open_bucket,
    remaining_working_minutes,
    step_due,
    step_status,
)

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
UTC = ZoneInfo("UTC")


def at(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, s, tzinfo=TZ)


DUE = at(2026, 3, 2, 17)  # Mon 02/03/2026 17:00

FINISHED = [
    ("at-due-instant", at(2026, 3, 2, 17), 0, Bucket.ON_TIME),
    ("one-second-late", at(2026, 3, 2, 17, 0, 1), 0, Bucket.LATE),
    ("same-day-morning", at(2026, 3, 2, 8, 30), 0, Bucket.ON_TIME),
    ("day-before-sunday", at(2026, 3, 1, 10), 0, Bucket.EARLY),
    ("friday-before", at(2026, 2, 27, 16), 0, Bucket.EARLY),
    ("next-day", at(2026, 3, 3, 9), 0, Bucket.LATE),
    ("two-supplements-late", at(2026, 2, 27, 16), 2, Bucket.LATE),
    ("one-supplement-ok", at(2026, 2, 27, 16), 1, Bucket.EARLY),
    ("utc-input-local-day", datetime(2026, 3, 1, 23, 30, tzinfo=UTC), 0, Bucket.ON_TIME),
    ("utc-input-previous-local-day", datetime(2026, 3, 1, 16, 59, tzinfo=UTC), 0, Bucket.EARLY),
]


@pytest.mark.parametrize(
    ("finished", "k", "expected"), [pytest.param(*c[1:], id=c[0]) for c in FINISHED]
)
def test_finished_bucket(finished: datetime, k: int, expected: Bucket) -> None:
    assert finished_bucket(DUE, finished, supplement_requests=k) is expected


OPEN = [
    ("one-second-after", at(2026, 3, 2, 17, 0, 1), 0, Bucket.OVERDUE),
    ("exactly-at-due", at(2026, 3, 2, 17), 0, Bucket.DUE_SOON),
    ("one-working-day-left-fri-close", at(2026, 2, 27, 17), 0, Bucket.DUE_SOON),
    ("weekend-before", at(2026, 2, 28, 10), 0, Bucket.DUE_SOON),
    ("481-minutes-left", at(2026, 2, 27, 16, 59), 0, Bucket.ON_TRACK),
    ("days-left", at(2026, 2, 25, 10), 0, Bucket.ON_TRACK),
    ("two-supplements", at(2026, 2, 25, 10), 2, Bucket.OVERDUE),
]


@pytest.mark.parametrize(("now", "k", "expected"), [pytest.param(*c[1:], id=c[0]) for c in OPEN])
def test_open_bucket(now: datetime, k: int, expected: Bucket) -> None:
    assert open_bucket(DUE, now, supplement_requests=k) is expected


def test_remaining_minutes() -> None:
    assert remaining_working_minutes(DUE, at(2026, 2, 27, 16, 59)) == 481
    assert remaining_working_minutes(DUE, at(2026, 3, 3, 9)) == 0


def test_bucket_dispatch_and_labels() -> None:
    assert bucket(DUE, finished=at(2026, 3, 2, 9)) is Bucket.ON_TIME
    assert bucket(DUE, now=at(2026, 3, 3, 9)) is Bucket.OVERDUE
    assert Bucket.DUE_SOON.label == "Sắp đến hạn"
    assert Bucket.EARLY.label == "Trước hạn"
    with pytest.raises(ValueError, match="finished"):
        bucket(DUE)


def test_extension_keeps_original_for_statistics() -> None:
    new = at(2026, 3, 6, 17)
    assert extension_buckets(DUE, new, finished=at(2026, 3, 4, 10)) == (Bucket.LATE, Bucket.EARLY)
    assert extension_buckets(DUE, new, finished=at(2026, 3, 6, 9)) == (Bucket.LATE, Bucket.ON_TIME)
    assert extension_buckets(DUE, new, now=at(2026, 3, 3, 9)) == (Bucket.OVERDUE, Bucket.ON_TRACK)
    assert extension_buckets(DUE, new, now=at(2026, 3, 6, 9)).extended is Bucket.DUE_SOON


STEPS = [
    ("half-day", at(2026, 3, 10, 10), 0.5, at(2026, 3, 10, 15)),
    ("three-days", at(2026, 3, 10, 10), 3, at(2026, 3, 13, 10)),
    ("one-day-over-tet", at(2026, 2, 13, 16), 1, at(2026, 2, 23, 16)),
    ("entered-saturday", at(2026, 3, 14, 9), 1, at(2026, 3, 16, 17)),
    ("entered-at-night", at(2026, 3, 10, 20), 0.25, at(2026, 3, 11, 10)),
    ("zero", at(2026, 3, 10, 10), 0, at(2026, 3, 10, 10)),
    ("quarter-from-11:00-ends-at-lunch", at(2026, 3, 10, 11), 0.125, at(2026, 3, 10, 12)),
]


@pytest.mark.parametrize(
    ("entered", "allot", "due"), [pytest.param(*c[1:], id=c[0]) for c in STEPS]
)
def test_step_due(entered: datetime, allot: float, due: datetime) -> None:
    assert step_due(entered, allot).due == due


STEP_STATUS = [
    ("left-same-day-before", {"left": at(2026, 3, 13, 9)}, Bucket.ON_TIME),
    ("left-day-before", {"left": at(2026, 3, 12, 16)}, Bucket.EARLY),
    ("left-after", {"left": at(2026, 3, 13, 10, 1)}, Bucket.LATE),
    ("open-two-days-left", {"now": at(2026, 3, 11, 10)}, Bucket.ON_TRACK),
    ("open-one-day-left", {"now": at(2026, 3, 12, 10)}, Bucket.DUE_SOON),
    ("open-past", {"now": at(2026, 3, 13, 11)}, Bucket.OVERDUE),
]


@pytest.mark.parametrize(("kw", "expected"), [pytest.param(*c[1:], id=c[0]) for c in STEP_STATUS])
def test_step_status(kw: dict[str, datetime], expected: Bucket) -> None:
    res = step_status(at(2026, 3, 10, 10), 3, **kw)  # due Fri 13/03 10:00
    assert res.due.due == at(2026, 3, 13, 10)
    assert res.bucket is expected


def test_step_trace() -> None:
    trace = step_due(at(2026, 3, 10, 10), 0.5).trace
    assert trace[0].startswith("Bước được giao 0,5 ngày làm việc (240 phút làm việc)")
    assert trace[-1] == "Hạn của bước: 15:00 thứ Ba 10/03/2026."
