"""account token version and sealed refresh successor

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 21:40:00

Every access token carries its account's ``token_version``; raising it ends them all (decision D39).
A spent refresh token keeps the pair it was exchanged for, sealed, through the grace (D40).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("token_version", sa.Integer(), nullable=False, server_default="0")
        )
    with op.batch_alter_table("refresh_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("successor", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("refresh_tokens", schema=None) as batch_op:
        batch_op.drop_column("successor")
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_column("token_version")
