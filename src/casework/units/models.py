"""The history of the official tree: every change an import made to a unit, one row each.

Rows are only added. `change` is one of `CHANGES`; `old_value` / `new_value` hold the name (a
rename), the parent unit's code (a move) or nothing (absent from the list, back in it).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from casework.db import UTCDateTime, utcnow


class UnitChangeKind(StrEnum):
    renamed = "renamed"  # the official name changed (the unit's name follows)
    moved = "moved"  # the commune now belongs to another province
    absent = "absent"  # no longer in the official list: marked, never deleted
    returned = "returned"  # in the list again after being absent
    linked = "linked"  # an existing unit got its official code (matched by our code)


CHANGE_LABELS = {
    UnitChangeKind.renamed: "Đổi tên",
    UnitChangeKind.moved: "Chuyển tỉnh",
    UnitChangeKind.absent: "Không còn trong danh mục",
    UnitChangeKind.returned: "Có lại trong danh mục",
    UnitChangeKind.linked: "Gắn mã chính thức",
}


class UnitChange(SQLModel, table=True):
    __tablename__ = "unit_change"

    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    change: str = Field(max_length=16)
    old_value: str = Field(default="", max_length=255)
    new_value: str = Field(default="", max_length=255)
    #: where the change came from, e.g. "vietnam-provinces 2025.10.1"
    source: str = Field(max_length=64)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
