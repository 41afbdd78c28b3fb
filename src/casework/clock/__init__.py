"""The legal clock (DESIGN §5): calendars, due instants, pauses, buckets, step deadlines.

Pure functions, no database and no HTTP. See `docs/legal-clock.md` for the rules and examples.
"""

from casework.clock.calendar import (
    FROM_PACKAGE,
    Basis,
    CalendarEntry,
    CalendarFileError,
    SpecialDay,
    WorkCalendar,
    calendar_files,
    default_calendar,
    merge_calendars,
)
from casework.clock.deadlines import (
    Bucket,
    DueResult,
    ExtensionBuckets,
    LimitUnit,
    PartDue,
    Pause,
    PauseLike,
    StepResult,
    bucket,
    compute_due,
    elapsed,
    extension_buckets,
    finished_bucket,
    open_bucket,
    remaining_working_minutes,
    step_due,
    step_status,
)
from casework.clock.parts import LimitPart, compute_due_parts, part_text, parts_text

__all__ = [
    "FROM_PACKAGE",
    "Basis",
    "Bucket",
    "CalendarEntry",
    "CalendarFileError",
    "DueResult",
    "ExtensionBuckets",
    "LimitPart",
    "LimitUnit",
    "PartDue",
    "Pause",
    "PauseLike",
    "SpecialDay",
    "StepResult",
    "WorkCalendar",
    "bucket",
    "calendar_files",
    "compute_due",
    "compute_due_parts",
    "default_calendar",
    "elapsed",
    "extension_buckets",
    "finished_bucket",
    "merge_calendars",
    "open_bucket",
    "part_text",
    "parts_text",
    "remaining_working_minutes",
    "step_due",
    "step_status",
]
