"""inspection_team_member: members sent by another body (no account), and the quality
controller (kiểm soát viên chất lượng) a quality decision declares (issue 15, legal review)

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-09 09:00:00

Rows written before this revision are officers with accounts; whether they came from another
body is not known for them (the decision's event payload holds the team as printed), so they
read as staff of the inspecting body, and no quality controller declaration.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("inspection_team_member", schema=None) as batch_op:
        batch_op.alter_column("user_id", existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(
            sa.Column("other_body", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("quality_controller", sa.Boolean(), nullable=True))
    with op.batch_alter_table("inspection_team_member", schema=None) as batch_op:
        batch_op.alter_column("other_body", server_default=None)


def downgrade() -> None:
    op.execute("DELETE FROM inspection_team_member WHERE user_id IS NULL")
    with op.batch_alter_table("inspection_team_member", schema=None) as batch_op:
        batch_op.drop_column("quality_controller")
        batch_op.drop_column("other_body")
        batch_op.alter_column("user_id", existing_type=sa.Integer(), nullable=False)
