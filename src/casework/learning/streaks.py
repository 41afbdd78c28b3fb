"""Streaks: consecutive working days (the unit's calendar) with learning activity — a handbook
page read, a quiz submitted, an event of the trainee's on a practice dossier. Days off neither
count nor break a streak; today without activity yet does not break it. One badge per streak
length reached (`STREAK_BADGES`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from casework.accounts.models import User
from casework.dossiers.models import Dossier, Event, Mode
from casework.learning.models import HandbookRead, QuizAttempt

STREAK_BADGES = (3, 5, 10, 20)
#: How far back the streak looks (the longest streak is of this window).
STREAK_WINDOW_DAYS = 400


@dataclass(frozen=True)
class Streak:
    current: int
    best: int

    @property
    def badges(self) -> list[str]:
        return [f"Chuỗi {n} ngày học" for n in STREAK_BADGES if self.best >= n]


def streak(days: Iterable[date], *, today: date, is_working_day: Callable[[date], bool]) -> Streak:
    """Consecutive working days with activity, up to today (pure). Days off are skipped: they
    neither count nor break a streak; today without activity yet does not break it."""
    active = {d for d in days if d <= today}
    if not active:
        return Streak(0, 0)
    start = max(min(active), today - timedelta(days=STREAK_WINDOW_DAYS))
    run = best = 0
    d = start
    while d <= today:
        if is_working_day(d):
            if d in active:
                run += 1
                best = max(best, run)
            elif d != today:
                run = 0
        d += timedelta(days=1)
    return Streak(run, best)


def activity_days(session: Session, user: User, tz: ZoneInfo, *, since: date) -> set[date]:
    """The local days with learning activity of `user` since `since` (three small queries)."""
    start = datetime.combine(since, datetime.min.time(), tzinfo=tz)
    days: set[date] = set(
        session.exec(
            select(col(HandbookRead.read_on)).where(
                HandbookRead.user_id == user.id, col(HandbookRead.read_on) >= since
            )
        ).all()
    )
    stamps: list[Any] = list(
        session.exec(
            select(QuizAttempt.submitted_at).where(
                QuizAttempt.user_id == user.id, col(QuizAttempt.submitted_at) >= start
            )
        ).all()
    )
    stamps += session.exec(
        select(Event.at)
        .join(Dossier, col(Dossier.id) == Event.dossier_id)
        .where(Event.actor_id == user.id, Dossier.mode == Mode.practice, col(Event.at) >= start)
    ).all()
    days.update(at.astimezone(tz).date() for at in stamps)
    return days
