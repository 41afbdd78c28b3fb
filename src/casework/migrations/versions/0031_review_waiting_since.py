"""The review queue's waiting runs kept on the dossier (issue 19): `dossier.waiting_since`, the
instant of a practice run's submission that no verdict nor withdrawal followed (NULL when nothing
waits), filled here from the existing events and kept by every later event
(`dossiers.events.record_event`), under a partial index of the waiting runs, oldest first (with
the unit and mode the queue's filters read, so a count reads the index alone) — so the queue's
default tab and its "waiting more than N working days" filter read that index instead of finding
each run's latest submission among the review events

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-06 03:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import casework.db

revision: str = "0031"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_dossier_review_waiting"
WAITING = "waiting_since IS NOT NULL"
#: the latest submission of each dossier that no submission, withdrawal or verdict followed
BACKFILL = """
UPDATE dossier SET waiting_since = (
    SELECT s.at FROM event AS s
    WHERE s.dossier_id = dossier.id AND s.kind = 'submitted' AND NOT EXISTS (
        SELECT 1 FROM event AS n
        WHERE n.dossier_id = s.dossier_id AND n.seq > s.seq
        AND (n.kind = 'submitted' OR n.kind = 'withdrawn' OR n.kind = 'review')
    )
)
WHERE EXISTS (SELECT 1 FROM event AS e WHERE e.dossier_id = dossier.id AND e.kind = 'submitted')
"""


def upgrade() -> None:
    # a plain ADD COLUMN (nullable), so SQLite does not rebuild the table
    op.add_column(
        "dossier",
        sa.Column("waiting_since", casework.db.UTCDateTime(timezone=True), nullable=True),
    )
    op.execute(BACKFILL)
    op.create_index(
        INDEX,
        "dossier",
        ["waiting_since", "id", "handling_unit_id", "mode"],
        postgresql_where=sa.text(WAITING),
        sqlite_where=sa.text(WAITING),
    )


def downgrade() -> None:
    op.drop_index(INDEX, table_name="dossier")
    with op.batch_alter_table("dossier") as batch:
        batch.drop_column("waiting_since")
