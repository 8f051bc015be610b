"""Time trackers (Zoho Projects, Zoho Desk, ...): authorization and time-log calls.

Each tracker is an adapter package registered under its ``kind`` in a :class:`TrackerRegistry`; the
domain looks trackers up by kind and never names one, so adding a tracker is adding a package and a
registration, not editing this code.

Errors: adapters raise the domain's ``UpstreamUnavailable`` (5xx, timeouts: retry later),
``UpstreamRateLimited`` (429, with ``retry_after``), ``UpstreamRejected`` (refused for good: locked or
approved log, deleted project, invalid field), ``AccessTokenRefused`` (the session's access token
was refused: ``TrackerSessions.invalidate`` it and retry once) and ``ReconnectNeeded`` (the grant is
dead).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from domain.models.timesheets import (
    AccessGrant,
    OAuthGrant,
    TrackerSession,
    UpstreamEntry,
    UpstreamProject,
    Workspace,
)


class TrackerAuth(Protocol):
    """The tracker's OAuth authorization-code flow, aware of data centres."""

    def data_centres(self) -> Sequence[str]:
        """Data-centre keys a user may pick (``com``, ``eu``, ``in``, ``com.au``, ``jp``, ...)."""
        ...

    def authorization_url(self, *, data_centre: str, state: str, redirect_url: str) -> str:
        """Where to send the browser; asks for offline access so a refresh token comes back.
        Raises ``InvalidInput`` for an unknown data centre."""
        ...

    async def exchange_code(self, *, data_centre: str, code: str, redirect_url: str) -> OAuthGrant:
        """Raises ``ReconnectNeeded`` when the code is refused (Zoho: HTTP 200 ``invalid_code``)."""
        ...

    async def refresh(self, *, data_centre: str, refresh_token: str) -> AccessGrant:
        """Raises ``ReconnectNeeded`` when the refresh token is refused, ``UpstreamRateLimited``
        when the refresh-rate limit is hit."""
        ...

    async def revoke(self, *, data_centre: str, refresh_token: str) -> None:
        """Best effort, used on disconnect."""
        ...


class TimeTracker(Protocol):
    """One tracker's time-log API, called with an authorized :class:`TrackerSession`."""

    async def workspaces(self, *, data_centre: str, access_token: str) -> Sequence[Workspace]:
        """Portals (Projects) or organisations (Desk) the grant can reach."""
        ...

    async def projects(self, session: TrackerSession, *, query: str) -> Sequence[UpstreamProject]:
        """Bookable projects or tickets; ``query`` may narrow upstream, the domain ranks. The
        ``integration_id`` of each result is left empty for the caller to fill."""
        ...

    async def create(self, session: TrackerSession, entry: UpstreamEntry) -> str:
        """Create the log upstream carrying ``entry.tag``; returns the upstream id."""
        ...

    async def update(self, session: TrackerSession, upstream_id: str, entry: UpstreamEntry) -> None:
        """Raises ``NotFound`` when the upstream log is gone."""
        ...

    async def delete(self, session: TrackerSession, upstream_id: str, *, project_id: str) -> None:
        """Idempotent: a log that is already gone upstream is not an error."""
        ...

    async def find_tagged(self, session: TrackerSession, entry: UpstreamEntry) -> str | None:
        """The upstream id of a log carrying ``entry.tag`` in ``entry.project_id`` around
        ``entry.day``, if an earlier attempt created one."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class TrackerPlugin:
    kind: str
    #: Shown to users: "Zoho Projects".
    label: str
    #: What a "project" is in this tracker: "project", "ticket".
    project_noun: str
    auth: TrackerAuth
    tracker: TimeTracker


TrackerRegistry = Mapping[str, TrackerPlugin]


class TrackerSessions(Protocol):
    """Hands out an authorized session for an integration, refreshing its access token as needed.

    Implemented by the integrations use case; the log sync depends on this, not on how grants are
    stored. Raises ``NotFound`` for an unknown integration, ``ReconnectNeeded`` when its grant is
    dead (and marks the integration so), ``UpstreamRateLimited`` when the refresh limit is hit.
    """

    async def session_for(self, integration_id: str) -> tuple[TrackerPlugin, TrackerSession]: ...

    async def invalidate(self, integration_id: str) -> None:
        """Forget the cached access token (the upstream said it is no longer valid)."""
        ...
