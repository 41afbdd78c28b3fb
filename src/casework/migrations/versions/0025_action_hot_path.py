"""The action's hot path (issue 19, item 1): the step count kept on the dossier, and the
generation row of the per-process caches (`casework.caching`)

`dossier.step_count` is filled from the step rows already there; `cache_generation` gets its
one row with a random token.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-05 17:30:00
"""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("dossier") as batch_op:
        batch_op.add_column(
            sa.Column("step_count", sa.Integer(), nullable=False, server_default="0")
        )
    op.execute(
        "UPDATE dossier SET step_count = (SELECT COALESCE(MAX(s.ordinal), 0) FROM step_record s"
        " WHERE s.dossier_id = dossier.id)"
    )
    generation = op.create_table(
        "cache_generation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cache_generation")),
    )
    op.bulk_insert(generation, [{"id": 1, "token": secrets.token_hex(16)}])


def downgrade() -> None:
    op.drop_table("cache_generation")
    with op.batch_alter_table("dossier") as batch_op:
        batch_op.drop_column("step_count")
