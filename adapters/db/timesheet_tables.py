"""Tables for time-tracker integrations and time logs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint, text
from sqlmodel import Field

from adapters.db.metadata import Row


class IntegrationRow(Row, table=True):
    __tablename__ = "integrations"
    __table_args__ = (UniqueConstraint("account_id", "kind", "workspace_id"),)

    id: str = Field(primary_key=True, max_length=32)
    account_id: str = Field(foreign_key="accounts.id", index=True, max_length=32)
    kind: str = Field(max_length=50)
    name: str = Field(max_length=200)
    data_centre: str = Field(max_length=20)
    workspace_id: str = Field(max_length=64)
    time_zone: str = Field(max_length=64)
    sealed_refresh_token: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(max_length=30)
    last_error: str | None = Field(default=None, max_length=2000)
    created_at: datetime
    updated_at: datetime


class TimeLogRow(Row, table=True):
    __tablename__ = "time_logs"
    __table_args__ = (
        UniqueConstraint("account_id", "idempotency_key"),
        # At most one running timer per person, even when two starts race past the service's check.
        Index(
            "uq_time_logs_one_running",
            "account_id",
            unique=True,
            sqlite_where=text('"end" IS NULL'),
            postgresql_where=text('"end" IS NULL'),
        ),
    )

    id: str = Field(primary_key=True, max_length=32)
    account_id: str = Field(foreign_key="accounts.id", index=True, max_length=32)
    # No foreign key: a log outlives a disconnected integration (it waits, or is re-pointed).
    integration_id: str | None = Field(default=None, max_length=32, index=True)
    project_id: str | None = Field(default=None, max_length=64)
    task: str | None = Field(default=None, max_length=500)
    start: datetime = Field(index=True)
    end: datetime | None = None
    billable: bool = True
    notes: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    sync_state: str = Field(max_length=30, index=True)
    upstream_id: str | None = Field(default=None, max_length=64)
    last_error: str | None = Field(default=None, max_length=2000)
    version: int = 1
    synced_version: int | None = None
    create_in_flight: bool = False
    synced_integration_id: str | None = Field(default=None, max_length=32)
    synced_project_id: str | None = Field(default=None, max_length=64)
    attempts: int = 0
    next_attempt_at: datetime | None = Field(default=None, index=True)
    idempotency_key: str | None = Field(default=None, max_length=200)
    idempotency_fingerprint: str | None = Field(default=None, max_length=64)
    created_at: datetime
    updated_at: datetime
