"""the real unit tree: official codes, renames, readiness inputs

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate renders sqlmodel types)
from alembic import op

import casework.db  # noqa: F401  (UTCDateTime, JSONType)

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("unit", schema=None) as batch_op:
        batch_op.add_column(sa.Column("official_code", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("official_name", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True)
        )
        batch_op.add_column(
            sa.Column("division_type", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True)
        )
        batch_op.add_column(
            sa.Column("absent_since", casework.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_index("uq_unit_kind_official_code", ["kind", "official_code"], unique=True)

    op.create_table(
        "unit_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("change", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("old_value", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("new_value", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("at", casework.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_unit_change_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit_change")),
    )
    with op.batch_alter_table("unit_change", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_unit_change_unit_id"), ["unit_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("unit_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_unit_change_unit_id"))

    op.drop_table("unit_change")

    with op.batch_alter_table("unit", schema=None) as batch_op:
        batch_op.drop_index("uq_unit_kind_official_code")
        batch_op.drop_column("absent_since")
        batch_op.drop_column("division_type")
        batch_op.drop_column("official_name")
        batch_op.drop_column("official_code")
