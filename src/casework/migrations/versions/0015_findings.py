"""findings: structured rows of an inspection record, tolerance results

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate renders sqlmodel types)
from alembic import op
from sqlalchemy.dialects import postgresql

import casework.db  # noqa: F401  (UTCDateTime, JSONType)

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "finding_row",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column(
            "values",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("passed", sa.Boolean(), nullable=True),
        sa.Column("words", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", casework.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", casework.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["user.id"], name=op.f("fk_finding_row_created_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["dossier_id"], ["dossier.id"], name=op.f("fk_finding_row_dossier_id_dossier")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finding_row")),
    )
    with op.batch_alter_table("finding_row", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_finding_row_dossier_id"), ["dossier_id"], unique=False)

    op.create_table(
        "finding_handling",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("transferred_to", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("decision_number", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=True),
        sa.Column("remedy_deadline", sa.Date(), nullable=True),
        sa.Column("follow_up_on", sa.Date(), nullable=True),
        sa.Column("follow_up_code", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=False),
        sa.Column("updated_at", casework.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["dossier_id"], ["dossier.id"], name=op.f("fk_finding_handling_dossier_id_dossier")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["user.id"], name=op.f("fk_finding_handling_updated_by_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finding_handling")),
        sa.UniqueConstraint("dossier_id", name=op.f("uq_finding_handling_dossier_id")),
    )


def downgrade() -> None:
    op.drop_table("finding_handling")
    with op.batch_alter_table("finding_row", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_finding_row_dossier_id"))

    op.drop_table("finding_row")
