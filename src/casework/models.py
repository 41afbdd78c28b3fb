"""Import every table so `SQLModel.metadata` is complete (Alembic, tests)."""

from casework.accounts.models import ApiToken, Unit, User
from casework.dossiers.models import (
    Attachment,
    Dossier,
    DossierCodeCounter,
    Event,
    ProcedureVersion,
)

__all__ = [
    "ApiToken",
    "Attachment",
    "Dossier",
    "DossierCodeCounter",
    "Event",
    "ProcedureVersion",
    "Unit",
    "User",
]
