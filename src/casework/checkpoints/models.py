"""The database's record of each signed checkpoint. The files in the checkpoint directory are
the evidence; this row is what the pages and the monthly report show (and `audit verify
--checkpoint` checks that it still matches the file)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from casework.db import UTCDateTime


class AuditCheckpoint(SQLModel, table=True):
    __tablename__ = "audit_checkpoint"

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(sa_type=UTCDateTime, index=True)
    #: who ran `casework audit checkpoint` (the operating-system account)
    created_by: str = Field(default="", max_length=64)
    tree_size: int
    root: str = Field(max_length=64)
    #: the exact signed statement (`service.statement`)
    body: str = Field(sa_column=Column(Text, nullable=False))
    signature: str = Field(max_length=128)
    key_fingerprint: str = Field(max_length=64)
    public_key: str = Field(sa_column=Column(Text, nullable=False))
    #: the JSON file's name in the checkpoint directory
    file_name: str = Field(max_length=255)
