"""BFF accounts, the authenticated caller (Actor), tokens and audit events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    STAFF = "staff"
    TEACHER = "teacher"
    STUDENT = "student"
    GUARDIAN = "guardian"


class TokenScope(StrEnum):
    READ = "read"
    READ_WRITE = "read_write"


class AuthMethod(StrEnum):
    PASSWORD = "password"  # noqa: S105 - a method name, not a secret
    REFRESH = "refresh"
    API_TOKEN = "api_token"  # noqa: S105
    SSO = "sso"


@dataclass(frozen=True, slots=True, kw_only=True)
class Account:
    id: str
    email: str
    display_name: str
    role: Role
    #: The OneRoster user this account is; None only for admins.
    person_sourced_id: str | None
    password_hash: str | None
    active: bool = True
    sso_subject: str | None = None
    created_at: datetime
    is_demo: bool = False
    #: Carried in every access token; raised to end them all at once (password change,
    #: deactivation, log out everywhere, a change of role or person).
    token_version: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class Actor:
    """Who is calling, as the policy sees them."""

    account_id: str
    role: Role
    person_sourced_id: str | None
    can_write: bool = True
    method: AuthMethod = AuthMethod.PASSWORD

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN


@dataclass(frozen=True, slots=True, kw_only=True)
class RefreshToken:
    id: str
    account_id: str
    family_id: str
    token_hash: str
    issued_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
    revoked_at: datetime | None = None
    #: The pair this token was exchanged for, sealed by the ``Cipher``: a request that lost the
    #: race to spend this token gets the same pair within the grace (decision D40).
    successor: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ApiToken:
    id: str
    account_id: str
    name: str
    prefix: str
    token_hash: str
    scope: TokenScope
    created_at: datetime
    expires_at: datetime | None = None
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None

    def usable_at(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or now < self.expires_at)


@dataclass(frozen=True, slots=True, kw_only=True)
class IssuedTokens:
    access_token: str
    expires_in: int
    refresh_token: str
    token_type: str = "bearer"  # noqa: S105


@dataclass(frozen=True, slots=True, kw_only=True)
class AccessClaims:
    account_id: str
    role: Role
    person_sourced_id: str | None
    expires_at: datetime
    #: the account's ``token_version`` when the token was issued
    token_version: int = 0


class Outcome(StrEnum):
    SUCCESS = "success"
    DENIED = "denied"
    FAILED = "failed"


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditEvent:
    at: datetime
    actor_account_id: str | None
    actor_role: str | None
    action: str
    resource_type: str
    resource_id: str | None
    outcome: Outcome
    status: int
    request_id: str | None = None
    client_address: str | None = None
    detail: str | None = None
    id: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditQuery:
    actor_account_id: str | None = None
    action: str | None = None
    resource_type: str | None = None
    outcome: Outcome | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 100
    offset: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class NewAccount:
    email: str
    display_name: str
    role: Role
    person_sourced_id: str | None
    password: str | None
    sso_subject: str | None = None
    is_demo: bool = False
