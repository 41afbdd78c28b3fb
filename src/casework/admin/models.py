"""The history of accounts: every grant and removal of a role, move, lock, unlock, password reset
and creation an admin makes on the admin pages, one row each (issue 17, finding 1).

Rows are only added, in the same transaction as the change. `role` is set for a grant or a
removal; `old_value` / `new_value` hold the unit codes of a move. `actor_id` is the admin; a
change made with `casework users …` on the server has no actor and `via` says so
("cli:<the server account>").

The rows form one hash chain, like a dossier's events (`admin.history_chain`): each row's `hash`
is SHA-256 over its content and `prev_hash`, the hash of the row before it. `audit verify`
follows it, and a signed checkpoint signs its length and last hash, so a row edited or deleted,
or the chain cut short, is caught.
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
    session_ended = "session_ended"
    token_issued = "token_issued"
    tokens_revoked = "tokens_revoked"


CHANGE_LABELS = {
    ChangeKind.created: "Tạo tài khoản",
    ChangeKind.granted: "Cấp vai trò",
    ChangeKind.removed: "Bỏ vai trò",
    ChangeKind.moved: "Chuyển đơn vị",
    ChangeKind.renamed: "Đổi họ tên",
    ChangeKind.locked: "Khóa tài khoản",
    ChangeKind.unlocked: "Mở khóa tài khoản",
    ChangeKind.password_reset: "Đặt lại mật khẩu",
    ChangeKind.session_ended: "Kết thúc phiên đăng nhập",
    ChangeKind.token_issued: "Cấp mã truy cập API",
    ChangeKind.tokens_revoked: "Thu hồi mã truy cập API",
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
    #: "" on the admin pages; "cli:<server account>" for `casework users …`
    via: str = Field(default="", max_length=64)
    prev_hash: str = Field(default="", max_length=64)
    hash: str = Field(default="", max_length=64)
