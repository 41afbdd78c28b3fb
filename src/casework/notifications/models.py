"""Tables of the notifications domain."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from casework.db import UTCDateTime


class NotificationSeen(SQLModel, table=True):
    """When a user last marked their notifications as seen (one row per user, updated)."""

    __tablename__ = "notification_seen"

    user_id: int = Field(foreign_key="user.id", primary_key=True)
    seen_at: datetime = Field(sa_type=UTCDateTime)
