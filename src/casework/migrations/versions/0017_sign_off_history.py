"""sign-off history: append-only sign_off_entry (signed / revoked) replaces sign_off

Every row of sign_off becomes a "signed" entry (seq 1) with a new certificate number; the old
sign-offs rested on no recorded evidence, so their evidence list is empty. Downgrading keeps
the sign-offs that hold (the latest entry is a signing) and drops the history and numbers.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 12:00:00
"""

from collections.abc import Sequence
from datetime import UTC
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import sqlmodel
from alembic import op

import casework.db  # noqa: F401  (UTCDateTime, JSONType)
from casework.signoffs.numbers import new_number

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


def _old_table() -> sa.Table:
    return sa.table(
        "sign_off",
        sa.column("id", sa.Integer()),
        sa.column("mentor_id", sa.Integer()),
        sa.column("trainee_id", sa.Integer()),
        sa.column("procedure_code", sa.String()),
        sa.column("note", sa.String()),
        sa.column("signed_at", casework.db.UTCDateTime(timezone=True)),
    )


def _entry_table() -> sa.Table:
    return sa.table(
        "sign_off_entry",
        sa.column("trainee_id", sa.Integer()),
        sa.column("procedure_code", sa.String()),
        sa.column("seq", sa.Integer()),
        sa.column("kind", sa.String()),
        sa.column("mentor_id", sa.Integer()),
        sa.column("at", casework.db.UTCDateTime(timezone=True)),
        sa.column("note", sa.String()),
        sa.column("number", sa.String()),
        sa.column("evidence", casework.db.JSONType),
    )


def upgrade() -> None:
    op.create_table(
        "sign_off_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trainee_id", sa.Integer(), nullable=False),
        sa.Column("procedure_code", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("mentor_id", sa.Integer(), nullable=False),
        sa.Column("at", casework.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("number", sa.String(length=19), nullable=True),
        sa.Column("evidence", casework.db.JSONType, nullable=False),
        sa.ForeignKeyConstraint(
            ["mentor_id"], ["user.id"], name=op.f("fk_sign_off_entry_mentor_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["trainee_id"], ["user.id"], name=op.f("fk_sign_off_entry_trainee_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_off_entry")),
        sa.UniqueConstraint("number", name=op.f("uq_sign_off_entry_number")),
        sa.UniqueConstraint(
            "trainee_id",
            "procedure_code",
            "seq",
            name=op.f("uq_sign_off_entry_trainee_id_procedure_code_seq"),
        ),
    )
    with op.batch_alter_table("sign_off_entry", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sign_off_entry_mentor_id"), ["mentor_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_sign_off_entry_trainee_id"), ["trainee_id"], unique=False
        )

    conn = op.get_bind()
    old = _old_table()
    rows = conn.execute(sa.select(old).order_by(old.c.id)).all()
    if rows:
        taken: set[str] = set()
        entries = []
        for r in rows:
            number = new_number(r.signed_at.astimezone(VIETNAM).year)
            while number in taken:  # 40 random bits: practically never
                number = new_number(r.signed_at.astimezone(VIETNAM).year)
            taken.add(number)
            entries.append(
                {
                    "trainee_id": r.trainee_id,
                    "procedure_code": r.procedure_code,
                    "seq": 1,
                    "kind": "signed",
                    "mentor_id": r.mentor_id,
                    "at": r.signed_at,
                    "note": r.note,
                    "number": number,
                    "evidence": [],
                }
            )
        op.bulk_insert(_entry_table(), entries)

    with op.batch_alter_table("sign_off", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sign_off_trainee_id"))
        batch_op.drop_index(batch_op.f("ix_sign_off_mentor_id"))
    op.drop_table("sign_off")


def downgrade() -> None:
    op.create_table(
        "sign_off",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mentor_id", sa.Integer(), nullable=False),
        sa.Column("trainee_id", sa.Integer(), nullable=False),
        sa.Column("procedure_code", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("signed_at", casework.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["mentor_id"], ["user.id"], name=op.f("fk_sign_off_mentor_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["trainee_id"], ["user.id"], name=op.f("fk_sign_off_trainee_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_off")),
        sa.UniqueConstraint(
            "trainee_id", "procedure_code", name=op.f("uq_sign_off_trainee_id_procedure_code")
        ),
    )
    with op.batch_alter_table("sign_off", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sign_off_mentor_id"), ["mentor_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_sign_off_trainee_id"), ["trainee_id"], unique=False)

    conn = op.get_bind()
    entry = _entry_table()
    latest: dict[tuple[int, str], sa.Row] = {}
    for r in conn.execute(sa.select(entry).order_by(entry.c.seq)).all():
        latest[(r.trainee_id, r.procedure_code)] = r
    kept = [
        {
            "mentor_id": r.mentor_id,
            "trainee_id": r.trainee_id,
            "procedure_code": r.procedure_code,
            "note": r.note,
            "signed_at": r.at.astimezone(UTC),
        }
        for r in latest.values()
        if r.kind == "signed"
    ]
    if kept:
        op.bulk_insert(_old_table(), kept)

    with op.batch_alter_table("sign_off_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sign_off_entry_trainee_id"))
        batch_op.drop_index(batch_op.f("ix_sign_off_entry_mentor_id"))
    op.drop_table("sign_off_entry")
