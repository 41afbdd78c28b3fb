"""account_change: the accounts' history as one hash chain, and changes made on the command line
(issue 17, item 4)

Adds `via` ("cli:<server account>" for `casework users …`), `prev_hash` and `hash`, and chains
the rows already there in id order, so their content is sealed from this migration on. The hash
is the one `casework.admin.history_chain.row_hash` computes, written out here so that a later
change of the code cannot change what this migration did.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-05 14:30:00
"""

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC

import sqlalchemy as sa
import sqlmodel
from alembic import op

import casework.db

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TEXT = sqlmodel.sql.sqltypes.AutoString
_NEW = (("via", 64), ("prev_hash", 64), ("hash", 64))


def _hash(row: sa.Row, prev: str) -> str:  # type: ignore[type-arg]
    body = {
        "id": row.id,
        "user": row.user_id,
        "actor": row.actor_id,
        "at": row.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "kind": row.kind,
        "role": row.role,
        "old": row.old_value,
        "new": row.new_value,
        "via": "",
        "prev": prev,
    }
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def upgrade() -> None:
    with op.batch_alter_table("account_change") as batch_op:
        for name, length in _NEW:
            batch_op.add_column(
                sa.Column(name, _TEXT(length=length), nullable=False, server_default="")
            )
    with op.batch_alter_table("account_change") as batch_op:
        for name, _ in _NEW:
            batch_op.alter_column(name, server_default=None)
    table = sa.table(
        "account_change",
        sa.column("id", sa.Integer()), sa.column("user_id", sa.Integer()),
        sa.column("actor_id", sa.Integer()), sa.column("at", casework.db.UTCDateTime()),
        sa.column("kind", sa.String()), sa.column("role", sa.String()),
        sa.column("old_value", sa.String()), sa.column("new_value", sa.String()),
        sa.column("prev_hash", sa.String()), sa.column("hash", sa.String()),
    )  # fmt: skip
    conn = op.get_bind()
    prev = ""
    for row in conn.execute(sa.select(table).order_by(table.c.id)).all():
        digest = _hash(row, prev)
        conn.execute(table.update().where(table.c.id == row.id).values(prev_hash=prev, hash=digest))
        prev = digest


def downgrade() -> None:
    with op.batch_alter_table("account_change") as batch_op:
        for name, _ in reversed(_NEW):
            batch_op.drop_column(name)
