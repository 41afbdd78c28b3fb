"""Tables of the findings domain: the structured rows of an inspection record, and the handling of
a violation (who sanctions, the decision, the amount, the remedy deadline, the follow-up check).

A row keeps what was typed (`values`, JSON of text) and what the rules made of it when it was
saved (`passed`, `words`): the record prints the verdict that was shown when it was written.
Every change is also an event of the dossier (`findings.service`), in the same transaction.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, Column, Date
from sqlmodel import Field, SQLModel

from casework.db import JSONType, UTCDateTime, utcnow


class RowKind(StrEnum):
    instrument = "instrument"  # phương tiện đo
    packaged = "packaged"  # hàng đóng gói sẵn
    quality = "quality"  # chất lượng hàng hóa


class FindingRow(SQLModel, table=True):
    __tablename__ = "finding_row"

    id: int | None = Field(default=None, primary_key=True)
    dossier_id: int = Field(foreign_key="dossier.id", index=True)
    kind: str = Field(max_length=16)
    position: int = 1
    values: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    passed: bool | None = None  # None: not decided (a sample short, a lab result awaited)
    words: str = Field(default="", max_length=2000)
    created_by_id: int = Field(foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Handling(SQLModel, table=True):
    """How a violation found by an inspection was handled, and its follow-up check."""

    __tablename__ = "finding_handling"

    id: int | None = Field(default=None, primary_key=True)
    dossier_id: int = Field(foreign_key="dossier.id", unique=True)
    transferred_to: str = Field(default="", max_length=500)
    decision_number: str = Field(default="", max_length=100)
    amount: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    remedy_deadline: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    follow_up_on: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    follow_up_code: str = Field(default="", max_length=80)
    updated_by_id: int = Field(foreign_key="user.id")
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
