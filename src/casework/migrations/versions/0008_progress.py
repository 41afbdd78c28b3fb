"""progress: mentor sign-offs and leaderboard opt-outs

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import casework.db  # noqa: F401  (UTCDateTime)

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sign_off",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mentor_id", sa.Integer(), nullable=False),
        sa.Column("trainee_id", sa.Integer(), nullable=False),
        sa.Column("procedure_code", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("signed_at", casework.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["mentor_id"], ["user.id"], name=op.f("fk_sign_off_mentor_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["trainee_id"], ["user.id"], name=op.f("fk_sign_off_trainee_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_off")),
        sa.UniqueConstraint(
            "trainee_id", "procedure_code", name=op.f("uq_sign_off_trainee_id_procedure_code")
        ),
    )
    with op.batch_alter_table("sign_off", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sign_off_mentor_id"), ["mentor_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_sign_off_trainee_id"), ["trainee_id"], unique=False)
    op.create_table(
        "unit_opt_out",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", casework.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["user.id"], name=op.f("fk_unit_opt_out_created_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_unit_opt_out_unit_id_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit_opt_out")),
        sa.UniqueConstraint("unit_id", name=op.f("uq_unit_opt_out_unit_id")),
    )


def downgrade() -> None:
    op.drop_table("unit_opt_out")
    with op.batch_alter_table("sign_off", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sign_off_trainee_id"))
        batch_op.drop_index(batch_op.f("ix_sign_off_mentor_id"))
    op.drop_table("sign_off")
