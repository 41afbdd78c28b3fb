"""learning: handbook pages read, quiz attempts

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 10:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate renders sqlmodel types)
from alembic import op
from sqlalchemy.dialects import postgresql

import casework.db  # noqa: F401  (UTCDateTime, JSONType)

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "handbook_read",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("procedure_code", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("read_on", sa.Date(), nullable=False),
        sa.Column("read_at", casework.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_handbook_read_user_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handbook_read")),
        sa.UniqueConstraint(
            "user_id",
            "procedure_code",
            "read_on",
            name=op.f("uq_handbook_read_user_id_procedure_code_read_on"),
        ),
    )
    with op.batch_alter_table("handbook_read", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_handbook_read_user_id"), ["user_id"], unique=False)

    op.create_table(
        "quiz_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("procedure_code", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("quiz_digest", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column(
            "answers",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("correct", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("submitted_at", casework.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_quiz_attempt_user_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quiz_attempt")),
    )
    with op.batch_alter_table("quiz_attempt", schema=None) as batch_op:
        batch_op.create_index(
            "ix_quiz_attempt_user_procedure", ["user_id", "procedure_code"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("quiz_attempt", schema=None) as batch_op:
        batch_op.drop_index("ix_quiz_attempt_user_procedure")
    op.drop_table("quiz_attempt")
    with op.batch_alter_table("handbook_read", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_handbook_read_user_id"))
    op.drop_table("handbook_read")
