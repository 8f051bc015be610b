"""An in-memory time tracker with scriptable faults, and TrackerSessions over it, for sync tests.

Faults are queued per operation (``create``, ``update``, ``delete``, ``find_tagged``, ``session``)
and each is consumed by the next call of that operation. Some fail *before* the upstream applies the
call (5xx, 429, refusal, reconnect); ``timeout_after_apply`` and ``crash_after_apply`` fail *after*
it did, which is the case exactly-once is about.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Literal

from domain.errors import (
    AccessTokenRefused,
    NotFound,
    ReconnectNeeded,
    UpstreamRateLimited,
    UpstreamRejected,
    UpstreamUnavailable,
)
from domain.models.timesheets import (
    AccessGrant,
    OAuthGrant,
    TrackerSession,
    UpstreamEntry,
    UpstreamProject,
    Workspace,
)
from domain.ports.time_tracker import TimeTracker, TrackerAuth, TrackerPlugin, TrackerSessions

UPSTREAM = "fake tracker"
Operation = Literal["create", "update", "delete", "find_tagged", "session"]
FaultKind = Literal[
    "unavailable",
    "rate_limited",
    "rejected",
    "reconnect",
    "token_refused",
    "timeout_after_apply",
    "crash_after_apply",
]


class WorkerKilled(BaseException):
    """The worker process dies: nothing after this line runs, nothing is recorded."""


@dataclass(frozen=True, slots=True)
class Fault:
    kind: FaultKind
    retry_after: float | None = None
    reason: str = "refused"

    def before(self) -> None:
        match self.kind:
            case "unavailable":
                raise UpstreamUnavailable("fake 503", upstream=UPSTREAM)
            case "rate_limited":
                raise UpstreamRateLimited(
                    "fake 429", upstream=UPSTREAM, retry_after=self.retry_after
                )
            case "rejected":
                raise UpstreamRejected(self.reason, upstream=UPSTREAM)
            case "reconnect":
                raise ReconnectNeeded("the grant was revoked", upstream=UPSTREAM)
            case "token_refused":
                raise AccessTokenRefused("invalid oauth token", upstream=UPSTREAM)

    def after(self) -> None:
        match self.kind:
            case "timeout_after_apply":
                raise UpstreamUnavailable(
                    "fake timeout (the upstream applied it)", upstream=UPSTREAM
                )
            case "crash_after_apply":
                raise WorkerKilled


@dataclass
class UpstreamLog:
    id: str
    workspace_id: str
    entry: UpstreamEntry


@dataclass
class FakeTimeTracker(TimeTracker):
    logs: dict[str, UpstreamLog] = field(default_factory=dict)
    faults: dict[str, deque[Fault]] = field(default_factory=dict)
    calls: list[tuple[str, str]] = field(default_factory=list)
    projects_list: list[UpstreamProject] = field(default_factory=list)
    #: Runs after a create was applied and before its reply returns: what a user does meanwhile.
    after_create: Callable[[str], Awaitable[None]] | None = None
    _ids: itertools.count[int] = field(
        default_factory=lambda: itertools.count(9_007_199_254_740_993)
    )

    def fail_next(self, operation: Operation, fault: Fault, *, times: int = 1) -> None:
        self.faults.setdefault(operation, deque()).extend([fault] * times)

    def take_fault(self, operation: Operation) -> Fault | None:
        queue = self.faults.get(operation)
        return queue.popleft() if queue else None

    def tagged(self, tag: str) -> list[UpstreamLog]:
        return [log for log in self.logs.values() if log.entry.tag == tag]

    async def workspaces(self, *, data_centre: str, access_token: str) -> Sequence[Workspace]:
        return [Workspace(workspace_id="portal-1", name="Portal", time_zone="UTC")]

    async def projects(self, session: TrackerSession, *, query: str) -> Sequence[UpstreamProject]:
        return list(self.projects_list)

    async def create(self, session: TrackerSession, entry: UpstreamEntry) -> str:
        fault = self._call("create", entry.tag)
        upstream_id = str(next(self._ids))
        self.logs[upstream_id] = UpstreamLog(upstream_id, session.workspace_id, entry)
        if self.after_create is not None:
            await self.after_create(upstream_id)
        if fault:
            fault.after()
        return upstream_id

    async def update(self, session: TrackerSession, upstream_id: str, entry: UpstreamEntry) -> None:
        fault = self._call("update", upstream_id)
        if upstream_id not in self.logs:
            raise NotFound(f"no upstream log {upstream_id}")
        self.logs[upstream_id] = replace(self.logs[upstream_id], entry=entry)
        if fault:
            fault.after()

    async def delete(self, session: TrackerSession, upstream_id: str, *, project_id: str) -> None:
        fault = self._call("delete", upstream_id)
        self.logs.pop(upstream_id, None)
        if fault:
            fault.after()

    async def find_tagged(self, session: TrackerSession, entry: UpstreamEntry) -> str | None:
        self._call("find_tagged", entry.tag)
        for log in self.logs.values():
            if (
                log.entry.tag == entry.tag
                and log.entry.project_id == entry.project_id
                and log.workspace_id == session.workspace_id
                and abs((log.entry.day - entry.day).days) <= 1
            ):
                return log.id
        return None

    def _call(self, operation: Operation, subject: str) -> Fault | None:
        self.calls.append((operation, subject))
        fault = self.take_fault(operation)
        if fault:
            fault.before()
        return fault


class _NoAuth(TrackerAuth):
    def data_centres(self) -> Sequence[str]:
        return ["com"]

    def authorization_url(self, *, data_centre: str, state: str, redirect_url: str) -> str:
        return f"https://accounts.fake/auth?state={state}"

    async def exchange_code(self, *, data_centre: str, code: str, redirect_url: str) -> OAuthGrant:
        return OAuthGrant(refresh_token="r", access_token="a", expires_in=3600)

    async def refresh(self, *, data_centre: str, refresh_token: str) -> AccessGrant:
        return AccessGrant(access_token="a", expires_in=3600)

    async def revoke(self, *, data_centre: str, refresh_token: str) -> None:
        return None


def fake_plugin(tracker: FakeTimeTracker, kind: str = "fake") -> TrackerPlugin:
    return TrackerPlugin(
        kind=kind, label="Fake", project_noun="project", auth=_NoAuth(), tracker=tracker
    )


@dataclass
class FakeTrackerSessions(TrackerSessions):
    """Integration id -> (plugin, session). ``dead`` integrations answer ReconnectNeeded."""

    plugins: dict[str, TrackerPlugin] = field(default_factory=dict)
    sessions: dict[str, TrackerSession] = field(default_factory=dict)
    dead: set[str] = field(default_factory=set)
    invalidated: list[str] = field(default_factory=list)

    def add(self, integration_id: str, plugin: TrackerPlugin, *, time_zone: str = "UTC") -> None:
        self.plugins[integration_id] = plugin
        self.sessions[integration_id] = TrackerSession(
            data_centre="com",
            workspace_id=f"ws-{integration_id}",
            time_zone=time_zone,
            access_token="token",
        )

    async def session_for(self, integration_id: str) -> tuple[TrackerPlugin, TrackerSession]:
        if integration_id not in self.plugins:
            raise NotFound(f"No integration {integration_id!r}.")
        if integration_id in self.dead:
            raise ReconnectNeeded("reconnect needed", upstream=UPSTREAM)
        return self.plugins[integration_id], self.sessions[integration_id]

    async def invalidate(self, integration_id: str) -> None:
        self.invalidated.append(integration_id)


class FakeClock:
    def __init__(self, now: datetime | None = None) -> None:
        self.current = now or datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, delta: timedelta) -> None:
        self.current += delta
