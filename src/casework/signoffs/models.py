"""The sign-off history: append-only rows, one per signing or revoking.

A mentor signs a procedure off for a trainee ("có thể làm độc lập", can work alone), or revokes
it, with a reason. Nothing is ever updated or deleted: the current status of (trainee,
procedure) is its latest row (highest `seq`), signed or revoked. `seq` counts 1, 2, 3… per
(trainee, procedure) and is unique there, so two mentors signing at the same moment cannot both
succeed. A signed row carries its certificate number (`numbers.py`) and the dossier codes of the
passed practice runs it rests on; a revoked row carries the reason in `note`.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from casework.db import JSONType, UTCDateTime, utcnow
from casework.signoffs.numbers import LENGTH


class SignOffKind(StrEnum):
    signed = "signed"
    revoked = "revoked"


class SignOffEntry(SQLModel, table=True):
    __tablename__ = "sign_off_entry"
    __table_args__ = (UniqueConstraint("trainee_id", "procedure_code", "seq"),)

    id: int | None = Field(default=None, primary_key=True)
    trainee_id: int = Field(foreign_key="user.id", index=True)
    procedure_code: str = Field(max_length=64)
    seq: int
    kind: str = Field(max_length=16)
    #: The mentor who signed or revoked.
    mentor_id: int = Field(foreign_key="user.id", index=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    #: The mentor's note when signing; the reason (required) when revoking.
    note: str = Field(default="", max_length=1000)
    #: The certificate number of a signed row (None on a revoked row).
    number: str | None = Field(
        default=None, sa_column=Column(String(LENGTH), unique=True, nullable=True)
    )
    #: Codes of the passed practice dossiers the sign-off rests on (signed rows).
    evidence: list[str] = Field(default_factory=list, sa_type=JSONType)

    @property
    def signed(self) -> bool:
        return self.kind == SignOffKind.signed
