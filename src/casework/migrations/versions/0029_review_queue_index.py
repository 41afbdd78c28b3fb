"""The mentors' review queue's partial indexes on `event` (issue 19, item 4): a run's
submissions, withdrawals and verdicts by (dossier, seq), and the submissions by instant — so the
queue's "latest submission with no verdict since" reads those few rows, not every event

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-05 20:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: (ORs, not IN: PostgreSQL prints an IN list back in a form that does not read back the same, and
#: `casework demo generate --bulk` recreates the indexes from what it prints)
REVIEW_MARKS = "kind = 'submitted' OR kind = 'withdrawn' OR kind = 'review'"
SUBMITTED_ONLY = "kind = 'submitted'"
INDEXES = (
    ("ix_event_review_marks", ["dossier_id", "seq"], REVIEW_MARKS),
    ("ix_event_submitted", ["at", "dossier_id"], SUBMITTED_ONLY),
)


def upgrade() -> None:
    for name, columns, where in INDEXES:
        op.create_index(
            name,
            "event",
            columns,
            postgresql_where=sa.text(where),
            sqlite_where=sa.text(where),
        )


def downgrade() -> None:
    for name, _, _ in INDEXES:
        op.drop_index(name, table_name="event")
