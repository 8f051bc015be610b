"""procrastinate job queue schema (PostgreSQL only)

procrastinate ships its schema as SQL. We apply it inside a schema of its own so that Alembic's
autogenerate never sees its tables and the downgrade is a single DROP SCHEMA. The jobs adapter
connects with ``search_path=procrastinate``. SQLite deployments use the in-process runner instead.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 03:10:00
"""

from collections.abc import Sequence

from alembic import op
from procrastinate.schema import SchemaManager

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "procrastinate"


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    op.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
    op.execute(f"SET LOCAL search_path TO {SCHEMA}")
    # Through the driver directly: the script holds many statements and ':' casts that SQLAlchemy's
    # text() would try to read as bind parameters.
    bind.connection.driver_connection.execute(SchemaManager.get_schema())  # type: ignore[union-attr]
    op.execute("SET LOCAL search_path TO DEFAULT")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
