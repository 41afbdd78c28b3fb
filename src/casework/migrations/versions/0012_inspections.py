"""inspections: annual plan and its items, one inspection per dossier, the decision's team

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import casework.db

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_str = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "inspection_plan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("number", _str(length=64), nullable=False),
        sa.Column("approved_on", sa.Date(), nullable=False),
        sa.Column("approved_by", _str(length=255), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", casework.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["user.id"], name=op.f("fk_inspection_plan_created_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_inspection_plan_unit_id_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_plan")),
        sa.UniqueConstraint(
            "unit_id", "year", "number", name=op.f("uq_inspection_plan_unit_id_year_number")
        ),
    )
    with op.batch_alter_table("inspection_plan", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inspection_plan_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "inspection_plan_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("procedure_code", _str(length=64), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("establishment_name", _str(length=255), nullable=False),
        sa.Column("establishment_address", _str(length=500), nullable=False),
        sa.Column("business_code", _str(length=64), nullable=False),
        sa.Column("trades", _str(length=500), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["dossier_id"], ["dossier.id"], name=op.f("fk_inspection_plan_item_dossier_id_dossier")
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["inspection_plan.id"],
            name=op.f("fk_inspection_plan_item_plan_id_inspection_plan"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_plan_item")),
    )
    with op.batch_alter_table("inspection_plan_item", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inspection_plan_item_dossier_id"), ["dossier_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_inspection_plan_item_plan_id"), ["plan_id"], unique=False
        )

    op.create_table(
        "inspection",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("origin", _str(length=16), nullable=False),
        sa.Column("plan_item_id", sa.Integer(), nullable=True),
        sa.Column("trigger", _str(length=32), nullable=False),
        sa.Column("trigger_note", _str(length=2000), nullable=False),
        sa.Column("establishment_name", _str(length=255), nullable=False),
        sa.Column("establishment_address", _str(length=500), nullable=False),
        sa.Column("business_code", _str(length=64), nullable=False),
        sa.Column("trades", _str(length=500), nullable=False),
        sa.Column("decision_number", _str(length=64), nullable=False),
        sa.Column("inspection_at", casework.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("place", _str(length=500), nullable=False),
        sa.ForeignKeyConstraint(
            ["dossier_id"], ["dossier.id"], name=op.f("fk_inspection_dossier_id_dossier")
        ),
        sa.ForeignKeyConstraint(
            ["plan_item_id"],
            ["inspection_plan_item.id"],
            name=op.f("fk_inspection_plan_item_id_inspection_plan_item"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection")),
        sa.UniqueConstraint("dossier_id", name=op.f("uq_inspection_dossier_id")),
    )
    with op.batch_alter_table("inspection", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inspection_plan_item_id"), ["plan_item_id"], unique=False
        )

    op.create_table(
        "inspection_team_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inspection_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", _str(length=16), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", _str(length=255), nullable=False),
        sa.Column("unit_name", _str(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["inspection_id"],
            ["inspection.id"],
            name=op.f("fk_inspection_team_member_inspection_id_inspection"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_inspection_team_member_user_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_team_member")),
    )
    with op.batch_alter_table("inspection_team_member", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inspection_team_member_inspection_id"), ["inspection_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_inspection_team_member_user_id"), ["user_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("inspection_team_member", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inspection_team_member_user_id"))
        batch_op.drop_index(batch_op.f("ix_inspection_team_member_inspection_id"))
    op.drop_table("inspection_team_member")
    with op.batch_alter_table("inspection", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inspection_plan_item_id"))
    op.drop_table("inspection")
    with op.batch_alter_table("inspection_plan_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inspection_plan_item_plan_id"))
        batch_op.drop_index(batch_op.f("ix_inspection_plan_item_dossier_id"))
    op.drop_table("inspection_plan_item")
    with op.batch_alter_table("inspection_plan", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inspection_plan_unit_id"))
    op.drop_table("inspection_plan")
