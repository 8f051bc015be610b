"""Tables of the local roster cache (SQLAlchemy Core on the shared metadata, so Alembic sees them).

One table per stored kind: the OneRoster object whole in ``payload`` plus indexed columns for what is
filtered, sorted, searched and joined; ``payload_hash`` lets an upsert skip identical objects. Link
tables hold users' roles at orgs, agents and class terms. Then sync bookkeeping and the change feed.
No foreign keys between roster tables: a sync meets references before their targets.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel.sql.sqltypes import UTCDateTime

from adapters.db.metadata import metadata

ID = 255  # OneRoster sourcedIds are strings; TimeBack's are UUIDs or readable keys
TEXT = 500


def _ref(name: str) -> sa.Column[str]:
    return sa.Column(name, sa.String(ID), nullable=True, index=True)


def _text(name: str, length: int = TEXT) -> sa.Column[str]:
    return sa.Column(name, sa.String(length), nullable=True, index=True)


def _entity(name: str, *columns: sa.Column[Any]) -> sa.Table:
    return sa.Table(
        name,
        metadata,
        sa.Column("sourced_id", sa.String(ID), primary_key=True),
        sa.Column("status", sa.String(20), nullable=False, index=True),
        sa.Column("date_last_modified", UTCDateTime(), nullable=False, index=True),
        *columns,
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("payload_hash", sa.String(64), nullable=False),
    )


orgs = _entity(
    "roster_orgs",
    _text("name"),
    _text("type", 50),
    _text("identifier", ID),
    _ref("parent_id"),
)

academic_sessions = _entity(
    "roster_academic_sessions",
    _text("title"),
    _text("type", 50),
    sa.Column("start_date", UTCDateTime(), nullable=True, index=True),
    sa.Column("end_date", UTCDateTime(), nullable=True, index=True),
    sa.Column("school_year", sa.Integer(), nullable=True, index=True),
    _ref("parent_id"),
    _ref("org_id"),
)

courses = _entity(
    "roster_courses",
    _text("title"),
    _text("course_code", ID),
    _ref("org_id"),
)

classes = _entity(
    "roster_classes",
    _text("title"),
    _text("class_code", ID),
    _text("class_type", 50),
    _ref("course_id"),
    _ref("school_id"),
)

users = _entity(
    "roster_users",
    _text("given_name", ID),
    _text("family_name", ID),
    _text("email", 320),
    _text("username", ID),
    _text("identifier", ID),
    _text("role", 50),
    sa.Column("enabled_user", sa.Boolean(), nullable=True, index=True),
)

enrollments = _entity(
    "roster_enrollments",
    _text("role", 50),
    _ref("user_id"),
    _ref("class_id"),
    _ref("school_id"),
    sa.Column("is_primary", sa.Boolean(), nullable=True, index=True),
    sa.Column("begin_date", sa.Date(), nullable=True, index=True),
    sa.Column("end_date", sa.Date(), nullable=True, index=True),
)

demographics = _entity(
    "roster_demographics",
    sa.Column("birth_date", sa.Date(), nullable=True, index=True),
    _text("sex", 50),
)

# The lesson catalogue (D82): a course's components (units), the component resources placed in them
# (lessons, the PowerPath lesson ids) and the resources they point at. The composite indexes serve
# the lessons query: a course's components in order, then each component's lessons in order.
course_components = _entity(
    "roster_course_components",
    _text("title"),
    sa.Column("sort_order", sa.Integer(), nullable=True),
    sa.Column("course_id", sa.String(ID), nullable=True),  # indexed below, with sort_order
    _ref("parent_id"),
    sa.Column("unlock_date", UTCDateTime(), nullable=True),
)
sa.Index(
    "ix_roster_course_components_course_order",
    course_components.c.course_id,
    course_components.c.sort_order,
)

component_resources = _entity(
    "roster_component_resources",
    _text("title"),
    sa.Column("sort_order", sa.Integer(), nullable=True),
    sa.Column("component_id", sa.String(ID), nullable=True),  # indexed below, with sort_order
    _ref("resource_id"),
    _text("lesson_type", ID),
)
sa.Index(
    "ix_roster_component_resources_component_order",
    component_resources.c.component_id,
    component_resources.c.sort_order,
)

resources = _entity(
    "roster_resources",
    _text("title"),
    _text("lesson_type", ID),
    sa.Column("url", sa.Text(), nullable=True),
)

#: a user's roles at orgs (``roles[]``): who belongs where
user_roles = sa.Table(
    "roster_user_roles",
    metadata,
    sa.Column("user_id", sa.String(ID), primary_key=True),
    sa.Column("org_id", sa.String(ID), primary_key=True, index=True),
    sa.Column("role", sa.String(50), primary_key=True, index=True),
    sa.Column("role_type", sa.String(20), nullable=False),
)

#: ``agents[]``: ``agent_id`` (a guardian, parent...) is an agent for ``user_id``
user_agents = sa.Table(
    "roster_user_agents",
    metadata,
    sa.Column("user_id", sa.String(ID), primary_key=True),
    sa.Column("agent_id", sa.String(ID), primary_key=True, index=True),
)

class_terms = sa.Table(
    "roster_class_terms",
    metadata,
    sa.Column("class_id", sa.String(ID), primary_key=True),
    sa.Column("term_id", sa.String(ID), primary_key=True, index=True),
)

sync_watermarks = sa.Table(
    "roster_sync_watermarks",
    metadata,
    sa.Column("entity", sa.String(40), primary_key=True),
    sa.Column("watermark", UTCDateTime(), nullable=False),
)

sync_checkpoints = sa.Table(
    "roster_sync_checkpoints",
    metadata,
    sa.Column("entity", sa.String(40), primary_key=True),
    sa.Column("run_id", sa.String(32), nullable=False),
    sa.Column("next_offset", sa.Integer(), nullable=False),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
)

sync_runs = sa.Table(
    "roster_sync_runs",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("status", sa.String(20), nullable=False, index=True),
    sa.Column("started_at", UTCDateTime(), nullable=False, index=True),
    sa.Column("finished_at", UTCDateTime(), nullable=True),
    sa.Column("error", sa.String(2000), nullable=True),
    sa.Column("waiting_for", sa.String(32), nullable=True),
    sa.Column("joined", sa.String(32), nullable=True),
)

sync_progress = sa.Table(
    "roster_sync_progress",
    metadata,
    sa.Column(
        "run_id",
        sa.String(32),
        sa.ForeignKey("roster_sync_runs.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("entity", sa.String(40), primary_key=True),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("pages_done", sa.Integer(), nullable=False),
    sa.Column("pages_total", sa.Integer(), nullable=True),
    sa.Column("rows", sa.Integer(), nullable=False),
    sa.Column("errors", sa.Integer(), nullable=False),
)

#: the change feed: ``id`` is the cursor
changes = sa.Table(
    "roster_changes",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("sourced_id", sa.String(ID), nullable=False),
    sa.Column("op", sa.String(10), nullable=False),
    sa.Column("at", UTCDateTime(), nullable=False),
)

ENTITY_TABLES: dict[str, sa.Table] = {
    "orgs": orgs,
    "academicSessions": academic_sessions,
    "courses": courses,
    "classes": classes,
    "users": users,
    "enrollments": enrollments,
    "demographics": demographics,
    "courseComponents": course_components,
    "componentResources": component_resources,
    "resources": resources,
}
