"""Tables of the auditor side: monthly summary counters and integrity checks.

The `stat_*` tables are kept in the same transaction as the change they count (see
`reports.stats`), keyed by the handling unit, the procedure and the local month, so a report over
any subtree and any run of months reads a few thousand rows instead of a million dossiers.
`casework reports rebuild` recomputes them from the dossiers with one SQL aggregation each.
Practice dossiers are never counted.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, Date
from sqlmodel import Field, SQLModel

from casework.db import JSONType, UTCDateTime, utcnow


class StatDossier(SQLModel, table=True):
    """Counters per (handling unit, procedure, month).

    received/online/digitised count in the month of receipt; finished, the buckets, the
    processing time, supplement requests and extensions in the month of the end of processing F;
    ratings in the month the result was returned.
    """

    __tablename__ = "stat_dossier"

    unit_id: int = Field(primary_key=True)
    procedure_code: str = Field(primary_key=True, max_length=64)
    month: date = Field(sa_column=Column(Date, primary_key=True))
    received: int = 0
    online: int = 0
    digitised: int = 0
    finished: int = 0
    #: finished with a result (national status 9 or 10), the base of indicator 2.2
    resolved: int = 0
    early: int = 0
    on_time: int = 0
    late: int = 0
    #: sum of the processing time of resolved dossiers, in the procedure's own unit
    elapsed_sum: float = 0.0
    supplement_requests: int = 0
    extensions: int = 0
    rated: int = 0
    satisfied: int = 0
    dissatisfied: int = 0


class StatElapsed(SQLModel, table=True):
    """How many resolved dossiers took `tenths`/10 units (the procedure's unit) — for the median
    and the distribution chart."""

    __tablename__ = "stat_elapsed"

    unit_id: int = Field(primary_key=True)
    procedure_code: str = Field(primary_key=True, max_length=64)
    month: date = Field(sa_column=Column(Date, primary_key=True))
    tenths: int = Field(primary_key=True)
    n: int = 0


class StatStep(SQLModel, table=True):
    """Closed steps per (handling unit, procedure, state, officer who closed it, month)."""

    __tablename__ = "stat_step"

    unit_id: int = Field(primary_key=True)
    procedure_code: str = Field(primary_key=True, max_length=64)
    state: str = Field(primary_key=True, max_length=64)
    #: the user who handed the step on (0: the system)
    officer_id: int = Field(primary_key=True)
    month: date = Field(sa_column=Column(Date, primary_key=True))
    n: int = 0
    #: steps with an allotment (the others have no deadline)
    allotted: int = 0
    early: int = 0
    on_time: int = 0
    late: int = 0
    spent_sum: float = 0.0
    allot_sum: float = 0.0


class AuditCheck(SQLModel, table=True):
    """One run of the integrity check started from the audit page.

    The rows form a hash chain of their own, like a dossier's events: a finished check is a
    record nobody can quietly edit either (`casework audit verify` checks this chain too)."""

    __tablename__ = "audit_check"

    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    started_by_id: int | None = Field(default=None, foreign_key="user.id")
    started_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    #: When a running check last reported progress (a check silent for long was cut off).
    progress_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    #: running / ok / problems / failed
    status: str = Field(default="running", max_length=16)
    dossiers_total: int = 0
    dossiers_done: int = 0
    events: int = 0
    problems: list[Any] = Field(default_factory=list, sa_type=JSONType)
    prev_hash: str = Field(default="", max_length=64)
    hash: str = Field(default="", max_length=64)


def counter_names(model: Any) -> tuple[str, ...]:
    """The counter columns of a stat table (all but its key), in table order."""
    return tuple(c.name for c in model.__table__.c if not c.primary_key)
