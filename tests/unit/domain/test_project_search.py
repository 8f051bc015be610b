"""ProjectSearchService: ranking, partial failure, reconnect-needed, per-integration cache, timeouts."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest

from domain.errors import AccessTokenRefused, NotFound
from domain.models.identity import Actor, Role
from domain.models.timesheets import (
    Integration,
    IntegrationStatus,
    TrackerSession,
    UpstreamProject,
)
from domain.ports.time_tracker import TrackerPlugin
from domain.services.project_search import ProjectSearchConfig, ProjectSearchService, rank
from tests.fakes.tracker_plugin import (
    FakeTracker,
    MemoryAccounts,
    MemoryIntegrations,
    MemoryUow,
    fake_plugin,
)

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
ALICE = Actor(account_id="alice", role=Role.TEACHER, person_sourced_id="t-1")


@dataclass
class Clock:
    at: datetime = T0

    def now(self) -> datetime:
        return self.at


@dataclass
class Sessions:
    """``TrackerSessions`` handing out one plugin per integration."""

    plugins: dict[str, TrackerPlugin]
    invalidated: list[str] = field(default_factory=list)

    async def session_for(self, integration_id: str) -> tuple[TrackerPlugin, TrackerSession]:
        if integration_id not in self.plugins:
            raise NotFound(integration_id)
        session = TrackerSession(
            data_centre="com", workspace_id="ws", time_zone="UTC", access_token="t"
        )
        return self.plugins[integration_id], session

    async def invalidate(self, integration_id: str) -> None:
        self.invalidated.append(integration_id)


def integration(
    integration_id: str, status: IntegrationStatus = IntegrationStatus.CONNECTED
) -> Integration:
    return Integration(
        id=integration_id,
        account_id="alice",
        kind="fake_tracker",
        name=f"Portal {integration_id}",
        data_centre="com",
        workspace_id=f"ws-{integration_id}",
        time_zone="UTC",
        sealed_refresh_token="sealed",
        status=status,
        last_error="invalid_code" if status is IntegrationStatus.RECONNECT_NEEDED else None,
        created_at=T0,
        updated_at=T0,
    )


def project(project_id: str, name: str, detail: str = "") -> UpstreamProject:
    return UpstreamProject(integration_id="", project_id=project_id, name=name, detail=detail)


@dataclass
class World:
    service: ProjectSearchService
    trackers: dict[str, FakeTracker]
    sessions: Sessions
    clock: Clock


def make_world(*integrations: Integration, timeout: float = 5.0) -> World:
    repo = MemoryIntegrations()
    repo.rows = {i.id: i for i in integrations}
    trackers = {i.id: FakeTracker() for i in integrations}
    sessions = Sessions({i: fake_plugin(tracker=t) for i, t in trackers.items()})
    clock = Clock()
    service = ProjectSearchService(
        uow=cast(Any, lambda: MemoryUow(repo, MemoryAccounts([]))),
        sessions=sessions,
        clock=clock,
        config=ProjectSearchConfig(
            cache_ttl=timedelta(seconds=60), timeout=timedelta(seconds=timeout)
        ),
    )
    return World(service, trackers, sessions, clock)


def test_rank_puts_the_best_match_first_and_drops_noise() -> None:
    projects = [
        project("1", "Website redesign"),
        project("2", "Zoho Timesheet"),
        project("3", "Payroll", "#1042 open"),
        project("4", "Timesheet archive"),
    ]
    ranked = rank(projects, "timesheet")
    # equal scores, so by name: "Timesheet archive" before "Zoho Timesheet"
    assert [(p.project_id, score) for p, score in ranked] == [("4", 90.0), ("2", 90.0)]
    assert [p.project_id for p, _ in rank(projects, "1042")] == ["3"]  # detail matches too
    everything = rank(projects, "  ")
    assert [p.name for p, _ in everything] == sorted(p.name for p in projects)
    assert {score for _, score in everything} == {100.0}


def test_rank_breaks_ties_by_name() -> None:
    ranked = rank([project("b", "Beta"), project("a", "Alpha")], "")
    assert [p.name for p, _ in ranked] == ["Alpha", "Beta"]


async def test_merges_every_integration_and_survives_one_failing() -> None:
    world = make_world(integration("i1"), integration("i2"))
    world.trackers["i2"].failing = True
    result = await world.service.search(actor=ALICE, query="payroll", limit=10)
    assert [(p.integration_id, p.project_id) for p, _ in result.projects] == [("i1", "p-3")]
    assert result.errors == {"i2": "the tracker answered 503"}


async def test_reconnect_needed_is_an_error_entry_without_a_call() -> None:
    world = make_world(integration("i1"), integration("i2", IntegrationStatus.RECONNECT_NEEDED))
    result = await world.service.search(actor=ALICE, query="", limit=2)
    assert len(result.projects) == 2  # the limit applies to the merged list
    assert result.errors == {"i2": "invalid_code"}
    assert world.trackers["i2"].project_calls == 0


async def test_a_refused_access_token_is_refreshed_and_retried_once() -> None:
    world = make_world(integration("i1"), integration("i2"))
    calls: dict[str, int] = {"i1": 0, "i2": 0}

    def refusing(integration_id: str, times: int) -> Any:
        listed = world.trackers[integration_id].projects

        async def projects(session: TrackerSession, *, query: str) -> Any:
            calls[integration_id] += 1
            if calls[integration_id] <= times:
                raise AccessTokenRefused("invalid oauth token", upstream="fake")
            return await listed(session, query=query)

        return projects

    world.trackers["i1"].projects = refusing("i1", 1)  # type: ignore[method-assign]
    world.trackers["i2"].projects = refusing("i2", 2)  # type: ignore[method-assign]
    result = await world.service.search(actor=ALICE, query="", limit=10)
    assert {p.integration_id for p, _ in result.projects} == {"i1"}
    assert result.errors == {"i2": "invalid oauth token"}
    assert calls == {"i1": 2, "i2": 2}
    assert world.sessions.invalidated == ["i1", "i2"]


async def test_each_integrations_list_is_cached_for_the_ttl() -> None:
    world = make_world(integration("i1"))
    await world.service.search(actor=ALICE, query="zoho", limit=10)
    await world.service.search(actor=ALICE, query="web", limit=10)
    assert world.trackers["i1"].project_calls == 1
    world.clock.at += timedelta(seconds=61)
    await world.service.search(actor=ALICE, query="web", limit=10)
    assert world.trackers["i1"].project_calls == 2


async def test_a_slow_tracker_is_left_out_after_the_timeout() -> None:
    world = make_world(integration("i1"), integration("i2"), timeout=0.05)
    listed = world.trackers["i2"].projects

    async def slow(session: TrackerSession, *, query: str) -> Any:
        await asyncio.sleep(1)
        return await listed(session, query=query)

    world.trackers["i2"].projects = slow  # type: ignore[method-assign]
    result = await world.service.search(actor=ALICE, query="", limit=10)
    assert {p.integration_id for p, _ in result.projects} == {"i1"}
    assert "did not answer" in result.errors["i2"]


async def test_no_integrations_no_results() -> None:
    world = make_world()
    result = await world.service.search(actor=ALICE, query="x", limit=5)
    assert (result.projects, result.errors) == ([], {})


@pytest.mark.parametrize("query", ["zoho timesheet", "ZOHO", "timesheet zoho"])
def test_rank_is_forgiving_about_case_and_order(query: str) -> None:
    ranked = rank([project("1", "Zoho Timesheet"), project("2", "Website redesign")], query)
    assert ranked[0][0].project_id == "1"
