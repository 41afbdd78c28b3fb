"""Tables of inspections: the commune's annual plan, one inspection per dossier, its team.

An inspection is still a `Dossier` (events, clock, state machine); the `Inspection` row beside it
holds what a citizen dossier does not have: where it came from (a plan item or an ad hoc
trigger), the establishment inspected, and — once the decision is signed — its number, time and
place. The dossier's `applicant_name` / `applicant_address` carry the establishment's name and
address too, so the queue, search and reports read right without knowing about inspections.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Column, Date, UniqueConstraint
from sqlmodel import Field, SQLModel

from casework.db import UTCDateTime, utcnow


class Origin(StrEnum):
    plan = "plan"  # kế hoạch kiểm tra năm
    ad_hoc = "ad_hoc"  # đột xuất


class Trigger(StrEnum):
    complaint = "complaint"  # phản ánh, khiếu nại
    province_signal = "province_signal"  # chỉ đạo, thông tin từ tỉnh (Sở)
    other = "other"


TRIGGER_LABELS = {
    Trigger.complaint: "Phản ánh, khiếu nại, tố cáo",
    Trigger.province_signal: "Chỉ đạo hoặc thông tin từ cấp tỉnh (Sở KH&CN)",
    Trigger.other: "Lý do khác",
}


class TeamRole(StrEnum):
    head = "head"  # trưởng đoàn
    technical = "technical"  # thành viên kỹ thuật
    member = "member"  # thành viên


TEAM_ROLE_LABELS = {
    TeamRole.head: "Trưởng đoàn",
    TeamRole.technical: "Thành viên kỹ thuật",
    TeamRole.member: "Thành viên",
}
#: Who must hold a valid measurement certificate whichever body they come from (TT 28/2013/
#: TT-BKHCN Điều 5 khoản 7: the head and the technical staff of point a of khoản 5); a plain
#: member needs one only when they are staff of the inspecting body (`inspections.team`).
CERTIFIED_ROLES = frozenset({TeamRole.head, TeamRole.technical})


class InspectionPlan(SQLModel, table=True):
    """Kế hoạch kiểm tra năm of one unit, approved by its chairperson."""

    __tablename__ = "inspection_plan"
    __table_args__ = (UniqueConstraint("unit_id", "year", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    year: int
    number: str = Field(max_length=64)
    approved_on: date = Field(sa_column=Column(Date, nullable=False))
    approved_by: str = Field(default="", max_length=255)
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class InspectionPlanItem(SQLModel, table=True):
    """One line of a plan: which establishment, in which month, under which procedure."""

    __tablename__ = "inspection_plan_item"

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="inspection_plan.id", index=True)
    procedure_code: str = Field(max_length=64)
    month: int
    establishment_name: str = Field(max_length=255)
    establishment_address: str = Field(default="", max_length=500)
    business_code: str = Field(default="", max_length=64)
    trades: str = Field(default="", max_length=500)
    #: The dossier opened from this line (at most one).
    dossier_id: int | None = Field(default=None, foreign_key="dossier.id", index=True)


class Inspection(SQLModel, table=True):
    """What an inspection dossier has that a citizen dossier has not."""

    id: int | None = Field(default=None, primary_key=True)
    dossier_id: int = Field(foreign_key="dossier.id", unique=True)
    origin: str = Field(max_length=16)
    plan_item_id: int | None = Field(
        default=None, foreign_key="inspection_plan_item.id", index=True
    )
    trigger: str = Field(default="", max_length=32)
    trigger_note: str = Field(default="", max_length=2000)
    establishment_name: str = Field(max_length=255)
    establishment_address: str = Field(default="", max_length=500)
    business_code: str = Field(default="", max_length=64)
    trades: str = Field(default="", max_length=500)
    #: Set by the decision: its number, when and where the inspection takes place.
    decision_number: str = Field(default="", max_length=64)
    inspection_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    place: str = Field(default="", max_length=500)


class TeamMember(SQLModel, table=True):
    """One person of the team named by the decision: an officer of the unit, an officer of the
    department seconded to it, or a person another body sent (police, market control, an
    inspector…) who has no account here (`user_id` None, their body typed in `unit_name`)."""

    __tablename__ = "inspection_team_member"

    id: int | None = Field(default=None, primary_key=True)
    inspection_id: int = Field(foreign_key="inspection.id", index=True)
    user_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    role: str = Field(max_length=16)
    position: int = 0
    #: The member's name and unit as written in the decision (kept if the account changes).
    name: str = Field(max_length=255)
    unit_name: str = Field(default="", max_length=255)
    #: Not staff of the inspecting body (the unit that issues the decision): sent by another
    #: body — the department above it, or one without an account here.
    other_body: bool = False
    #: Kiểm soát viên chất lượng, as the decision declared it (quality inspections; None: the
    #: decision did not ask — a measurement inspection). The decision form of the next quality
    #: inspection ticks an officer as their latest declaration says.
    quality_controller: bool | None = None
