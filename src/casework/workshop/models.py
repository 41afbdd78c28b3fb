"""Tables of the workshop: drafts, their audit trail, and the catalogue's generation counter.

A `ProcedureVersion` row exists only for a PUBLISHED definition; everything before publication is
a `ProcedureDraft`. Every step of a draft (created, saved, submitted, returned, approved,
published, imported, abandoned) is one `DraftEvent`, written in the step's transaction: the audit
trail and the source of the version history page.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from casework.db import UTCDateTime, utcnow
from casework.web.i18n import N_


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

#: shown through |t (babel.cfg extracts this module)
STATUS_LABELS = {
    DraftStatus.draft: N_("Đang soạn"),
    DraftStatus.submitted: N_("Chờ duyệt"),
    DraftStatus.returned: N_("Bị trả lại"),
    DraftStatus.approved: N_("Đã duyệt, chờ công bố"),
    DraftStatus.published: N_("Đã công bố"),
    DraftStatus.abandoned: N_("Đã hủy"),
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
    DraftAction.created: N_("Tạo bản nháp"),
    DraftAction.saved: N_("Lưu"),
    DraftAction.submitted: N_("Gửi duyệt"),
    DraftAction.returned: N_("Trả lại"),
    DraftAction.approved: N_("Duyệt"),
    DraftAction.published: N_("Công bố"),
    DraftAction.imported: N_("Nhập (tệp trong kho mã nguồn hoặc Cổng DVC)"),
    DraftAction.abandoned: N_("Hủy bản nháp"),
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


class ScenarioVersion(SQLModel, table=True):
    """A published practice scenario (`workflows/scenarios/*.yaml`): the text the practice pages
    serve (the highest version of its id), published from the workshop or stored from the
    repository's file (the bootstrap, or a scenario id the database never had)."""

    __tablename__ = "scenario_version"
    __table_args__ = (UniqueConstraint("scenario_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    scenario_id: str = Field(max_length=64, index=True)
    version: int
    #: the procedure code it plays and its title, as published
    procedure: str = Field(max_length=64)
    title: str = Field(max_length=500)
    #: `scenario_store.content_hash` of the scenario (its meaning, not its comments)
    content_hash: str = Field(max_length=64)
    yaml_text: str = Field(sa_type=Text)
    #: the repository file it was stored from ("" for a publication from the workshop)
    source_file: str = Field(default="", max_length=255)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    published_by_id: int | None = Field(default=None, foreign_key="user.id")
    #: the workshop draft it was published from (None: stored from a file)
    draft_id: int | None = Field(default=None, foreign_key="procedure_draft.id")
    reason: str = Field(default="", max_length=2000)
    source_note: str = Field(default="", max_length=2000)
