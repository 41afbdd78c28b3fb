"""training certificates of officers (chứng chỉ nghiệp vụ kiểm tra)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
import sqlmodel  # noqa: F401  (autogenerate renders sqlmodel types)
from alembic import op  # noqa: F401

import casework.db  # noqa: F401  (UTCDateTime, JSONType)

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass  # issue 15: filled in with the tables of this part


def downgrade() -> None:
    pass
