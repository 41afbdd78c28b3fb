"""The work queue's index (issue 19, item 3): the current step's roles and the queue tab's bucket
on the dossier, the partial indexes of the queues, and the `queue_counter` table

Existing rows are filled: `current_roles` from the stored definition of the version each dossier
pinned, `queue_bucket` from its clock columns, and the counters from those two.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-05 17:40:00
"""

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN_ = "finished_at IS NULL"
RUNNING = "finished_at IS NULL AND processing_ended_at IS NULL AND paused_since IS NULL"
ELSEWHERE = "receiving_unit_id <> handling_unit_id"
BUCKET = (
    "CASE WHEN finished_at IS NOT NULL THEN 'finished' "
    "WHEN paused_since IS NOT NULL THEN 'waiting' ELSE 'open' END"
)


def _roles(state: dict[str, Any]) -> str:
    roles = state.get("roles") or ([state["role"]] if state.get("role") else [])
    return ",".join(sorted(set(roles)))


def upgrade() -> None:
    with op.batch_alter_table("dossier") as batch_op:
        batch_op.add_column(
            sa.Column(
                "current_roles",
                sqlmodel.sql.sqltypes.AutoString(length=64),
                server_default="",
                nullable=False,
            )
        )
        batch_op.add_column(
            sa.Column(
                "queue_bucket",
                sqlmodel.sql.sqltypes.AutoString(length=16),
                server_default="",
                nullable=False,
            )
        )
        for name, columns, where in (
            (
                "ix_dossier_queue_mine",
                ["handling_unit_id", "current_roles", "received_at", "id"],
                OPEN_,
            ),
            ("ix_dossier_queue_open", ["handling_unit_id", "received_at", "id"], OPEN_),
            ("ix_dossier_queue_due", ["handling_unit_id", "due_at"], RUNNING),
            ("ix_dossier_queue_elsewhere", ["receiving_unit_id", "received_at", "id"], ELSEWHERE),
        ):
            batch_op.create_index(
                name,
                columns,
                unique=False,
                postgresql_where=sa.text(where),
                sqlite_where=sa.text(where),
            )
    op.create_table(
        "queue_counter",
        sa.Column("handling_unit_id", sa.Integer(), nullable=False),
        sa.Column("receiving_unit_id", sa.Integer(), nullable=False),
        sa.Column("mode", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("roles", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("bucket", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "handling_unit_id",
            "receiving_unit_id",
            "mode",
            "roles",
            "bucket",
            name=op.f("pk_queue_counter"),
        ),
    )
    with op.batch_alter_table("queue_counter") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_queue_counter_receiving_unit_id"), ["receiving_unit_id"], unique=False
        )

    bind = op.get_bind()
    update = sa.text(
        "UPDATE dossier SET current_roles = :roles "
        "WHERE procedure_version_id = :version AND state = :state"
    )
    for version_id, definition in bind.execute(
        sa.text("SELECT id, definition FROM procedure_version")
    ):
        data = json.loads(definition) if isinstance(definition, str) else definition
        for state, spec in (data.get("states") or {}).items():
            roles = _roles(spec or {})
            if roles:
                bind.execute(update, {"roles": roles, "version": version_id, "state": state})
    bind.execute(sa.text(f"UPDATE dossier SET queue_bucket = {BUCKET}"))
    bind.execute(
        sa.text(
            "INSERT INTO queue_counter "
            "(handling_unit_id, receiving_unit_id, mode, roles, bucket, n) "
            "SELECT handling_unit_id, receiving_unit_id, mode, current_roles, queue_bucket, "
            "COUNT(*) FROM dossier "
            "GROUP BY handling_unit_id, receiving_unit_id, mode, current_roles, queue_bucket"
        )
    )


def downgrade() -> None:
    with op.batch_alter_table("queue_counter") as batch_op:
        batch_op.drop_index(batch_op.f("ix_queue_counter_receiving_unit_id"))
    op.drop_table("queue_counter")
    with op.batch_alter_table("dossier") as batch_op:
        for name in (
            "ix_dossier_queue_elsewhere",
            "ix_dossier_queue_due",
            "ix_dossier_queue_open",
            "ix_dossier_queue_mine",
        ):
            batch_op.drop_index(name)
        batch_op.drop_column("queue_bucket")
        batch_op.drop_column("current_roles")
