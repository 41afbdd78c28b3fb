"""Import every table so `SQLModel.metadata` is complete (Alembic, tests)."""

from casework.accounts.models import ApiToken, Unit, User
from casework.dossiers.models import (
    Attachment,
    CalendarOverride,
    ClockPause,
    Dossier,
    DossierCodeCounter,
    Event,
    ProcedureVersion,
    StepRecord,
)
from casework.notifications.models import NotificationSeen

__all__ = [
    "ApiToken",
    "Attachment",
    "CalendarOverride",
    "ClockPause",
    "Dossier",
    "DossierCodeCounter",
    "Event",
    "NotificationSeen",
    "ProcedureVersion",
    "StepRecord",
    "Unit",
    "User",
]
