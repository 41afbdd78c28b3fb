"""workshop: procedure drafts, their events, the catalogue generation, publication columns of
procedure_version (issue 20)

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-05 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import casework.db

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # plain ADD COLUMN: SQLite does not rebuild procedure_version (the dossiers point at it)
    op.add_column(
        "procedure_version",
        sa.Column("effective_from", casework.db.UTCDateTime(timezone=True), nullable=True),
    )
    op.add_column("procedure_version", sa.Column("published_by_id", sa.Integer(), nullable=True))
    for name in ("reason", "source_note"):
        op.add_column(
            "procedure_version",
            sa.Column(
                name,
                sqlmodel.sql.sqltypes.AutoString(length=2000),
                server_default="",
                nullable=False,
            ),
        )
    op.add_column("procedure_version", sa.Column("yaml_text", sa.Text(), nullable=True))

    op.create_table(
        "procedure_draft",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("base_version_id", sa.Integer(), nullable=True),
        sa.Column("yaml_text", sa.Text(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("last_saved_by_id", sa.Integer(), nullable=True),
        sa.Column("reviewer_id", sa.Integer(), nullable=True),
        sa.Column("review_comment", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
        sa.Column("effective_from", casework.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "effective_reason", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False
        ),
        sa.Column("published_version_id", sa.Integer(), nullable=True),
        sa.Column("created_at", casework.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", casework.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["user.id"], name=op.f("fk_procedure_draft_author_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["base_version_id"],
            ["procedure_version.id"],
            name=op.f("fk_procedure_draft_base_version_id_procedure_version"),
        ),
        sa.ForeignKeyConstraint(
            ["last_saved_by_id"], ["user.id"], name=op.f("fk_procedure_draft_last_saved_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["published_version_id"],
            ["procedure_version.id"],
            name=op.f("fk_procedure_draft_published_version_id_procedure_version"),
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_id"], ["user.id"], name=op.f("fk_procedure_draft_reviewer_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_procedure_draft")),
    )
    with op.batch_alter_table("procedure_draft") as batch_op:
        batch_op.create_index(batch_op.f("ix_procedure_draft_code"), ["code"], unique=False)
        batch_op.create_index(batch_op.f("ix_procedure_draft_status"), ["status"], unique=False)

    op.create_table(
        "draft_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("draft_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
        sa.Column("at", casework.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["user.id"], name=op.f("fk_draft_event_actor_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["draft_id"],
            ["procedure_draft.id"],
            name=op.f("fk_draft_event_draft_id_procedure_draft"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_draft_event")),
    )
    with op.batch_alter_table("draft_event") as batch_op:
        batch_op.create_index(batch_op.f("ix_draft_event_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_draft_event_draft_id"), ["draft_id"], unique=False)

    op.create_table(
        "catalogue_generation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("updated_at", casework.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalogue_generation")),
    )


def downgrade() -> None:
    op.drop_table("catalogue_generation")
    with op.batch_alter_table("draft_event") as batch_op:
        batch_op.drop_index(batch_op.f("ix_draft_event_draft_id"))
        batch_op.drop_index(batch_op.f("ix_draft_event_at"))
    op.drop_table("draft_event")
    with op.batch_alter_table("procedure_draft") as batch_op:
        batch_op.drop_index(batch_op.f("ix_procedure_draft_status"))
        batch_op.drop_index(batch_op.f("ix_procedure_draft_code"))
    op.drop_table("procedure_draft")
    for name in ("yaml_text", "source_note", "reason", "published_by_id", "effective_from"):
        op.drop_column("procedure_version", name)  # SQLite 3.35+: no table rebuild
