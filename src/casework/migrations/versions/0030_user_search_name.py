"""The users' folded names (issue 19, the review queue's trainee filter): `user.search_name`,
the user name and the full name without accents, lower case (`accounts.models.search_name`),
filled here for the existing rows and kept in step by every later write — so the filter is one
SQL condition instead of reading and folding every trainee's name in Python. On PostgreSQL, when
the pg_trgm extension is there or may be created, a trigram index serves that condition (a
substring: `LIKE '%…%'`); without it the filter scans the user table, still one statement

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-05 23:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from casework.text import fold

revision: str = "0030"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 5000
TRIGRAM_INDEX = "ix_user_search_name_trgm"


def _trigram_index(conn: sa.Connection) -> None:
    """PostgreSQL: the trigram index of `search_name`, if pg_trgm can be had (it is a trusted
    extension: the database's owner may create it); otherwise nothing (not an error)."""
    if conn.dialect.name != "postgresql":
        return
    if (
        conn.execute(
            sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
        ).first()
        is None
    ):
        return
    try:
        with conn.begin_nested():
            conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except sa.exc.DBAPIError:
        return
    op.execute(f'CREATE INDEX {TRIGRAM_INDEX} ON "user" USING gin (search_name gin_trgm_ops)')


def upgrade() -> None:
    # a plain ADD COLUMN (with its default), so SQLite does not rebuild the table
    op.add_column(
        "user", sa.Column("search_name", sa.String(320), nullable=False, server_default="")
    )
    conn = op.get_bind()
    users = sa.table(
        "user",
        sa.column("id", sa.Integer),
        sa.column("username", sa.String),
        sa.column("full_name", sa.String),
        sa.column("search_name", sa.String),
    )
    rows = conn.execute(sa.select(users.c.id, users.c.username, users.c.full_name)).all()
    change = (
        sa.update(users)
        .where(users.c.id == sa.bindparam("uid"))
        .values(search_name=sa.bindparam("folded"))
    )
    values = [{"uid": i, "folded": fold(f"{name} {full or ''}")} for i, name, full in rows]
    for start in range(0, len(values), BATCH):
        conn.execute(change, values[start : start + BATCH])
    _trigram_index(conn)


def downgrade() -> None:
    op.execute(f"DROP INDEX IF EXISTS {TRIGRAM_INDEX}")  # (the extension stays: others may use it)
    with op.batch_alter_table("user") as batch:
        batch.drop_column("search_name")
