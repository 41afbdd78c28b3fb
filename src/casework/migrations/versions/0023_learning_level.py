"""learning_level: each trainee's stored level per field of the learning path (issue 16, item 8)

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-05 14:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import casework.db

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "learning_level",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("field", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("updated_at", casework.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_learning_level_user_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learning_level")),
        sa.UniqueConstraint("user_id", "field", name=op.f("uq_learning_level_user_id_field")),
    )
    with op.batch_alter_table("learning_level") as batch_op:
        batch_op.create_index(batch_op.f("ix_learning_level_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("learning_level") as batch_op:
        batch_op.drop_index(batch_op.f("ix_learning_level_user_id"))
    op.drop_table("learning_level")
