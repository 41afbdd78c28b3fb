"""questions: local officers' questions to the ministry, answered and kept as FAQ

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate renders sqlmodel types)
from alembic import op

import casework.db  # noqa: F401  (UTCDateTime)

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "question",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("procedure_code", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("asker_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
        sa.Column("asked_at", casework.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("answer", sqlmodel.sql.sqltypes.AutoString(length=8000), nullable=True),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        sa.Column("answered_at", casework.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("answer_minutes", sa.Integer(), nullable=True),
        sa.Column("answer_edited_at", casework.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("asker_seen_at", casework.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("search_text", sqlmodel.sql.sqltypes.AutoString(length=12000), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["answered_by_id"], ["user.id"], name=op.f("fk_question_answered_by_id_user")
        ),
        sa.ForeignKeyConstraint(["asker_id"], ["user.id"], name=op.f("fk_question_asker_id_user")),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_question_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_question")),
    )
    with op.batch_alter_table("question", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_question_asked_at"), ["asked_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_question_asker_id"), ["asker_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_question_procedure_code"), ["procedure_code"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_question_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_question_unit_id"), ["unit_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("question", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_question_unit_id"))
        batch_op.drop_index(batch_op.f("ix_question_status"))
        batch_op.drop_index(batch_op.f("ix_question_procedure_code"))
        batch_op.drop_index(batch_op.f("ix_question_asker_id"))
        batch_op.drop_index(batch_op.f("ix_question_asked_at"))

    op.drop_table("question")
