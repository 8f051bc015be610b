"""One project list over every tracker a user connected, ranked by fuzzy match.

Every connected integration is asked at once; one that fails (down, rate limited, grant dead) only
adds its error beside the others' results. Each integration's full list is cached briefly and ranked
here, so typing in a search box costs the trackers one call per integration per TTL, not one per
keystroke.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from rapidfuzz import fuzz, utils

from domain.errors import AccessTokenRefused, DomainError
from domain.models.identity import Actor
from domain.models.timesheets import (
    Integration,
    IntegrationStatus,
    ProjectSearchResult,
    UpstreamProject,
)
from domain.ports import Clock, UnitOfWorkFactory
from domain.ports.time_tracker import TrackerSessions

#: Below this WRatio score a project is noise, not a match.
MIN_SCORE = 50.0


@dataclass(frozen=True, slots=True, kw_only=True)
class ProjectSearchConfig:
    cache_ttl: timedelta = timedelta(seconds=60)
    #: How long one tracker may take before the answer goes out without it.
    timeout: timedelta = timedelta(seconds=10)


class ProjectSearchService:
    """Build one per process: it holds the per-integration cache."""

    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        sessions: TrackerSessions,
        clock: Clock,
        config: ProjectSearchConfig,
    ) -> None:
        self._uow = uow
        self._sessions = sessions
        self._clock = clock
        self._config = config
        self._cache: dict[str, tuple[datetime, Sequence[UpstreamProject]]] = {}

    async def search(self, *, actor: Actor, query: str, limit: int) -> ProjectSearchResult:
        async with self._uow() as uow:
            integrations = await uow.integrations.for_account(actor.account_id)
        errors: dict[str, str] = {}
        asked: list[Integration] = []
        for integration in integrations:
            if integration.status is IntegrationStatus.RECONNECT_NEEDED:
                errors[integration.id] = integration.last_error or "Reconnect this integration."
            else:
                asked.append(integration)
        answers = await asyncio.gather(*(self._projects(i) for i in asked), return_exceptions=True)
        found: list[UpstreamProject] = []
        for integration, answer in zip(asked, answers, strict=True):
            if isinstance(answer, TimeoutError):
                seconds = self._config.timeout.total_seconds()
                errors[integration.id] = f"{integration.name} did not answer within {seconds:g} s."
            elif isinstance(answer, DomainError):
                errors[integration.id] = answer.detail
            elif isinstance(answer, BaseException):
                raise answer  # a bug, not an upstream failure: let it surface
            else:
                found.extend(answer)
        return ProjectSearchResult(projects=rank(found, query)[:limit], errors=errors)

    async def _projects(self, integration: Integration) -> Sequence[UpstreamProject]:
        now = self._clock.now()
        self._cache = {k: v for k, v in self._cache.items() if v[0] > now}
        cached = self._cache.get(integration.id)
        if cached is not None:
            return cached[1]
        async with asyncio.timeout(self._config.timeout.total_seconds()):
            plugin, session = await self._sessions.session_for(integration.id)
            try:
                listed = await plugin.tracker.projects(session, query="")
            except AccessTokenRefused:
                # Refused before its time (revoked, evicted): refresh once and try again; a
                # refresh that fails marks the integration for the user.
                await self._sessions.invalidate(integration.id)
                plugin, session = await self._sessions.session_for(integration.id)
                listed = await plugin.tracker.projects(session, query="")
        projects = [replace(p, integration_id=integration.id) for p in listed]
        self._cache[integration.id] = (now + self._config.cache_ttl, projects)
        return projects


def rank(projects: Sequence[UpstreamProject], query: str) -> list[tuple[UpstreamProject, float]]:
    """Best match first, ties by name; an empty query lists everything by name."""
    query = query.strip()
    scored: list[tuple[UpstreamProject, float]] = []
    for project in projects:
        if not query:
            scored.append((project, 100.0))
            continue
        score = max(
            fuzz.WRatio(query, project.name, processor=utils.default_process),
            fuzz.WRatio(query, project.detail, processor=utils.default_process)
            if project.detail
            else 0.0,
        )
        if score >= MIN_SCORE:
            scored.append((project, round(score, 1)))
    scored.sort(key=lambda s: (-s[1], s[0].name.casefold(), s[0].integration_id, s[0].project_id))
    return scored
