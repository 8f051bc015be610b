"""The Zoho plugins against the Zoho simulator: connect through the code grant, then push, find,
update and delete logs in Projects and Desk, with Zoho's refusals arriving as domain errors."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, date, datetime
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from adapters.zoho.data_centres import DataCentres
from adapters.zoho.plugins import ZohoConfig, zoho_plugins
from domain.errors import NotFound, ReconnectNeeded, UpstreamRateLimited, UpstreamRejected
from domain.models.timesheets import TrackerSession, UpstreamEntry
from domain.ports.time_tracker import TrackerPlugin
from simulators.kit.transport import SimulatorTransport
from simulators.zoho import ZohoSimulator

REDIRECT = "http://127.0.0.1:8000/v1/timesheets/integrations/callback"
CONFIG = ZohoConfig(
    client_id="sandbox-client",
    client_secret="sandbox-secret",
    timeout=5.0,
    data_centres=DataCentres.routed_to(
        accounts_url="http://accounts.zoho.sim",
        projects_url="http://projectsapi.zoho.sim",
        desk_url="http://desk.zoho.sim",
    ),
)


@pytest.fixture
def sim() -> ZohoSimulator:
    return ZohoSimulator(seed=5, users=8, classes=2)


@pytest.fixture
async def plugins(sim: ZohoSimulator) -> AsyncIterator[dict[str, TrackerPlugin]]:
    registry, http = zoho_plugins(CONFIG, transport=SimulatorTransport(sim.app))
    yield registry
    await http.aclose()


async def connect(sim: ZohoSimulator, plugin: TrackerPlugin) -> tuple[str, str, str]:
    """The browser's trip to the authorize endpoint, then the BFF's code exchange: the data
    centre, the refresh token and an access token."""
    url = plugin.auth.authorization_url(data_centre="com", state="st", redirect_url=REDIRECT)
    async with httpx.AsyncClient(transport=SimulatorTransport(sim.app)) as browser:
        back = (await browser.get(url)).headers["location"]
    query = {k: v[0] for k, v in parse_qs(urlsplit(back).query).items()}
    assert query["state"] == "st"
    grant = await plugin.auth.exchange_code(
        data_centre=query["location"], code=query["code"], redirect_url=REDIRECT
    )
    return query["location"], grant.refresh_token, grant.access_token


def entry(project_id: str, tag: str, **changes: object) -> UpstreamEntry:
    base = UpstreamEntry(
        project_id=project_id,
        task="Lesson review",
        day=date(2026, 3, 9),
        started_at=datetime(2026, 3, 9, 14, 0, tzinfo=UTC),
        minutes=95,
        billable=True,
        notes="Week 10",
        tag=tag,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


async def test_projects_connect_push_find_update_delete(
    sim: ZohoSimulator, plugins: dict[str, TrackerPlugin]
) -> None:
    plugin = plugins["zoho_projects"]
    dc, refresh_token, access = await connect(sim, plugin)
    (portal, *_) = await plugin.tracker.workspaces(data_centre=dc, access_token=access)
    assert portal.time_zone in ("America/New_York", "Europe/London")
    fresh = await plugin.auth.refresh(data_centre=dc, refresh_token=refresh_token)
    session = TrackerSession(
        data_centre=dc,
        workspace_id=portal.workspace_id,
        time_zone=portal.time_zone,
        access_token=fresh.access_token,
    )
    projects = await plugin.tracker.projects(session, query="")
    assert projects
    assert all(int(p.project_id) > 2**53 for p in projects)
    pushed = entry(projects[0].project_id, "log-a1")

    upstream_id = await plugin.tracker.create(session, pushed)
    assert sim.state.count_logs_tagged("[bff:log-a1]") == 1
    log = sim.state.logs.by_id[int(upstream_id)]
    assert (log.minutes, log.log_date, log.bill_status) == (95, date(2026, 3, 9), "Billable")
    assert await plugin.tracker.find_tagged(session, pushed) == upstream_id
    assert await plugin.tracker.find_tagged(session, replace(pushed, tag="log-a")) is None

    await plugin.tracker.update(session, upstream_id, replace(pushed, minutes=30, billable=False))
    assert (log.minutes, log.bill_status) == (30, "Non Billable")

    sim.approve_log(int(upstream_id))
    with pytest.raises(UpstreamRejected):
        await plugin.tracker.update(session, upstream_id, pushed)
    log.approved = False

    await plugin.tracker.delete(session, upstream_id, project_id=pushed.project_id)
    await plugin.tracker.delete(session, upstream_id, project_id=pushed.project_id)
    assert sim.state.count_logs_tagged("[bff:log-a1]") == 0
    with pytest.raises(NotFound):
        await plugin.tracker.update(session, upstream_id, pushed)

    sim.archive_project(int(pushed.project_id))
    with pytest.raises(UpstreamRejected):
        await plugin.tracker.create(session, replace(pushed, tag="log-a2"))


async def test_desk_connect_push_find_delete(
    sim: ZohoSimulator, plugins: dict[str, TrackerPlugin]
) -> None:
    plugin = plugins["zoho_desk"]
    dc, _, access = await connect(sim, plugin)
    (org, *_) = await plugin.tracker.workspaces(data_centre=dc, access_token=access)
    session = TrackerSession(
        data_centre=dc, workspace_id=org.workspace_id, time_zone="UTC", access_token=access
    )
    tickets = await plugin.tracker.projects(session, query="")
    assert tickets
    assert tickets[0].name.startswith("#")
    pushed = entry(tickets[0].project_id, "log-d1")

    upstream_id = await plugin.tracker.create(session, pushed)
    stored = sim.state.time_entries[upstream_id]
    assert "[bff:log-d1]" in stored.description
    assert await plugin.tracker.find_tagged(session, pushed) == upstream_id
    await plugin.tracker.update(session, upstream_id, replace(pushed, minutes=61))
    await plugin.tracker.delete(session, upstream_id, project_id=pushed.project_id)
    await plugin.tracker.delete(session, upstream_id, project_id=pushed.project_id)
    assert await plugin.tracker.find_tagged(session, pushed) is None


async def test_refused_and_throttled_refreshes(
    sim: ZohoSimulator, plugins: dict[str, TrackerPlugin]
) -> None:
    auth = plugins["zoho_projects"].auth
    with pytest.raises(ReconnectNeeded):
        await auth.refresh(data_centre="com", refresh_token="1000.not.a.token")
    token = next(iter(sim.state.refresh_tokens))
    for _ in range(10):  # Zoho mints ten access tokens per refresh token per ten minutes
        await auth.refresh(data_centre="com", refresh_token=token)
    with pytest.raises(UpstreamRateLimited):
        await auth.refresh(data_centre="com", refresh_token=token)
    await auth.revoke(data_centre="com", refresh_token=token)
    with pytest.raises(ReconnectNeeded):
        await auth.refresh(data_centre="com", refresh_token=token)
