"""Timesheets: integrations with time trackers, time logs and their sync state.

An integration kind is a plain string (``"zoho_projects"``, ``"zoho_desk"``): the set of trackers is
whatever the composition root registers, so adding one never edits this module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum


class IntegrationStatus(StrEnum):
    CONNECTED = "connected"
    #: The upstream refused our refresh token (revoked, expired, wrong data centre): the user must
    #: connect again. Logs for it wait; nothing is lost.
    RECONNECT_NEEDED = "reconnect_needed"


@dataclass(frozen=True, slots=True, kw_only=True)
class Integration:
    """One account's connection to one tracker workspace (a Zoho Projects portal, a Desk org)."""

    id: str
    account_id: str
    kind: str
    name: str
    #: Zoho data centre key (``com``, ``eu``, ``in``, ``com.au``, ``jp``, ...).
    data_centre: str
    #: The upstream workspace: Projects portal id, Desk org id.
    workspace_id: str
    #: IANA zone of the workspace; log dates are computed in it.
    time_zone: str
    #: Refresh token sealed by the ``Cipher`` port; never stored or logged in clear.
    sealed_refresh_token: str
    status: IntegrationStatus = IntegrationStatus.CONNECTED
    last_error: str | None = None
    created_at: datetime
    updated_at: datetime


class SyncState(StrEnum):
    """Where a log stands with its upstream. The database row is the truth; jobs only act on it.

    local               incomplete or running: stays in the BFF
    pending             complete and changed since the last push: a job will push it
    synced              upstream matches ``synced_version``
    failed_retryable    the last push failed for a reason that may pass (5xx, 429, timeout, reconnect)
    failed_permanent    the upstream refused for good (locked, approved, project gone): user must act
    deleting            deleted by the user; the upstream copy is being removed, then the row goes
    """

    LOCAL = "local"
    PENDING = "pending"
    SYNCED = "synced"
    FAILED_RETRYABLE = "failed_retryable"
    FAILED_PERMANENT = "failed_permanent"
    DELETING = "deleting"


@dataclass(frozen=True, slots=True, kw_only=True)
class ProjectRef:
    """An upstream project (Projects) or ticket (Desk) a log is booked to."""

    integration_id: str
    project_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class TimeLog:
    id: str
    account_id: str
    project: ProjectRef | None
    task: str | None
    start: datetime
    #: None while the timer runs.
    end: datetime | None
    billable: bool = True
    notes: str = ""
    sync_state: SyncState = SyncState.LOCAL
    upstream_id: str | None = None
    last_error: str | None = None
    #: Bumped on every user change; ``synced_version`` is the version the upstream holds.
    version: int = 1
    synced_version: int | None = None
    #: True from the moment a create was sent until its reply is committed: if the worker dies in
    #: between, the next attempt looks for the tagged upstream copy before creating another.
    create_in_flight: bool = False
    #: Where the upstream copy lives (it stays there if the user moves the log to another
    #: project: the sync removes it there before creating the new one).
    synced_project: ProjectRef | None = None
    attempts: int = 0
    next_attempt_at: datetime | None = None
    idempotency_key: str | None = None
    #: Hash of the create request that used ``idempotency_key``: a replay with another body is refused.
    idempotency_fingerprint: str | None = None
    created_at: datetime
    updated_at: datetime

    @property
    def running(self) -> bool:
        return self.end is None

    @property
    def complete(self) -> bool:
        return (
            self.project is not None
            and bool(self.task and self.task.strip())
            and self.end is not None
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class UpstreamProject:
    """A bookable thing as a tracker lists it."""

    integration_id: str
    project_id: str
    name: str
    #: Extra words to match on (ticket number, status) without cluttering ``name``.
    detail: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class UpstreamEntry:
    """What is pushed: the log as the upstream wants it, already rounded and in its time zone."""

    project_id: str
    task: str
    #: The log's day in the workspace's time zone.
    day: date
    #: The log's start in UTC, for trackers that take an instant (Desk ``executedTime``).
    started_at: datetime
    #: Rounded duration in whole minutes (Zoho Projects takes ``hh:mm``).
    minutes: int
    billable: bool
    notes: str
    #: A stable marker of this log (its id) that the adapter stores upstream so a retried create
    #: can find the copy an earlier, interrupted attempt made.
    tag: str


@dataclass(frozen=True, slots=True, kw_only=True)
class TrackerSession:
    """What an adapter needs to call one workspace: where, and a current access token."""

    data_centre: str
    workspace_id: str
    time_zone: str
    access_token: str
    #: Host Zoho's token reply named for API calls (``api_domain``); adapters may ignore it.
    api_domain: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Workspace:
    """A workspace the user may connect, as the tracker describes it after authorization."""

    workspace_id: str
    name: str
    time_zone: str


@dataclass(frozen=True, slots=True, kw_only=True)
class OAuthGrant:
    """What a completed authorization-code exchange yields."""

    refresh_token: str
    access_token: str
    expires_in: int
    api_domain: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class AccessGrant:
    access_token: str
    expires_in: int
    api_domain: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ProjectSearchResult:
    """Ranked projects from every integration, and the integrations that could not answer."""

    projects: list[tuple[UpstreamProject, float]] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
