"""Tables of the accounts domain."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Column, Index, String, event
from sqlmodel import Field, SQLModel

from casework.db import JSONType, UTCDateTime, keep_for_transaction, utcnow
from casework.text import fold


class UnitKind(StrEnum):
    ministry = "ministry"
    department = "department"
    commune = "commune"


class Role(StrEnum):
    receiver = "receiver"  # one-stop desk (tiếp nhận)
    handler = "handler"  # specialist (thụ lý)
    leader = "leader"  # signs (lãnh đạo)
    mentor = "mentor"  # ministry coach
    auditor = "auditor"  # reads, never writes
    admin = "admin"  # users, units, calendars
    catalogue_editor = "catalogue_editor"  # ministry: edits procedures in the workshop (issue 20)


ROLE_LABELS = {
    Role.receiver: "Tiếp nhận (một cửa)",
    Role.handler: "Chuyên viên thụ lý",
    Role.leader: "Lãnh đạo ký duyệt",
    Role.mentor: "Cán bộ hướng dẫn của Bộ",
    Role.auditor: "Kiểm tra, giám sát",
    Role.admin: "Quản trị",
    Role.catalogue_editor: "Biên tập danh mục thủ tục của Bộ",
}

#: Which kind of unit may sit under which (a commune has no children; only a ministry is a root).
CHILD_KINDS: dict[str, tuple[str, ...]] = {
    UnitKind.ministry: (UnitKind.department, UnitKind.commune),
    UnitKind.department: (UnitKind.commune,),
    UnitKind.commune: (),
}

#: Roles that may fire actions on dossiers.
ACTING_ROLES = frozenset({Role.receiver, Role.handler, Role.leader})


class Unit(SQLModel, table=True):
    """A node of the unit tree. `path` is the materialised path of ids, e.g. "/1/5/12/"."""

    # a unique index, not a constraint: SQLite adds it without rebuilding the table (0014)
    __table_args__ = (Index("uq_unit_kind_official_code", "kind", "official_code", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(sa_column=Column(String(64), unique=True, nullable=False, index=True))
    name: str = Field(max_length=255)
    kind: str = Field(max_length=16)
    parent_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    province: str | None = Field(default=None, max_length=64)
    path: str = Field(default="/", max_length=255, index=True)
    calendar_name: str | None = Field(default=None, max_length=64)
    # ---- the official tree (casework units import; see casework.units) ----
    #: The official number of the province (for a department) or of the commune/ward (for a
    #: commune), from the national list; None for units not from it (the ministry, local ones).
    official_code: int | None = Field(default=None)
    official_name: str | None = Field(default=None, max_length=255)
    #: tỉnh | thành phố trung ương | xã | phường | đặc khu
    division_type: str | None = Field(default=None, max_length=32)
    #: Set when the unit is no longer in the official list (it is marked, never deleted).
    absent_since: datetime | None = Field(default=None, sa_type=UTCDateTime)


def search_name(username: str, full_name: str) -> str:
    """What the name searches match (the review queue's trainee filter): the user name and the
    full name, folded (`casework.text.fold`: no accents, lower case)."""
    return fold(f"{username} {full_name}")


def _search_name_default(context: Any) -> str:
    """A Core INSERT of user rows without `search_name` (the demo's and the benches' bulk rows)
    gets it from the row's own names."""
    row = context.get_current_parameters()
    return search_name(row.get("username") or "", row.get("full_name") or "")


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(sa_column=Column(String(64), unique=True, nullable=False, index=True))
    full_name: str = Field(max_length=255)
    #: `search_name(username, full_name)`, kept in step on every write (the listeners below for
    #: the ORM, the column default for Core inserts); migration 0030 filled the older rows
    search_name: str = Field(
        default="",
        sa_column=Column(
            String(320), nullable=False, server_default="", default=_search_name_default
        ),
    )
    unit_id: int = Field(foreign_key="unit.id", index=True)
    roles: list[str] = Field(default_factory=list, sa_type=JSONType)
    password_hash: str | None = Field(default=None, max_length=255)
    is_active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    def has_role(self, *roles: str) -> bool:
        return any(r in self.roles for r in roles)


@event.listens_for(User, "before_insert")
@event.listens_for(User, "before_update")
def _keep_search_name(_mapper: Any, _connection: Any, target: User) -> None:
    target.search_name = search_name(target.username or "", target.full_name or "")


class ApiToken(SQLModel, table=True):
    """A personal API token; only its SHA-256 is stored."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    token_hash: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    label: str = Field(default="", max_length=255)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class LoginAttempt(SQLModel, table=True):
    """One sign-in attempt on the pages, for throttling (see `accounts.throttle`).

    Kept in the database so that every app worker sees the same counts. `username` is what was
    typed (lower-cased, whether or not such an account exists); `address` is the client's IP.
    Rows older than a day are pruned as new attempts come in.
    """

    __tablename__ = "login_attempt"
    __table_args__ = (
        Index("ix_login_attempt_username_at", "username", "at"),
        Index("ix_login_attempt_address_at", "address", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64)
    address: str = Field(max_length=64)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    success: bool = False


class UserSession(SQLModel, table=True):
    """A signed-in session of the pages (docs/security.md, "Sessions").

    The browser's cookie carries a random token; only its SHA-256 is stored here, so a copy of
    the database (a backup) holds nothing that signs anyone in. A session counts only while this
    row exists, is not ended and is within the idle and absolute timeouts: logging out, ending it
    from the sessions page, locking the user and setting a new password end it here, and the
    cookie is worthless from that moment. Rows last seen long ago are purged at sign-in.
    """

    __tablename__ = "user_session"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    user_id: int = Field(foreign_key="user.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    #: written at most once a minute (`accounts.sessions.TOUCH_INTERVAL`), not on every request
    last_seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    address: str = Field(default="", max_length=64)
    user_agent: str = Field(default="", max_length=200)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    #: why it ended (`accounts.sessions.EndReason`), None while it lasts
    end_reason: str | None = Field(default=None, max_length=32)


keep_for_transaction(Unit, User)
