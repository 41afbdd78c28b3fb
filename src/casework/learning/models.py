"""Tables of the learning path: handbook pages read, quiz attempts, and each trainee's level per
field (`LearningLevel`, derived: stored only so /progress can count it in SQL).

Everything else on the path (scenarios finished, the mentor's verdicts, sign-offs, badges,
streaks) is computed from the dossiers, their events and the sign-offs on every read.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from casework.db import JSONType, UTCDateTime, utcnow


class HandbookRead(SQLModel, table=True):
    """A trainee opened a procedure's handbook page on a (local) day: one row per user,
    procedure and day, so the streak can count the day."""

    __tablename__ = "handbook_read"
    __table_args__ = (UniqueConstraint("user_id", "procedure_code", "read_on"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    procedure_code: str = Field(max_length=64)
    read_on: date
    read_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class QuizAttempt(SQLModel, table=True):
    """One submitted quiz: the chosen answer of each question (its index among the choices), the
    score, and the version (digest) of the quiz that was answered."""

    __tablename__ = "quiz_attempt"
    __table_args__ = (Index("ix_quiz_attempt_user_procedure", "user_id", "procedure_code"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id")
    procedure_code: str = Field(max_length=64)
    quiz_digest: str = Field(max_length=32)
    answers: list[int] = Field(default_factory=list, sa_type=JSONType)
    correct: int
    total: int
    #: the share of right answers, in percent (rounded down)
    score: int
    passed: bool
    submitted_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class LearningLevel(SQLModel, table=True):
    """A trainee's level on the learning path of one field (`learning.path.LEVELS`: 0 — not
    started — to 4), stored when the evidence behind it changes (`learning.levels.refresh`) so
    /progress can count trainees per level with one grouped query. Derived data: `casework
    learning levels` rebuilds every row from the evidence."""

    __tablename__ = "learning_level"
    __table_args__ = (UniqueConstraint("user_id", "field"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    field: str = Field(max_length=200)
    level: int
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
