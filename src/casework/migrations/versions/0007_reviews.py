"""reviews: mentor assignments (comments, scores and verdicts are event rows)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate renders sqlmodel types)
from alembic import op

import casework.db  # noqa: F401  (UTCDateTime)

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "mentor_assignment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mentor_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("can_view_real", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", casework.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["user.id"], name=op.f("fk_mentor_assignment_created_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["mentor_id"], ["user.id"], name=op.f("fk_mentor_assignment_mentor_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_mentor_assignment_unit_id_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mentor_assignment")),
        sa.UniqueConstraint(
            "mentor_id", "unit_id", name=op.f("uq_mentor_assignment_mentor_id_unit_id")
        ),
    )
    with op.batch_alter_table("mentor_assignment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_mentor_assignment_mentor_id"), ["mentor_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_mentor_assignment_unit_id"), ["unit_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("mentor_assignment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mentor_assignment_unit_id"))
        batch_op.drop_index(batch_op.f("ix_mentor_assignment_mentor_id"))
    op.drop_table("mentor_assignment")
