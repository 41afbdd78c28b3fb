"""account_change: the history of role grants and removals, moves, locks and resets (issue 17)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-08 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import casework.db

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "account_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("at", casework.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=True),
        sa.Column("old_value", sa.String(length=255), nullable=False),
        sa.Column("new_value", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["user.id"], name=op.f("fk_account_change_actor_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_account_change_user_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_change")),
    )
    with op.batch_alter_table("account_change") as batch_op:
        batch_op.create_index(batch_op.f("ix_account_change_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_account_change_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("account_change") as batch_op:
        batch_op.drop_index(batch_op.f("ix_account_change_user_id"))
        batch_op.drop_index(batch_op.f("ix_account_change_at"))
    op.drop_table("account_change")
