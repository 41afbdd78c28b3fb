"""The table of sign-offs: a mentor says a trainee can work alone on one procedure."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from casework.db import UTCDateTime, utcnow


class SignOff(SQLModel, table=True):
    """A mentor says the trainee "có thể làm độc lập" (can work alone) on one procedure.

    One row per (trainee, procedure); revoking deletes it, signing again replaces it."""

    __tablename__ = "sign_off"
    __table_args__ = (UniqueConstraint("trainee_id", "procedure_code"),)

    id: int | None = Field(default=None, primary_key=True)
    mentor_id: int = Field(foreign_key="user.id", index=True)
    trainee_id: int = Field(foreign_key="user.id", index=True)
    procedure_code: str = Field(max_length=64)
    note: str = Field(default="", max_length=1000)
    signed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
