"""calendar_override: the legal basis of a stored calendar day and who confirmed it (issue 18)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-05 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import casework.db

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TEXT = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    with op.batch_alter_table("calendar_override") as batch_op:
        for name, length in (
            ("instrument", 255),
            ("article", 128),
            ("source", 500),
            ("confirmed_by", 64),
        ):
            batch_op.add_column(
                sa.Column(name, _TEXT(length=length), nullable=False, server_default="")
            )
        batch_op.add_column(
            sa.Column("confirmed_at", casework.db.UTCDateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("calendar_override") as batch_op:
        for name in ("instrument", "article", "source", "confirmed_by"):
            batch_op.alter_column(name, server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("calendar_override") as batch_op:
        for name in ("confirmed_at", "confirmed_by", "source", "article", "instrument"):
            batch_op.drop_column(name)
