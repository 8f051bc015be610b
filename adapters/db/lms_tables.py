"""Tables of class-to-course links (SQLAlchemy Core on the shared metadata): the links, the people
each has put in its course, its runs, each run's per-person steps, and the follower's cursor on
the roster change feed. No foreign key to the roster cache: a sync may remove a linked class."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel.sql.sqltypes import UTCDateTime

from adapters.db.metadata import metadata

ID = 255  # OneRoster sourcedIds, Open edX course keys
KEY = 32  # the BFF's own ids

links = sa.Table(
    "lms_links",
    metadata,
    sa.Column("id", sa.String(KEY), primary_key=True),
    sa.Column("class_id", sa.String(ID), nullable=False, index=True),
    sa.Column("course_id", sa.String(ID), nullable=False, index=True),
    sa.Column("keep_drops", sa.Boolean(), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("created_by", sa.String(KEY), nullable=True),
    sa.Column("dirty", sa.Boolean(), nullable=False, index=True),
    sa.Column("last_run_id", sa.String(KEY), nullable=True),
    sa.Column("active_run_id", sa.String(KEY), nullable=True),
    sa.Column("lease_until", UTCDateTime(), nullable=True, index=True),
    sa.UniqueConstraint("class_id", "course_id"),
)

members = sa.Table(
    "lms_link_members",
    metadata,
    sa.Column(
        "link_id",
        sa.String(KEY),
        sa.ForeignKey("lms_links.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("person_id", sa.String(ID), primary_key=True, index=True),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("email", sa.String(320), nullable=False),
    sa.Column("username", sa.String(ID), nullable=True),
    sa.Column("enrollment_id", sa.String(ID), nullable=True, index=True),
)

runs = sa.Table(
    "lms_link_runs",
    metadata,
    sa.Column("id", sa.String(KEY), primary_key=True),
    sa.Column(
        "link_id",
        sa.String(KEY),
        sa.ForeignKey("lms_links.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("trigger", sa.String(20), nullable=False),
    sa.Column("status", sa.String(20), nullable=False, index=True),
    sa.Column("created_at", UTCDateTime(), nullable=False, index=True),
    sa.Column("started_at", UTCDateTime(), nullable=True),
    sa.Column("finished_at", UTCDateTime(), nullable=True),
    sa.Column("error", sa.String(2000), nullable=True),
    sa.Column("note", sa.String(1000), nullable=True),
    sa.Column("upstream_calls", sa.Integer(), nullable=False),
)

steps = sa.Table(
    "lms_run_steps",
    metadata,
    sa.Column(
        "run_id",
        sa.String(KEY),
        sa.ForeignKey("lms_link_runs.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("person_id", sa.String(ID), primary_key=True),
    sa.Column("action", sa.String(20), primary_key=True),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("email", sa.String(320), nullable=True),
    sa.Column("name", sa.String(500), nullable=False),
    sa.Column("username", sa.String(ID), nullable=True),
    sa.Column("enrollment_id", sa.String(ID), nullable=True),
    sa.Column("outcome", sa.String(20), nullable=False, index=True),
    sa.Column("reason", sa.String(500), nullable=True),
)

#: one row: how far the link follower has read the roster change feed
feed = sa.Table(
    "lms_feed",
    metadata,
    sa.Column("name", sa.String(40), primary_key=True),
    sa.Column("cursor", sa.BigInteger(), nullable=False),
)
