"""The history of accounts: every grant and removal of a role, move, lock, unlock, password reset
and creation an admin makes on the admin pages, one row each (issue 17, finding 1).

Rows are only added, in the same transaction as the change. `role` is set for a grant or a
removal; `old_value` / `new_value` hold the unit codes of a move. `actor_id` is the admin.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from casework.db import UTCDateTime, utcnow


class ChangeKind(StrEnum):
    created = "created"
    granted = "granted"
    removed = "removed"
    moved = "moved"
    renamed = "renamed"
    locked = "locked"
    unlocked = "unlocked"
    password_reset = "password_reset"


CHANGE_LABELS = {
    ChangeKind.created: "Tạo tài khoản",
    ChangeKind.granted: "Cấp vai trò",
    ChangeKind.removed: "Bỏ vai trò",
    ChangeKind.moved: "Chuyển đơn vị",
    ChangeKind.renamed: "Đổi họ tên",
    ChangeKind.locked: "Khóa tài khoản",
    ChangeKind.unlocked: "Mở khóa tài khoản",
    ChangeKind.password_reset: "Đặt lại mật khẩu",
}


class AccountChange(SQLModel, table=True):
    __tablename__ = "account_change"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    actor_id: int | None = Field(default=None, foreign_key="user.id")
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    kind: str = Field(max_length=16)
    role: str | None = Field(default=None, max_length=16)
    old_value: str = Field(default="", max_length=255)
    new_value: str = Field(default="", max_length=255)
