"""Tables for Caliper events: the outbox of accepted events and their delivery."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text
from sqlmodel import Field

from adapters.db.metadata import Row


class CaliperEventRow(Row, table=True):
    __tablename__ = "caliper_events"
    __table_args__ = (
        # what a delivery worker looks for: open rows by when they are due
        Index("ix_caliper_events_state_next_attempt_at", "state", "next_attempt_at"),
        Index("ix_caliper_events_person_event_time", "person_sourced_id", "event_time"),
    )

    #: the event's own Caliper ``id`` (TimeBack's ``externalId``)
    id: str = Field(primary_key=True, max_length=512)
    #: the event as sent upstream, canonical JSON (sorted keys, no spaces)
    event_json: str = Field(sa_column=Column(Text, nullable=False))
    fingerprint: str = Field(max_length=64)
    actor_id: str = Field(max_length=512, index=True)
    person_sourced_id: str | None = Field(default=None, max_length=255)
    type: str = Field(max_length=100)
    action: str = Field(max_length=100)
    event_time: datetime = Field(index=True)
    # No foreign key: an event outlives the account that sent it.
    account_id: str = Field(max_length=32)
    state: str = Field(max_length=20)
    attempts: int = 0
    next_attempt_at: datetime | None = None
    sent_at: datetime | None = None
    claim_token: str | None = Field(default=None, max_length=32)
    job_id: str | None = Field(default=None, max_length=200, index=True)
    allocated_id: str | None = Field(default=None, max_length=200)
    failure_reason: str | None = Field(default=None, max_length=2000)
    last_error: str | None = Field(default=None, max_length=2000)
    accepted_at: datetime
    updated_at: datetime
    delivered_at: datetime | None = None
