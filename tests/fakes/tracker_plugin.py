"""An in-memory time tracker (OAuth + projects + logs) for tests that must not depend on Zoho.

``FakeAuth`` behaves like an OAuth server: codes it accepts, refresh tokens it issues, tokens it
declares dead (``kill``), a refresh-rate limit (``rate_limited``) and a slow refresh (``delay``) for
concurrency tests. ``FakeTracker`` keeps projects and logs per workspace and can be told to fail.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

from domain.errors import (
    Conflict,
    NotFound,
    ReconnectNeeded,
    UpstreamRateLimited,
    UpstreamUnavailable,
)
from domain.models.identity import Account
from domain.models.timesheets import (
    AccessGrant,
    Integration,
    OAuthGrant,
    TrackerSession,
    UpstreamEntry,
    UpstreamProject,
    Workspace,
)
from domain.ports.time_tracker import TrackerPlugin

FAKE_KIND = "fake_tracker"
AUTHORIZE_URL = "https://tracker.test/oauth/authorize"


@dataclass
class FakeAuth:
    centres: tuple[str, ...] = ("com", "eu")
    expires_in: int = 3600
    #: refresh tokens the server refuses from now on (revoked, expired)
    dead: set[str] = field(default_factory=set)
    revoked: list[str] = field(default_factory=list)
    #: every refresh token is refused (the user revoked the app at the tracker)
    refuse_all: bool = False
    rate_limited: bool = False
    delay: float = 0.0
    refreshes: int = 0
    exchanges: list[tuple[str, str]] = field(default_factory=list)
    _serial: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def data_centres(self) -> Sequence[str]:
        return self.centres

    def authorization_url(self, *, data_centre: str, state: str, redirect_url: str) -> str:
        query = urlencode({"dc": data_centre, "state": state, "redirect_uri": redirect_url})
        return f"{AUTHORIZE_URL}?{query}"

    async def exchange_code(self, *, data_centre: str, code: str, redirect_url: str) -> OAuthGrant:
        self.exchanges.append((data_centre, code))
        if code == "bad-code":
            raise ReconnectNeeded("invalid_code", upstream=FAKE_KIND)
        n = next(self._serial)
        return OAuthGrant(
            refresh_token=f"rt-{n}",
            access_token=f"at-{n}-0",
            expires_in=self.expires_in,
            api_domain="https://api.tracker.test",
        )

    async def refresh(self, *, data_centre: str, refresh_token: str) -> AccessGrant:
        self.refreshes += 1
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.rate_limited:
            raise UpstreamRateLimited(
                "too many access tokens requested", upstream=FAKE_KIND, retry_after=600
            )
        if self.refuse_all or refresh_token in self.dead or refresh_token in self.revoked:
            raise ReconnectNeeded("invalid_code", upstream=FAKE_KIND)
        return AccessGrant(
            access_token=f"at-{refresh_token}-{self.refreshes}", expires_in=self.expires_in
        )

    async def revoke(self, *, data_centre: str, refresh_token: str) -> None:
        self.revoked.append(refresh_token)


@dataclass
class FakeTracker:
    workspace_list: list[Workspace] = field(
        default_factory=lambda: [
            Workspace(workspace_id="ws-1", name="Acme portal", time_zone="Europe/London")
        ]
    )
    project_list: list[UpstreamProject] = field(
        default_factory=lambda: [
            UpstreamProject(integration_id="", project_id="p-1", name="Zoho Timesheet"),
            UpstreamProject(integration_id="", project_id="p-2", name="Website redesign"),
            UpstreamProject(
                integration_id="", project_id="p-3", name="Payroll", detail="#1042 open"
            ),
        ]
    )
    failing: bool = False
    project_calls: int = 0
    tokens_seen: list[str] = field(default_factory=list)
    logs: dict[str, UpstreamEntry] = field(default_factory=dict)
    _serial: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    async def workspaces(self, *, data_centre: str, access_token: str) -> Sequence[Workspace]:
        return list(self.workspace_list)

    async def projects(self, session: TrackerSession, *, query: str) -> Sequence[UpstreamProject]:
        self.project_calls += 1
        self.tokens_seen.append(session.access_token)
        if self.failing:
            raise UpstreamUnavailable("the tracker answered 503", upstream=FAKE_KIND)
        return list(self.project_list)

    async def create(self, session: TrackerSession, entry: UpstreamEntry) -> str:
        upstream_id = f"log-{next(self._serial)}"
        self.logs[upstream_id] = entry
        return upstream_id

    async def update(self, session: TrackerSession, upstream_id: str, entry: UpstreamEntry) -> None:
        if upstream_id not in self.logs:
            raise NotFound(f"no log {upstream_id}")
        self.logs[upstream_id] = entry

    async def delete(self, session: TrackerSession, upstream_id: str, *, project_id: str) -> None:
        self.logs.pop(upstream_id, None)

    async def find_tagged(self, session: TrackerSession, entry: UpstreamEntry) -> str | None:
        return next((i for i, e in self.logs.items() if e.tag == entry.tag), None)


def fake_plugin(
    kind: str = FAKE_KIND,
    auth: FakeAuth | None = None,
    tracker: FakeTracker | None = None,
) -> TrackerPlugin:
    return TrackerPlugin(
        kind=kind,
        label="Fake Tracker",
        project_noun="project",
        auth=auth or FakeAuth(),
        tracker=tracker or FakeTracker(),
    )


def state_of(authorization_url: str) -> str:
    return parse_qs(urlsplit(authorization_url).query)["state"][0]


async def connect_via_api(
    http: httpx.AsyncClient,
    headers: dict[str, str],
    *,
    kind: str = FAKE_KIND,
    data_centre: str = "com",
    code: str = "good-code",
    **extra: Any,
) -> dict[str, Any]:
    """The browser's round trip: connect, (the tracker approves), callback. Returns the integration."""
    started = await http.post(
        "/v1/timesheets/integrations/connect",
        json={"kind": kind, "data_centre": data_centre, **extra},
        headers=headers,
    )
    assert started.status_code == 200, started.text
    state = state_of(started.json()["authorization_url"])
    back = await http.get(
        "/v1/timesheets/integrations/callback", params={"code": code, "state": state}
    )
    assert back.status_code == 200, back.text
    body: dict[str, Any] = back.json()
    return body


class MemoryIntegrations:
    """``IntegrationRepository`` over a dict (the unique rule included)."""

    def __init__(self) -> None:
        self.rows: dict[str, Integration] = {}

    async def add(self, integration: Integration) -> None:
        key = (integration.account_id, integration.kind, integration.workspace_id)
        if any((i.account_id, i.kind, i.workspace_id) == key for i in self.rows.values()):
            raise Conflict("already connected")
        self.rows[integration.id] = integration

    async def get(self, integration_id: str) -> Integration | None:
        return self.rows.get(integration_id)

    async def for_account(self, account_id: str) -> Sequence[Integration]:
        return [i for i in self.rows.values() if i.account_id == account_id]

    async def find(self, *, account_id: str, kind: str, workspace_id: str) -> Integration | None:
        return next(
            (
                i
                for i in self.rows.values()
                if (i.account_id, i.kind, i.workspace_id) == (account_id, kind, workspace_id)
            ),
            None,
        )

    async def update(self, integration: Integration) -> None:
        if integration.id in self.rows:
            self.rows[integration.id] = integration

    async def delete(self, integration_id: str) -> None:
        self.rows.pop(integration_id, None)


class MemoryAccounts:
    def __init__(self, accounts: Sequence[Account]) -> None:
        self.rows = {a.id: a for a in accounts}

    async def get(self, account_id: str) -> Account | None:
        return self.rows.get(account_id)


class MemoryUow:
    """Just enough of a unit of work for the integration use cases (writes apply at once)."""

    def __init__(self, integrations: MemoryIntegrations, accounts: MemoryAccounts) -> None:
        self.integrations = integrations
        self.accounts = accounts
        self.commits = 0

    async def __aenter__(self) -> MemoryUow:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None

    async def commit(self) -> None:
        self.commits += 1

    async def rollback(self) -> None:
        return None
