"""Tables and event kinds of mentor review.

Only the assignments are a table of their own. Comments, checklist scores and verdicts are rows of
the dossier's `event` log (DESIGN §7), so they are hash-chained, never edited, and replayable:

- ``comment``: ``{"on": seq, "reply_to": seq | null, "text": …}`` — on the event ``on``, a reply
  to the comment event ``reply_to`` (threads);
- ``score``: ``{"on": seq, "state": …, "items": [{"item", "ok", "note"}]}`` — the procedure's
  checklist of the step entered by event ``on``; a later score of the same step replaces it;
- ``review``: the verdict, action ``pass`` or ``redo``; ``redo`` carries from/to state like an
  action, so replay and the chain follow the dossier back to the chosen step.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import UniqueConstraint, false
from sqlmodel import Field, SQLModel

from casework.db import UTCDateTime, utcnow


class ReviewKind(StrEnum):
    """Event kinds written by mentors (`Event.kind`; `comment` is `EventKind.comment`)."""

    comment = "comment"
    score = "score"
    review = "review"


class Verdict(StrEnum):
    passed = "pass"
    redo = "redo"


class MentorAssignment(SQLModel, table=True):
    """A mentor coaches one unit (and every unit below it); `can_view_real` adds read-only
    access to that unit's real dossiers."""

    __tablename__ = "mentor_assignment"
    __table_args__ = (UniqueConstraint("mentor_id", "unit_id"),)

    id: int | None = Field(default=None, primary_key=True)
    mentor_id: int = Field(foreign_key="user.id", index=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    can_view_real: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
