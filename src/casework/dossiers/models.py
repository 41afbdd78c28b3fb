"""Tables of the dossier domain: stored procedure versions, dossiers, events, attachments."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Column, Date, Index, String, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from casework.db import JSONType, UTCDateTime, keep_for_transaction, utcnow


class Mode(StrEnum):
    real = "real"
    practice = "practice"  # "làm thử": never counted, never exported, marked everywhere


class Channel(StrEnum):
    in_person = "in_person"  # KenhThucHien 1
    online = "online"  # 2
    post = "post"  # 3 (BCCI)


class ApplicantKind(StrEnum):
    person = "person"
    organisation = "organisation"


class EventKind(StrEnum):
    opened = "opened"
    action = "action"
    comment = "comment"
    attachment = "attachment"
    clock = "clock"
    audit = "audit"
    applicant = "applicant"  # the simulated applicant of a practice scenario


class ProcedureVersion(SQLModel, table=True):
    """A procedure definition as loaded (normalised). Dossiers pin the row they started on."""

    __tablename__ = "procedure_version"
    __table_args__ = (UniqueConstraint("code", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=64, index=True)
    version: int
    name: str = Field(max_length=500)
    content_hash: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    definition: dict[str, Any] = Field(sa_type=JSONType)
    source_file: str = Field(default="", max_length=255)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # ---- publication (issue 20, casework.workshop) ----
    #: dossiers received at or after this instant get this version; None: since `created_at`
    effective_from: datetime | None = Field(default=None, sa_type=UTCDateTime)
    #: the user who published it (not a foreign key: SQLite adds the column without rebuilding
    #: the table the dossiers point at)
    published_by_id: int | None = Field(default=None)
    #: why (a change of decree; required for an effective date in the past)
    reason: str = Field(default="", max_length=2000, sa_column_kwargs={"server_default": ""})
    #: the legal source or note the editor gave, and the YAML text it was published from
    source_note: str = Field(default="", max_length=2000, sa_column_kwargs={"server_default": ""})
    yaml_text: str | None = Field(default=None, sa_type=Text)


#: the work queues' partial indexes: a dossier whose legal clock runs (not paused, not ended)
RUNNING = "finished_at IS NULL AND processing_ended_at IS NULL AND paused_since IS NULL"
#: received by one unit, handled by another
ELSEWHERE = "receiving_unit_id <> handling_unit_id"
#: a practice run waiting for a mentor's verdict (casework.reviews.waiting)
WAITING = "waiting_since IS NOT NULL"


class Dossier(SQLModel, table=True):
    __table_args__ = (
        # the open real dossiers, for "overdue / due soon now" in the reports
        Index(
            "ix_dossier_open_due",
            "handling_unit_id",
            "due_at",
            postgresql_where=text("processing_ended_at IS NULL AND mode = 'real'"),
            sqlite_where=text("processing_ended_at IS NULL AND mode = 'real'"),
        ),
        # the report drill-down: one unit's dossiers, newest first, by receipt or by end
        Index("ix_dossier_unit_received", "handling_unit_id", "received_at"),
        Index("ix_dossier_unit_ended", "handling_unit_id", "processing_ended_at"),
        # the work queues (casework.dossiers.worklist; issue 19): "my queue" of a unit and role,
        # every open dossier of a unit, newest first; the running dossiers' due instants for the
        # due-soon and overdue counts; and the rare dossiers received by another unit than the
        # one handling them (the second half of every "handled or received here")
        Index(
            "ix_dossier_queue_mine",
            "handling_unit_id",
            "current_roles",
            "received_at",
            "id",
            postgresql_where=text("finished_at IS NULL"),
            sqlite_where=text("finished_at IS NULL"),
        ),
        Index(
            "ix_dossier_queue_open",
            "handling_unit_id",
            "received_at",
            "id",
            postgresql_where=text("finished_at IS NULL"),
            sqlite_where=text("finished_at IS NULL"),
        ),
        Index(
            "ix_dossier_queue_due",
            "handling_unit_id",
            "due_at",
            postgresql_where=text(RUNNING),
            sqlite_where=text(RUNNING),
        ),
        Index(
            "ix_dossier_queue_elsewhere",
            "receiving_unit_id",
            "received_at",
            "id",
            postgresql_where=text(ELSEWHERE),
            sqlite_where=text(ELSEWHERE),
        ),
        # the mentors' review queue (casework.reviews.queue): the waiting runs, oldest first
        # (with the unit and mode its filters read, so its count reads the index alone)
        Index(
            "ix_dossier_review_waiting",
            "waiting_since",
            "id",
            "handling_unit_id",
            "mode",
            postgresql_where=text(WAITING),
            sqlite_where=text(WAITING),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(sa_column=Column(String(80), unique=True, nullable=False, index=True))
    procedure_version_id: int = Field(foreign_key="procedure_version.id", index=True)
    procedure_code: str = Field(max_length=64, index=True)
    mode: str = Field(default=Mode.real, max_length=16, index=True)
    state: str = Field(max_length=64, index=True)
    national_status: int
    applicant_kind: str = Field(default=ApplicantKind.person, max_length=16)
    applicant_name: str = Field(max_length=255)
    applicant_id_number: str = Field(default="", max_length=64)
    applicant_address: str = Field(default="", max_length=500)
    applicant_phone: str = Field(default="", max_length=32)
    applicant_email: str = Field(default="", max_length=255)
    #: Code and applicant name folded (no diacritics, lower case), for search on any database.
    search_text: str = Field(
        default="", max_length=600, index=True, sa_column_kwargs={"server_default": ""}
    )
    channel: str = Field(default=Channel.in_person, max_length=16)
    receiving_unit_id: int = Field(foreign_key="unit.id", index=True)
    handling_unit_id: int = Field(foreign_key="unit.id", index=True)
    assignee_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    received_at: datetime = Field(sa_type=UTCDateTime, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    #: Bumped on every change; clients send it back to detect a stale page.
    version: int = 1
    event_count: int = 0
    last_event_hash: str = Field(default="", max_length=64)
    #: Who works the current step (its roles, sorted, comma-joined; "" for nobody) and which
    #: queue tab counts the dossier (open, waiting, finished): `casework.dossiers.queue_index`.
    current_roles: str = Field(default="", max_length=64, sa_column_kwargs={"server_default": ""})
    queue_bucket: str = Field(default="", max_length=16, sa_column_kwargs={"server_default": ""})
    #: Values of the procedure's fields collected so far (latest wins).
    data: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)

    # ---- the legal clock: summary columns kept in the same transaction as each action ----
    #: When counting starts: the receipt, or the fee payment for `clock_starts: on_fee_paid`.
    clock_started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    #: The legal due instant (closed pauses added). Extensions never move it: statistics use it.
    due_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    #: What the applicant was told: the due, or the new appointment of the latest extension.
    appointment_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    #: End of processing F (DESIGN §5): result ready, returned, refused, withdrawn or stopped.
    processing_ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    #: early / on_time / late, fixed at F.
    result_bucket: str | None = Field(default=None, max_length=16, index=True)
    supplement_requests: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    extensions: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    #: Set while the clock stands still (a `clock: paused` state).
    paused_since: datetime | None = Field(default=None, sa_type=UTCDateTime)
    step_entered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    step_due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    #: How many step rows (Mẫu 06) the dossier has: the next one's ordinal is this + 1, without
    #: counting the rows on every action. 0 on rows written before it existed or by a bulk
    #: writer: then the rows are counted (`clockwork.steps_of`).
    step_count: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    #: A practice run's submission for review that no verdict nor withdrawal followed: its
    #: instant (`events.record_event` keeps it; None: nothing waits).
    waiting_since: datetime | None = Field(default=None, sa_type=UTCDateTime)

    # ---- for the auditor (reports.stats keeps the monthly counters from these) ----
    #: National status of the state that ended processing (9/10: a result; 3, 7, 8: none).
    end_status: int | None = None
    #: Processing time at F in the procedure's own unit (working days, days or hours), pauses
    #: excluded: the limit minus what was left of it (more than the limit when late).
    elapsed: float | None = None
    #: Every required document of the procedure has a file (Decision 766 indicator 4.2).
    digitised: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})
    #: The applicant's rating when the result was returned: 1 satisfied, 0 neutral, -1 not.
    satisfaction: int | None = None


class DossierCodeCounter(SQLModel, table=True):
    """Per unit, per day, per mode sequence behind `<unit code>-YYMMDD-NNNN`."""

    __tablename__ = "dossier_code_counter"

    unit_id: int = Field(foreign_key="unit.id", primary_key=True)
    day: date = Field(sa_column=Column(Date, primary_key=True))
    mode: str = Field(max_length=16, primary_key=True)
    last_value: int = 0


class QueueCounter(SQLModel, table=True):
    """How many dossiers each work-queue tab holds, per handling and receiving unit, mode, the
    current step's roles and the tab's bucket; kept in each change's transaction
    (`casework.dossiers.queue_index`)."""

    __tablename__ = "queue_counter"

    handling_unit_id: int = Field(primary_key=True)
    receiving_unit_id: int = Field(primary_key=True, index=True)
    mode: str = Field(max_length=16, primary_key=True)
    roles: str = Field(max_length=64, primary_key=True)
    bucket: str = Field(max_length=16, primary_key=True)
    n: int = 0


#: the event kinds of a practice run's review (casework.reviews.runs), for the partial indexes
#: (ORs, not IN: PostgreSQL prints an IN list back in a form that does not read back the same, and
#: `casework demo generate --bulk` recreates the indexes from what it prints)
REVIEW_MARKS = "kind = 'submitted' OR kind = 'withdrawn' OR kind = 'review'"
SUBMITTED_ONLY = "kind = 'submitted'"


class Event(SQLModel, table=True):
    """One append-only row of a dossier's history, chained by hash to the previous row."""

    __table_args__ = (
        UniqueConstraint("dossier_id", "seq"),
        # the mentors' review queue (casework.reviews.waiting, issue 19): a run's submissions,
        # withdrawals and verdicts, and the submissions by instant (oldest first), without
        # reading the events of every real dossier
        Index(
            "ix_event_review_marks",
            "dossier_id",
            "seq",
            postgresql_where=text(REVIEW_MARKS),
            sqlite_where=text(REVIEW_MARKS),
        ),
        Index(
            "ix_event_submitted",
            "at",
            "dossier_id",
            postgresql_where=text(SUBMITTED_ONLY),
            sqlite_where=text(SUBMITTED_ONLY),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    dossier_id: int = Field(foreign_key="dossier.id", index=True)
    seq: int
    at: datetime = Field(sa_type=UTCDateTime, index=True)
    actor_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    kind: str = Field(max_length=16)
    action: str | None = Field(default=None, max_length=64)
    from_state: str | None = Field(default=None, max_length=64)
    to_state: str | None = Field(default=None, max_length=64)
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    prev_hash: str = Field(default="", max_length=64)
    hash: str = Field(max_length=64)


class Attachment(SQLModel, table=True):
    """Metadata of an uploaded file; the bytes live under the upload dir at `storage_key`."""

    id: int | None = Field(default=None, primary_key=True)
    dossier_id: int = Field(foreign_key="dossier.id", index=True)
    event_id: int | None = Field(default=None, foreign_key="event.id")
    document_key: str = Field(default="", max_length=64)
    filename: str = Field(max_length=255)
    content_type: str = Field(max_length=127)
    size: int
    sha256: str = Field(max_length=64)
    storage_key: str = Field(max_length=255)
    uploaded_by_id: int | None = Field(default=None, foreign_key="user.id")
    uploaded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ClockPause(SQLModel, table=True):
    """One interval during which the legal clock stood still, with its reason and legal basis."""

    __tablename__ = "clock_pause"

    id: int | None = Field(default=None, primary_key=True)
    dossier_id: int = Field(foreign_key="dossier.id", index=True)
    state: str = Field(max_length=64)
    #: supplement (waiting for the applicant's supplement), fee (waiting for payment) or other.
    kind: str = Field(default="other", max_length=16, sa_column_kwargs={"server_default": "other"})
    started_at: datetime = Field(sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reason: str = Field(default="", max_length=5000)
    legal_basis: str = Field(default="", max_length=500)
    opened_by_id: int | None = Field(default=None, foreign_key="user.id")
    closed_by_id: int | None = Field(default=None, foreign_key="user.id")


class StepRecord(SQLModel, table=True):
    """One row of the process-control slip (Mẫu 06): a step's hand-over in and out."""

    __tablename__ = "step_record"
    __table_args__ = (UniqueConstraint("dossier_id", "ordinal"),)

    id: int | None = Field(default=None, primary_key=True)
    dossier_id: int = Field(foreign_key="dossier.id", index=True)
    ordinal: int
    state: str = Field(max_length=64)
    entered_at: datetime = Field(sa_type=UTCDateTime)
    entered_by_id: int | None = Field(default=None, foreign_key="user.id")
    left_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    left_by_id: int | None = Field(default=None, foreign_key="user.id")
    left_action: str | None = Field(default=None, max_length=64)
    allot: float | None = None
    due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    bucket: str | None = Field(default=None, max_length=16)
    #: Working days the step took against its allotment (allot minus what was left of it).
    spent: float | None = None


class CalendarOverride(SQLModel, table=True):
    """An admin's change to the working calendar: an extra day off or a working Saturday.

    `scope` is "*" for the national calendar or a unit code for that unit's own calendar. Its
    legal basis (docs/legal-clock.md §1): `instrument` (number and date), `article`, `source`
    (a public URL or the text's title); empty = "chưa xác nhận" until an admin confirms it, and
    `confirmed_by` / `confirmed_at` say who entered the basis and when. A day of the `holidays`
    package confirmed or removed by the ministry is a national row of this table.
    """

    __tablename__ = "calendar_override"
    __table_args__ = (UniqueConstraint("scope", "day"),)

    id: int | None = Field(default=None, primary_key=True)
    scope: str = Field(default="*", max_length=64)
    day: date = Field(sa_column=Column(Date, nullable=False))
    kind: str = Field(max_length=16)  # day_off | workday
    name: str = Field(max_length=255)
    created_by: str = Field(default="", max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    instrument: str = Field(default="", max_length=255)
    article: str = Field(default="", max_length=128)
    source: str = Field(default="", max_length=500)
    confirmed_by: str = Field(default="", max_length=64)
    confirmed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


keep_for_transaction(ProcedureVersion)
