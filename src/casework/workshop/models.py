"""Tables of the workshop: drafts, their audit trail, and the catalogue's generation counter.

A `ProcedureVersion` row exists only for a PUBLISHED definition; everything before publication is
a `ProcedureDraft`. Every step of a draft (created, saved, submitted, returned, approved,
published, imported, abandoned) is one `DraftEvent`, written in the step's transaction: the audit
trail and the source of the version history page.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Text
from sqlmodel import Field, SQLModel

from casework.db import UTCDateTime, utcnow


class DraftKind(StrEnum):
    procedure = "procedure"
    scenario = "scenario"


class DraftStatus(StrEnum):
    draft = "draft"
    submitted = "submitted"
    returned = "returned"
    approved = "approved"
    published = "published"
    abandoned = "abandoned"


#: statuses in which the draft is still being worked on (one such draft per code and kind)
OPEN_STATUSES = (
    DraftStatus.draft,
    DraftStatus.submitted,
    DraftStatus.returned,
    DraftStatus.approved,
)

STATUS_LABELS = {
    DraftStatus.draft: "Đang soạn",
    DraftStatus.submitted: "Chờ duyệt",
    DraftStatus.returned: "Bị trả lại",
    DraftStatus.approved: "Đã duyệt, chờ công bố",
    DraftStatus.published: "Đã công bố",
    DraftStatus.abandoned: "Đã hủy",
}


class DraftAction(StrEnum):
    created = "created"
    saved = "saved"
    submitted = "submitted"
    returned = "returned"
    approved = "approved"
    published = "published"
    imported = "imported"
    abandoned = "abandoned"


ACTION_LABELS = {
    DraftAction.created: "Tạo bản nháp",
    DraftAction.saved: "Lưu",
    DraftAction.submitted: "Gửi duyệt",
    DraftAction.returned: "Trả lại",
    DraftAction.approved: "Duyệt",
    DraftAction.published: "Công bố",
    DraftAction.imported: "Nhập (tệp trong kho mã nguồn hoặc Cổng DVC)",
    DraftAction.abandoned: "Hủy bản nháp",
}


class ProcedureDraft(SQLModel, table=True):
    __tablename__ = "procedure_draft"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=64, index=True)
    kind: str = Field(default=DraftKind.procedure, max_length=16)
    #: the published version it was opened from; None for a new procedure
    base_version_id: int | None = Field(default=None, foreign_key="procedure_version.id")
    yaml_text: str = Field(sa_type=Text)
    status: str = Field(default=DraftStatus.draft, max_length=16, index=True)
    #: None for a draft imported at start-up (the system, see the 'imported' event's note)
    author_id: int | None = Field(default=None, foreign_key="user.id")
    #: bumped by every save; a save names the revision it edited (optimistic concurrency)
    revision: int = 1
    last_saved_by_id: int | None = Field(default=None, foreign_key="user.id")
    reviewer_id: int | None = Field(default=None, foreign_key="user.id")
    review_comment: str = Field(default="", max_length=4000)
    effective_from: datetime | None = Field(default=None, sa_type=UTCDateTime)
    effective_reason: str = Field(default="", max_length=2000)
    #: the version its publication created
    published_version_id: int | None = Field(default=None, foreign_key="procedure_version.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class DraftEvent(SQLModel, table=True):
    __tablename__ = "draft_event"

    id: int | None = Field(default=None, primary_key=True)
    draft_id: int = Field(foreign_key="procedure_draft.id", index=True)
    actor_id: int | None = Field(default=None, foreign_key="user.id")
    action: str = Field(max_length=16)
    note: str = Field(default="", max_length=4000)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


class CatalogueGeneration(SQLModel, table=True):
    """One row (id 1): bumped by every publication, so each app worker knows when to reload."""

    __tablename__ = "catalogue_generation"

    id: int | None = Field(default=None, primary_key=True)
    generation: int = 0
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
