"""Tables of the classes domain: a certificate class, the demand registered for it, its seats."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from casework.db import JSONType, UTCDateTime, utcnow
from casework.web.i18n import N_

#: The two fields a certificate is for: the same words as the procedures' `field:`.
FIELDS = ("Đo lường", "Chất lượng sản phẩm, hàng hóa")
MAX_NOTE = 1000


class ClassStatus(StrEnum):
    open = "open"  # open for demand (nhận đăng ký)
    full = "full"  # filled: the seats are chosen, demand is closed
    held = "held"  # taught: attendance recorded
    completed = "completed"  # certificates issued to those present
    cancelled = "cancelled"


# Interface words: templates show them through `|t` (extracted by `make i18n`, see babel.cfg).
STATUS_LABELS = {
    ClassStatus.open: N_("Đang nhận đăng ký"),
    ClassStatus.full: N_("Đã xếp đủ chỗ"),
    ClassStatus.held: N_("Đã học, đã điểm danh"),
    ClassStatus.completed: N_("Đã hoàn thành, đã cấp chứng chỉ"),
    ClassStatus.cancelled: N_("Đã hủy"),
}

MODE_LABELS = {"in_person": N_("Học trực tiếp"), "online": N_("Học trực tuyến")}


class Attendance(StrEnum):
    present = "present"
    absent = "absent"


class TrainingClass(SQLModel, table=True):
    """A certificate class opened by the ministry. `version` goes up on every change, and
    `updated_by_id`, `updated_at`, `last_change` say who changed what last (for a conflict)."""

    __tablename__ = "training_class"

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=255)
    field: str = Field(max_length=64, index=True)
    mode: str = Field(default="in_person", max_length=16)
    place: str = Field(default="", max_length=255)
    start_date: date = Field(index=True)
    end_date: date
    capacity: int
    status: str = Field(default=ClassStatus.open, max_length=16, index=True)
    note: str = Field(default="", max_length=MAX_NOTE)
    created_by_id: int = Field(foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_by_id: int | None = Field(default=None, foreign_key="user.id")
    updated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_change: str = Field(default="", max_length=255)
    completed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    version: int = 1


class ClassDemand(SQLModel, table=True):
    """A department's request of seats for one of its communes in one class: named officers
    (users of the commune) and/or a number of seats (`seats` is the total wanted)."""

    __tablename__ = "class_demand"
    __table_args__ = (UniqueConstraint("class_id", "commune_id"),)

    id: int | None = Field(default=None, primary_key=True)
    class_id: int = Field(foreign_key="training_class.id", index=True)
    commune_id: int = Field(foreign_key="unit.id", index=True)
    seats: int
    officer_ids: list[int] = Field(default_factory=list, sa_type=JSONType)
    note: str = Field(default="", max_length=MAX_NOTE)
    requested_by_id: int = Field(foreign_key="user.id")
    requested_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ClassSeat(SQLModel, table=True):
    """One place in a filled class: a commune's officer (or a seat not yet named), its rank on
    the priority list when filled, attendance, and the certificate issued at completion."""

    __tablename__ = "class_seat"

    id: int | None = Field(default=None, primary_key=True)
    class_id: int = Field(foreign_key="training_class.id", index=True)
    commune_id: int = Field(foreign_key="unit.id", index=True)
    user_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    demand_id: int | None = Field(default=None, foreign_key="class_demand.id")
    rank: int
    attendance: str | None = Field(default=None, max_length=16)
    certificate_id: int | None = None
    certificate_number: str | None = Field(default=None, max_length=64)
