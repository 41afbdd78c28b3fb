"""Tables of progress: a unit's leaderboard opt-out (sign-offs are `casework.signoffs`).

Everything else on the progress pages (scenarios done, scores, verdicts, points, badges) is
computed from the dossiers and their event log, never stored.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from casework.db import UTCDateTime, utcnow


class UnitOptOut(SQLModel, table=True):
    """The unit's trainees never appear on the leaderboard."""

    __tablename__ = "unit_opt_out"

    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", unique=True)
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
