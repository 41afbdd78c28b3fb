"""certificate classes, demand from provinces, attendance

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

import casework.db

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AutoString = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "training_class",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", AutoString(length=255), nullable=False),
        sa.Column("field", AutoString(length=64), nullable=False),
        sa.Column("mode", AutoString(length=16), nullable=False),
        sa.Column("place", AutoString(length=255), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("status", AutoString(length=16), nullable=False),
        sa.Column("note", AutoString(length=1000), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", casework.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", casework.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_change", AutoString(length=255), nullable=False),
        sa.Column("completed_at", casework.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["user.id"], name=op.f("fk_training_class_created_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["user.id"], name=op.f("fk_training_class_updated_by_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_class")),
    )
    with op.batch_alter_table("training_class", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_training_class_field"), ["field"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_training_class_start_date"), ["start_date"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_training_class_status"), ["status"], unique=False)

    op.create_table(
        "class_demand",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("class_id", sa.Integer(), nullable=False),
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column(
            "officer_ids",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("note", AutoString(length=1000), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("requested_at", casework.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", casework.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["class_id"],
            ["training_class.id"],
            name=op.f("fk_class_demand_class_id_training_class"),
        ),
        sa.ForeignKeyConstraint(
            ["commune_id"], ["unit.id"], name=op.f("fk_class_demand_commune_id_unit")
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"], ["user.id"], name=op.f("fk_class_demand_requested_by_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_class_demand")),
        sa.UniqueConstraint(
            "class_id", "commune_id", name=op.f("uq_class_demand_class_id_commune_id")
        ),
    )
    with op.batch_alter_table("class_demand", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_class_demand_class_id"), ["class_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_class_demand_commune_id"), ["commune_id"], unique=False
        )

    op.create_table(
        "class_seat",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("class_id", sa.Integer(), nullable=False),
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("demand_id", sa.Integer(), nullable=True),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("attendance", AutoString(length=16), nullable=True),
        sa.Column("certificate_id", sa.Integer(), nullable=True),
        sa.Column("certificate_number", AutoString(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["class_id"], ["training_class.id"], name=op.f("fk_class_seat_class_id_training_class")
        ),
        sa.ForeignKeyConstraint(
            ["commune_id"], ["unit.id"], name=op.f("fk_class_seat_commune_id_unit")
        ),
        sa.ForeignKeyConstraint(
            ["demand_id"], ["class_demand.id"], name=op.f("fk_class_seat_demand_id_class_demand")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_class_seat_user_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_class_seat")),
    )
    with op.batch_alter_table("class_seat", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_class_seat_class_id"), ["class_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_class_seat_commune_id"), ["commune_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_class_seat_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("class_seat", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_class_seat_user_id"))
        batch_op.drop_index(batch_op.f("ix_class_seat_commune_id"))
        batch_op.drop_index(batch_op.f("ix_class_seat_class_id"))
    op.drop_table("class_seat")

    with op.batch_alter_table("class_demand", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_class_demand_commune_id"))
        batch_op.drop_index(batch_op.f("ix_class_demand_class_id"))
    op.drop_table("class_demand")

    with op.batch_alter_table("training_class", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_training_class_status"))
        batch_op.drop_index(batch_op.f("ix_training_class_start_date"))
        batch_op.drop_index(batch_op.f("ix_training_class_field"))
    op.drop_table("training_class")
