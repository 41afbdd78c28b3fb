"""Import every table so `SQLModel.metadata` is complete (Alembic, tests)."""

from casework.accounts.models import ApiToken, Unit, User
from casework.admin.models import AccountChange  # noqa: F401  (registers the table)
from casework.caching.models import CacheGeneration  # noqa: F401  (registers the table)
from casework.certificates.models import (  # noqa: F401  (registers the tables)
    Certificate,
    CertificateChange,
)
from casework.checkpoints.models import AuditCheckpoint  # noqa: F401  (registers the table)
from casework.classes import models as _classes  # noqa: F401  (registers the tables)
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
from casework.findings import models as _findings  # noqa: F401  (registers the tables)
from casework.inspections import models as _inspections  # noqa: F401  (registers the tables)
from casework.learning import models as _learning  # noqa: F401  (registers the tables)
from casework.notifications.models import NotificationSeen
from casework.progress.models import UnitOptOut  # noqa: F401  (registers the table)
from casework.questions.models import Question  # noqa: F401  (registers the table)
from casework.reports.models import (  # noqa: F401  (registers the tables)
    AuditCheck,
    StatDossier,
    StatElapsed,
    StatStep,
)
from casework.reviews.models import MentorAssignment  # noqa: F401  (registers the table)
from casework.signoffs.models import SignOffEntry  # noqa: F401  (registers the table)
from casework.units.models import UnitChange  # noqa: F401  (registers the table)
from casework.workshop import models as _workshop  # noqa: F401  (registers the tables)

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
