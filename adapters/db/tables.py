"""SQLModel tables of the system and identity repositories. These never leave the adapter:
repositories map rows to domain models. ``adapters.db.schema`` lists every table module."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field

from adapters.db.metadata import Row


class PeriodicTaskRow(Row, table=True):
    __tablename__ = "periodic_tasks"

    name: str = Field(primary_key=True, max_length=100)
    interval_seconds: float
    next_due_at: datetime = Field(index=True)
    last_started_at: datetime | None = None
    last_finished_at: datetime | None = None
    last_outcome: str | None = Field(default=None, max_length=500)
    last_error: str | None = Field(default=None, max_length=2000)
    runs: int = 0


class UpstreamCheckRow(Row, table=True):
    __tablename__ = "upstream_checks"

    id: int | None = Field(default=None, primary_key=True)
    upstream: str = Field(index=True, max_length=50)
    ok: bool
    latency_ms: float
    detail: str = Field(max_length=500)
    checked_at: datetime = Field(index=True)


class AccountRow(Row, table=True):
    __tablename__ = "accounts"

    id: str = Field(primary_key=True, max_length=32)
    email: str = Field(max_length=320)
    #: casefolded email, unique: the login lookup and the duplicate check
    email_key: str = Field(max_length=320, unique=True)
    display_name: str = Field(max_length=200)
    role: str = Field(max_length=20, index=True)
    person_sourced_id: str | None = Field(default=None, max_length=255, index=True)
    password_hash: str | None = Field(default=None, max_length=255)
    active: bool = True
    sso_subject: str | None = Field(default=None, max_length=255, unique=True)
    is_demo: bool = False
    created_at: datetime
    token_version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class RefreshTokenRow(Row, table=True):
    __tablename__ = "refresh_tokens"

    id: str = Field(primary_key=True, max_length=32)
    account_id: str = Field(
        foreign_key="accounts.id", index=True, max_length=32, ondelete="CASCADE"
    )
    family_id: str = Field(index=True, max_length=32)
    token_hash: str = Field(max_length=64, unique=True)
    issued_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
    revoked_at: datetime | None = None
    #: the pair this token was exchanged for, sealed (Fernet); kept only through the grace
    successor: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class ApiTokenRow(Row, table=True):
    __tablename__ = "api_tokens"

    id: str = Field(primary_key=True, max_length=32)
    account_id: str = Field(
        foreign_key="accounts.id", index=True, max_length=32, ondelete="CASCADE"
    )
    name: str = Field(max_length=100)
    prefix: str = Field(max_length=20)
    token_hash: str = Field(max_length=64, unique=True)
    scope: str = Field(max_length=20)
    created_at: datetime
    expires_at: datetime | None = None
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None


class LoginFailureRow(Row, table=True):
    __tablename__ = "login_failures"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=400, index=True)
    at: datetime = Field(index=True)


class AuditEventRow(Row, table=True):
    __tablename__ = "audit_events"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(index=True)
    actor_account_id: str | None = Field(default=None, max_length=32, index=True)
    actor_role: str | None = Field(default=None, max_length=20)
    action: str = Field(max_length=200, index=True)
    resource_type: str = Field(max_length=100, index=True)
    resource_id: str | None = Field(default=None, max_length=255)
    outcome: str = Field(max_length=20, index=True)
    status: int
    request_id: str | None = Field(default=None, max_length=128)
    client_address: str | None = Field(default=None, max_length=64)
    detail: str | None = Field(default=None, max_length=1000)
