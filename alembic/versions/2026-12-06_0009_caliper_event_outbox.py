"""caliper event outbox

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 00:33:07

Accepted Caliper events and their delivery to TimeBack (decisions D60, D61).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "caliper_events",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=512), nullable=False),
        sa.Column("event_json", sa.Text(), nullable=False),
        sa.Column("fingerprint", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("actor_id", sqlmodel.sql.sqltypes.AutoString(length=512), nullable=False),
        sa.Column("person_sourced_id", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column("type", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("event_time", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("account_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("sent_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("claim_token", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("job_id", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("allocated_id", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("failure_reason", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
        sa.Column("last_error", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
        sa.Column("accepted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("delivered_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_caliper_events")),
    )
    with op.batch_alter_table("caliper_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_caliper_events_actor_id"), ["actor_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_caliper_events_event_time"), ["event_time"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_caliper_events_job_id"), ["job_id"], unique=False)
        batch_op.create_index(
            "ix_caliper_events_person_event_time", ["person_sourced_id", "event_time"], unique=False
        )
        batch_op.create_index(
            "ix_caliper_events_state_next_attempt_at", ["state", "next_attempt_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("caliper_events", schema=None) as batch_op:
        batch_op.drop_index("ix_caliper_events_state_next_attempt_at")
        batch_op.drop_index("ix_caliper_events_person_event_time")
        batch_op.drop_index(batch_op.f("ix_caliper_events_job_id"))
        batch_op.drop_index(batch_op.f("ix_caliper_events_event_time"))
        batch_op.drop_index(batch_op.f("ix_caliper_events_actor_id"))

    op.drop_table("caliper_events")
