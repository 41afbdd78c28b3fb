"""pause kind: supplement, fee or other, so a fee wait is not taken for a supplement wait

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 06:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate renders sqlmodel types)
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("clock_pause", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "kind",
                sqlmodel.sql.sqltypes.AutoString(length=16),
                server_default="other",
                nullable=False,
            )
        )
    # Pauses recorded so far were all supplement waits (fee waits did not pause before).
    op.execute("UPDATE clock_pause SET kind = 'supplement'")


def downgrade() -> None:
    with op.batch_alter_table("clock_pause", schema=None) as batch_op:
        batch_op.drop_column("kind")
