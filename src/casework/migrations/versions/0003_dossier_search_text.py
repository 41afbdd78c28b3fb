"""dossier search text: code and applicant name folded for accent-insensitive search

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 06:10:26.037627
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate renders sqlmodel types)
from alembic import op

from casework.text import fold

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("dossier", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "search_text",
                sqlmodel.sql.sqltypes.AutoString(length=600),
                nullable=False,
                server_default="",
            )
        )
        batch_op.create_index(batch_op.f("ix_dossier_search_text"), ["search_text"], unique=False)
    conn = op.get_bind()
    dossier = sa.table(
        "dossier",
        sa.column("id"),
        sa.column("code"),
        sa.column("applicant_name"),
        sa.column("search_text"),
    )
    rows = conn.execute(sa.select(dossier.c.id, dossier.c.code, dossier.c.applicant_name)).all()
    for row in rows:
        conn.execute(
            dossier.update()
            .where(dossier.c.id == row.id)
            .values(search_text=fold(f"{row.code} {row.applicant_name}"))
        )


def downgrade() -> None:
    with op.batch_alter_table("dossier", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dossier_search_text"))
        batch_op.drop_column("search_text")
