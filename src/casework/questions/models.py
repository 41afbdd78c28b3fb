"""Tables of the questions domain."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from casework.db import UTCDateTime, utcnow
from casework.inputs import LIMITS

MAX_QUESTION = LIMITS["question"]
MAX_ANSWER = LIMITS["answer"]


class QuestionStatus(StrEnum):
    open = "open"  # waiting for the ministry
    answered = "answered"


class Question(SQLModel, table=True):
    """One officer's question about a procedure (and optionally one of its steps).

    `answered_at` is the *first* answer and never moves when the answer is edited later, so
    `answer_minutes` (working minutes from `asked_at` to `answered_at` on the national calendar,
    stored when first answered) is the time the ministry took. `search_text` is the folded
    question and answer, for accent-insensitive `LIKE` on both databases. `version` guards
    against two mentors overwriting each other's answer.
    """

    __tablename__ = "question"

    id: int | None = Field(default=None, primary_key=True)
    procedure_code: str = Field(max_length=64, index=True)
    state: str | None = Field(default=None, max_length=64)
    asker_id: int = Field(foreign_key="user.id", index=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    text: str = Field(max_length=MAX_QUESTION)
    asked_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    status: str = Field(default=QuestionStatus.open, max_length=16, index=True)
    answer: str | None = Field(default=None, max_length=MAX_ANSWER)
    answered_by_id: int | None = Field(default=None, foreign_key="user.id")
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    answer_minutes: int | None = None
    answer_edited_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    public: bool = True
    asker_seen_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    search_text: str = Field(default="", max_length=12000)
    version: int = 1
