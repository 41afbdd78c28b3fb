"""notification seen: when each user last marked their in-app notifications as seen

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate renders sqlmodel types)
from alembic import op

import casework.db  # noqa: F401  (UTCDateTime)

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "notification_seen",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("seen_at", casework.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_notification_seen_user_id_user")
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_notification_seen")),
    )


def downgrade() -> None:
    op.drop_table("notification_seen")
