"""sync runs: whom a run waited for or joined (one sync at a time)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 22:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("roster_sync_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("waiting_for", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("joined", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("roster_sync_runs", schema=None) as batch_op:
        batch_op.drop_column("joined")
        batch_op.drop_column("waiting_for")
