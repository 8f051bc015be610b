"""lesson catalogue

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 04:01:00.000000

The lesson catalogue in the roster cache (issue 17, decision D82): OneRoster course components,
component resources and resources, filled by the roster sync, with the indexes of the lessons
query (a course's components in order, then each component's lessons in order).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _common() -> list[sa.Column[object]]:
    return [
        sa.Column("sourced_id", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("date_last_modified", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    ]


def _stored() -> list[sa.Column[object]]:
    return [
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("payload_hash", sa.String(length=64), nullable=False),
    ]


def _indexes(table: str, *columns: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        for column in ("date_last_modified", "status", "title", *columns):
            batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column], unique=False)


def upgrade() -> None:
    op.create_table(
        "roster_course_components",
        *_common(),
        sa.Column("title", sa.String(length=500), nullable=True),
        sa.Column("sort_order", sa.Integer(), nullable=True),
        sa.Column("course_id", sa.String(length=255), nullable=True),
        sa.Column("parent_id", sa.String(length=255), nullable=True),
        sa.Column("unlock_date", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        *_stored(),
        sa.PrimaryKeyConstraint("sourced_id", name=op.f("pk_roster_course_components")),
    )
    _indexes("roster_course_components", "parent_id")
    op.create_index(
        "ix_roster_course_components_course_order",
        "roster_course_components",
        ["course_id", "sort_order"],
        unique=False,
    )

    op.create_table(
        "roster_component_resources",
        *_common(),
        sa.Column("title", sa.String(length=500), nullable=True),
        sa.Column("sort_order", sa.Integer(), nullable=True),
        sa.Column("component_id", sa.String(length=255), nullable=True),
        sa.Column("resource_id", sa.String(length=255), nullable=True),
        sa.Column("lesson_type", sa.String(length=255), nullable=True),
        *_stored(),
        sa.PrimaryKeyConstraint("sourced_id", name=op.f("pk_roster_component_resources")),
    )
    _indexes("roster_component_resources", "resource_id", "lesson_type")
    op.create_index(
        "ix_roster_component_resources_component_order",
        "roster_component_resources",
        ["component_id", "sort_order"],
        unique=False,
    )

    op.create_table(
        "roster_resources",
        *_common(),
        sa.Column("title", sa.String(length=500), nullable=True),
        sa.Column("lesson_type", sa.String(length=255), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        *_stored(),
        sa.PrimaryKeyConstraint("sourced_id", name=op.f("pk_roster_resources")),
    )
    _indexes("roster_resources", "lesson_type")


def downgrade() -> None:
    # a table's indexes go with it
    op.drop_table("roster_resources")
    op.drop_table("roster_component_resources")
    op.drop_table("roster_course_components")
