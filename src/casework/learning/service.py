"""Handbook reads and quiz attempts: recording them, grading a quiz, reading attempts back.

- **A read** is recorded when a trainee (an active user with an acting role) opens a procedure's
  handbook page: one row per user, procedure and local day, in its own short transaction so the
  page itself stays a read. A read that cannot be written (a busy database) is logged, never an
  error on the page.
- **A quiz** is taken by trainees only (403 otherwise). Every question needs one answer (422 naming
  the question, nothing stored); answers to a quiz that changed since the page was shown are
  refused (409). Passing: at least `PASS_PERCENT` of the answers right. Each submission is one
  `QuizAttempt` row, one transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session, col, select

from casework.accounts.models import ACTING_ROLES, User
from casework.db import session_for, utcnow, write_engine
from casework.dossiers.clockwork import CalendarSource
from casework.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from casework.ids import parse_int
from casework.learning import levels as stored_levels
from casework.learning import path, streaks
from casework.learning.models import HandbookRead, QuizAttempt
from casework.learning.quizzes import PASS_PERCENT, Quiz, QuizRegistry
from casework.procedures import ProcedureRegistry
from casework.scenarios.schema import ScenarioRegistry

if TYPE_CHECKING:
    from casework.progress.service import Progress

log = logging.getLogger("casework.learning")
RECENT_ATTEMPTS = 5


def is_trainee(user: User | None) -> bool:
    return user is not None and user.is_active and user.has_role(*ACTING_ROLES)


# ---- handbook reads ---------------------------------------------------------------------------


def record_read(
    session: Session,
    *,
    user: User | None,
    procedure_code: str,
    tz: ZoneInfo,
    now: datetime | None = None,
    levels: stored_levels.Catalog | None = None,
) -> bool:
    """Note that a trainee read `procedure_code`'s handbook page today (once a local day), and
    refresh their stored levels in the same transaction (`levels`: the catalogue).
    Returns whether a row was written. Non-trainees and anonymous readers are not recorded."""
    if not is_trainee(user) or user is None or user.id is None:
        return False
    today = (now or utcnow()).astimezone(tz).date()
    seen = session.exec(
        select(HandbookRead.id).where(
            HandbookRead.user_id == user.id,
            HandbookRead.procedure_code == procedure_code,
            HandbookRead.read_on == today,
        )
    ).first()
    if seen is not None:
        return False
    try:
        with session_for(write_engine(session.get_bind().engine)) as writer:
            writer.add(
                HandbookRead(
                    user_id=user.id,
                    procedure_code=procedure_code,
                    read_on=today,
                    read_at=now or utcnow(),
                )
            )
            writer.flush()
            stored_levels.refresh(writer, [user.id], levels, now=now)
            writer.commit()
    except IntegrityError:  # the same page opened twice at once: already recorded
        return False
    except OperationalError as exc:  # a busy database: the page matters more than the record
        log.warning(
            "handbook_read_not_recorded user=%s procedure=%s: %s", user.id, procedure_code, exc
        )
        return False
    return True


# ---- quizzes ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Graded:
    correct: int
    total: int

    @property
    def score(self) -> int:
        return self.correct * 100 // self.total if self.total else 0

    @property
    def passed(self) -> bool:
        return self.correct * 100 >= PASS_PERCENT * self.total


def grade(quiz: Quiz, answers: list[int]) -> Graded:
    """Right answers out of the questions (pure)."""
    right = sum(1 for q, a in zip(quiz.questions, answers, strict=True) if a == q.answer_index)
    return Graded(right, len(quiz.questions))


def parse_answers(quiz: Quiz, values: Mapping[str, str]) -> list[int]:
    """The chosen choice of each question from the form (`q1`, `q2`… → the choice's number);
    `ValidationFailed` naming every question left blank or answered with an unknown choice."""
    answers: list[int] = []
    errors: dict[str, str] = {}
    for i, q in enumerate(quiz.questions, start=1):
        raw = (values.get(f"q{i}") or "").strip()
        if not raw:
            errors[f"q{i}"] = f"Câu {i}: chọn một đáp án."
            continue
        if parse_int(raw, 0, len(q.choices) - 1) is None:
            errors[f"q{i}"] = f"Câu {i}: lựa chọn «{raw[:20]}» không có trong câu hỏi."
            continue
        answers.append(int(raw))
    if errors:
        missing = len(errors)
        raise ValidationFailed(
            f"Còn {missing} câu chưa có đáp án hợp lệ: chưa chấm bài.", fields=errors
        )
    return answers


def submit(
    session: Session,
    *,
    user: User,
    quiz: Quiz,
    values: Mapping[str, str],
    now: datetime | None = None,
    levels: stored_levels.Catalog | None = None,
) -> QuizAttempt:
    """Grade and store one attempt, and refresh the trainee's stored levels (`levels`: the
    catalogue); one transaction."""
    if not is_trainee(user):
        raise PermissionDenied(
            "Chỉ cán bộ tiếp nhận, thụ lý hoặc lãnh đạo đang hoạt động mới làm bài trắc nghiệm."
        )
    if (values.get("digest") or "") != quiz.digest:
        raise Conflict(
            "Bài trắc nghiệm vừa được cập nhật sau khi bạn mở trang. Hãy làm lại trên bài mới."
        )
    answers = parse_answers(quiz, values)
    graded = grade(quiz, answers)
    assert user.id is not None
    attempt = QuizAttempt(
        user_id=user.id,
        procedure_code=quiz.procedure,
        quiz_digest=quiz.digest,
        answers=answers,
        correct=graded.correct,
        total=graded.total,
        score=graded.score,
        passed=graded.passed,
        submitted_at=now or utcnow(),
    )
    session.add(attempt)
    session.flush()
    stored_levels.refresh(session, [user.id], levels, now=now)
    session.commit()
    return attempt


def attempt_of(session: Session, *, user: User, code: str, attempt_id: int) -> QuizAttempt:
    """The user's own attempt (404 for anyone else's: nothing leaks)."""
    attempt = session.get(QuizAttempt, attempt_id)
    if attempt is None or attempt.user_id != user.id or attempt.procedure_code != code:
        raise NotFound("Không tìm thấy lần làm bài này.")
    return attempt


def recent_attempts(
    session: Session, *, user: User, code: str, limit: int = RECENT_ATTEMPTS
) -> list[QuizAttempt]:
    return list(
        session.exec(
            select(QuizAttempt)
            .where(QuizAttempt.user_id == user.id, QuizAttempt.procedure_code == code)
            .order_by(col(QuizAttempt.submitted_at).desc(), col(QuizAttempt.id).desc())
            .limit(limit)
        ).all()
    )


# ---- a trainee's summary ----------------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    """A trainee's paths and streak, with the rules the page prints."""

    paths: path.Paths
    streak: streaks.Streak
    levels: tuple[path.Level, ...] = path.LEVELS
    pass_percent: int = PASS_PERCENT

    @property
    def badges(self) -> list[str]:
        return self.paths.badges + self.streak.badges


def summary(
    session: Session,
    *,
    user: User,
    progress: Progress,
    procedures: ProcedureRegistry,
    scenarios: ScenarioRegistry,
    quizzes: QuizRegistry,
    calendars: CalendarSource,
    tz: ZoneInfo,
    now: datetime | None = None,
) -> Summary:
    """`user`'s paths (from their `progress`) and streak on their unit's calendar."""
    assert user.id is not None
    paths = path.paths_of(
        session, {user.id: progress}, procedures=procedures, scenarios=scenarios, quizzes=quizzes
    )[user.id]
    today = (now or utcnow()).astimezone(tz).date()
    since = today - timedelta(days=streaks.STREAK_WINDOW_DAYS)
    days = streaks.activity_days(session, user, tz, since=since)
    calendar = calendars.for_unit(session, user.unit_id)
    return Summary(paths, streaks.streak(days, today=today, is_working_day=calendar.is_working_day))
