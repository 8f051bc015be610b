"""SQLModel tables. These never leave the adapter: repositories map rows to domain models."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import MetaData
from sqlmodel import Field, SQLModel

# Explicit constraint names keep migrations reproducible and let SQLite's batch mode find them.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata: MetaData = SQLModel.metadata


class PeriodicTaskRow(SQLModel, table=True):
    __tablename__ = "periodic_tasks"

    name: str = Field(primary_key=True, max_length=100)
    interval_seconds: float
    next_due_at: datetime = Field(index=True)
    last_started_at: datetime | None = None
    last_finished_at: datetime | None = None
    last_outcome: str | None = Field(default=None, max_length=500)
    last_error: str | None = Field(default=None, max_length=2000)
    runs: int = 0


class UpstreamCheckRow(SQLModel, table=True):
    __tablename__ = "upstream_checks"

    id: int | None = Field(default=None, primary_key=True)
    upstream: str = Field(index=True, max_length=50)
    ok: bool
    latency_ms: float
    detail: str = Field(max_length=500)
    checked_at: datetime = Field(index=True)
