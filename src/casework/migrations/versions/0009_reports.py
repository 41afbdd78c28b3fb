"""reports: monthly summary counters, integrity checks, the auditor's dossier columns

After upgrading a database that already holds dossiers, run `casework reports rebuild`: it fills
the new dossier columns of finished dossiers and recomputes the counters.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-22 08:14:12
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate renders sqlmodel types)
from alembic import op
from sqlalchemy.dialects import postgresql

import casework.db  # noqa: F401  (UTCDateTime, JSONType)

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "stat_dossier",
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("procedure_code", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("received", sa.Integer(), nullable=False),
        sa.Column("online", sa.Integer(), nullable=False),
        sa.Column("digitised", sa.Integer(), nullable=False),
        sa.Column("finished", sa.Integer(), nullable=False),
        sa.Column("resolved", sa.Integer(), nullable=False),
        sa.Column("early", sa.Integer(), nullable=False),
        sa.Column("on_time", sa.Integer(), nullable=False),
        sa.Column("late", sa.Integer(), nullable=False),
        sa.Column("elapsed_sum", sa.Float(), nullable=False),
        sa.Column("supplement_requests", sa.Integer(), nullable=False),
        sa.Column("extensions", sa.Integer(), nullable=False),
        sa.Column("rated", sa.Integer(), nullable=False),
        sa.Column("satisfied", sa.Integer(), nullable=False),
        sa.Column("dissatisfied", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("unit_id", "procedure_code", "month", name=op.f("pk_stat_dossier")),
    )
    op.create_table(
        "stat_elapsed",
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("procedure_code", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("tenths", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "unit_id", "procedure_code", "month", "tenths", name=op.f("pk_stat_elapsed")
        ),
    )
    op.create_table(
        "stat_step",
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("procedure_code", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("allotted", sa.Integer(), nullable=False),
        sa.Column("early", sa.Integer(), nullable=False),
        sa.Column("on_time", sa.Integer(), nullable=False),
        sa.Column("late", sa.Integer(), nullable=False),
        sa.Column("spent_sum", sa.Float(), nullable=False),
        sa.Column("allot_sum", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint(
            "unit_id", "procedure_code", "state", "officer_id", "month", name=op.f("pk_stat_step")
        ),
    )
    op.create_table(
        "audit_check",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("started_by_id", sa.Integer(), nullable=True),
        sa.Column("started_at", casework.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", casework.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("progress_at", casework.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("dossiers_total", sa.Integer(), nullable=False),
        sa.Column("dossiers_done", sa.Integer(), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column(
            "problems",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("prev_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["started_by_id"], ["user.id"], name=op.f("fk_audit_check_started_by_id_user")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_audit_check_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_check")),
    )
    with op.batch_alter_table("audit_check", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_check_unit_id"), ["unit_id"], unique=False)

    with op.batch_alter_table("dossier", schema=None) as batch_op:
        batch_op.add_column(sa.Column("end_status", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("elapsed", sa.Float(), nullable=True))
        batch_op.add_column(
            sa.Column("digitised", sa.Boolean(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("satisfaction", sa.Integer(), nullable=True))
        batch_op.create_index(
            "ix_dossier_open_due",
            ["handling_unit_id", "due_at"],
            unique=False,
            postgresql_where=sa.text("processing_ended_at IS NULL AND mode = 'real'"),
            sqlite_where=sa.text("processing_ended_at IS NULL AND mode = 'real'"),
        )
        batch_op.create_index(
            "ix_dossier_unit_received", ["handling_unit_id", "received_at"], unique=False
        )
        batch_op.create_index(
            "ix_dossier_unit_ended", ["handling_unit_id", "processing_ended_at"], unique=False
        )

    with op.batch_alter_table("step_record", schema=None) as batch_op:
        batch_op.add_column(sa.Column("spent", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("step_record", schema=None) as batch_op:
        batch_op.drop_column("spent")

    with op.batch_alter_table("dossier", schema=None) as batch_op:
        batch_op.drop_index("ix_dossier_unit_ended")
        batch_op.drop_index("ix_dossier_unit_received")
        batch_op.drop_index(
            "ix_dossier_open_due",
            postgresql_where=sa.text("processing_ended_at IS NULL AND mode = 'real'"),
            sqlite_where=sa.text("processing_ended_at IS NULL AND mode = 'real'"),
        )
        batch_op.drop_column("satisfaction")
        batch_op.drop_column("digitised")
        batch_op.drop_column("elapsed")
        batch_op.drop_column("end_status")

    with op.batch_alter_table("audit_check", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_check_unit_id"))

    op.drop_table("audit_check")
    op.drop_table("stat_step")
    op.drop_table("stat_elapsed")
    op.drop_table("stat_dossier")
