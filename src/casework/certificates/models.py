"""Tables of the certificates domain.

A `Certificate` is never deleted: a wrong one is revoked with a reason, and every change (made,
edited, imported, revoked) is a `CertificateChange` row with who, when and the values before.
`field` holds the procedures' own `field:` value (`workflows/*.yaml`), so an inspection of a
procedure is checked against certificates of exactly that field.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Column, Date, UniqueConstraint
from sqlmodel import Field, SQLModel

from casework.db import JSONType, UTCDateTime, utcnow

#: field (the procedures' `field:` value) → how a sentence names it ("về đo lường")
FIELDS: dict[str, str] = {
    "Đo lường": "đo lường",
    "Chất lượng sản phẩm, hàng hóa": "chất lượng sản phẩm, hàng hóa",
}


class Source(StrEnum):
    manual = "manual"  # typed in by an admin
    imported = "import"  # from a class's attendee list (XLSX)
    klass = "class"  # issued by completing a class (classes package)


SOURCE_LABELS = {
    Source.manual: "Nhập tay",
    Source.imported: "Nhập từ danh sách lớp (XLSX)",
    Source.klass: "Cấp khi hoàn thành lớp tập huấn",
}


class Certificate(SQLModel, table=True):
    __tablename__ = "certificate"
    __table_args__ = (UniqueConstraint("field", "issuer", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    field: str = Field(max_length=64, index=True)
    course: str = Field(max_length=255)
    issuer: str = Field(max_length=255)
    number: str = Field(max_length=64)
    issued_on: date = Field(sa_column=Column(Date(), nullable=False))
    valid_until: date | None = Field(default=None, sa_column=Column(Date(), nullable=True))
    evidence_name: str | None = Field(default=None, max_length=255)
    evidence_type: str | None = Field(default=None, max_length=128)
    evidence_size: int | None = None
    evidence_sha256: str | None = Field(default=None, max_length=64)
    evidence_key: str | None = Field(default=None, max_length=255)
    source: str = Field(default=Source.manual, max_length=16)
    class_id: int | None = Field(default=None, index=True)  # plain int: the classes package's
    recorded_by_id: int | None = Field(default=None, foreign_key="user.id")
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    revoked: bool = False
    revoked_reason: str | None = Field(default=None, max_length=1000)
    revoked_by_id: int | None = Field(default=None, foreign_key="user.id")
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    version: int = 1


class CertificateChange(SQLModel, table=True):
    """One change of a certificate: `kind` created | edited | revoked; `before` the old values."""

    __tablename__ = "certificate_change"

    id: int | None = Field(default=None, primary_key=True)
    certificate_id: int = Field(foreign_key="certificate.id", index=True)
    kind: str = Field(max_length=16)
    actor_id: int | None = Field(default=None, foreign_key="user.id")
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    before: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    note: str = Field(default="", max_length=1000)
