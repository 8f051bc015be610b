"""IntegrationService with an in-memory tracker: sealed state, code exchange, reconnect, the
access-token cache and its single refresh, dead grants, tests and disconnects."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest

from adapters.security.cipher import FernetCipher
from api.settings import SANDBOX_FERNET_KEY
from domain.errors import (
    InvalidInput,
    NotFound,
    ReconnectNeeded,
    Unauthenticated,
    UpstreamRateLimited,
)
from domain.models.identity import Account, Actor, Role
from domain.models.timesheets import Integration, IntegrationStatus, Workspace
from domain.policy import Policy
from domain.services.integrations import IntegrationConfig, IntegrationService
from tests.fakes.tracker_plugin import (
    FAKE_KIND,
    FakeAuth,
    FakeTracker,
    MemoryAccounts,
    MemoryIntegrations,
    MemoryUow,
    fake_plugin,
    state_of,
)

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
ALICE = Actor(account_id="alice", role=Role.TEACHER, person_sourced_id="t-1")
BOB = Actor(account_id="bob", role=Role.TEACHER, person_sourced_id="t-2")
ADMIN = Actor(account_id="root", role=Role.ADMIN, person_sourced_id=None)


@dataclass
class Clock:
    at: datetime = T0

    def now(self) -> datetime:
        return self.at


@dataclass
class World:
    service: IntegrationService
    auth: FakeAuth
    tracker: FakeTracker
    repo: MemoryIntegrations
    clock: Clock


def account(account_id: str, role: Role = Role.TEACHER, *, active: bool = True) -> Account:
    return Account(
        id=account_id,
        email=f"{account_id}@example.org",
        display_name=account_id,
        role=role,
        person_sourced_id=None,
        password_hash=None,
        active=active,
        created_at=T0,
    )


def make_world(*accounts_: Account, woken: list[str] | None = None) -> World:
    auth, tracker, repo, clock = FakeAuth(), FakeTracker(), MemoryIntegrations(), Clock()

    async def wake(integration_id: str) -> None:
        if woken is not None:
            woken.append(integration_id)

    accounts = MemoryAccounts(
        accounts_ or [account("alice"), account("bob"), account("root", Role.ADMIN)]
    )
    service = IntegrationService(
        uow=cast(Any, lambda: MemoryUow(repo, accounts)),
        trackers={FAKE_KIND: fake_plugin(auth=auth, tracker=tracker)},
        cipher=FernetCipher([SANDBOX_FERNET_KEY]),
        clock=clock,
        policy=Policy(cast(Any, None)),  # owner-or-admin rules never ask the roster
        config=IntegrationConfig(redirect_url="https://bff.test/callback"),
        on_reconnected=wake,
    )
    return World(service, auth, tracker, repo, clock)


@pytest.fixture
def world() -> World:
    return make_world()


async def connect(world: World, actor: Actor = ALICE, **kwargs: Any) -> Integration:
    url = await world.service.start(actor=actor, kind=FAKE_KIND, data_centre="com")
    return await world.service.callback(code="good-code", state=state_of(url), **kwargs)


async def test_connect_stores_a_sealed_grant_and_reuses_the_exchanged_token(world: World) -> None:
    url = await world.service.start(actor=ALICE, kind=FAKE_KIND, data_centre="eu")
    assert "redirect_uri=https%3A%2F%2Fbff.test%2Fcallback" in url
    integration = await world.service.callback(code="good-code", state=state_of(url))
    assert integration.account_id == "alice"
    assert (integration.workspace_id, integration.name) == ("ws-1", "Acme portal")
    assert integration.data_centre == "eu"
    assert integration.time_zone == "Europe/London"
    assert "rt-1" not in integration.sealed_refresh_token
    assert world.repo.rows[integration.id] == integration

    _, session = await world.service.session_for(integration.id)
    assert session.access_token == "at-1-0"
    assert world.auth.refreshes == 0  # the exchange's own token was used


async def test_state_is_sealed_and_expires(world: World) -> None:
    with pytest.raises(Unauthenticated, match="could not be read"):
        await world.service.callback(code="good-code", state="not-a-sealed-state")

    url = await world.service.start(actor=ALICE, kind=FAKE_KIND, data_centre="com")
    world.clock.at += timedelta(minutes=11)
    with pytest.raises(Unauthenticated, match="expired"):
        await world.service.callback(code="good-code", state=state_of(url))
    assert world.auth.exchanges == []


async def test_start_refuses_unknown_trackers_and_data_centres(world: World) -> None:
    with pytest.raises(NotFound, match="No tracker 'nope'"):
        await world.service.start(actor=ALICE, kind="nope", data_centre="com")
    with pytest.raises(NotFound, match="no data centre 'mars'"):
        await world.service.start(actor=ALICE, kind=FAKE_KIND, data_centre="mars")


async def test_a_refused_code_means_connecting_again(world: World) -> None:
    url = await world.service.start(actor=ALICE, kind=FAKE_KIND, data_centre="com")
    with pytest.raises(ReconnectNeeded, match="invalid_code"):
        await world.service.callback(code="bad-code", state=state_of(url))
    assert world.repo.rows == {}


async def test_the_redirect_names_the_users_real_data_centre(world: World) -> None:
    by_location = await connect(world, location="eu")
    assert by_location.data_centre == "eu"
    assert world.auth.exchanges[-1] == ("eu", "good-code")
    # An unknown location is ignored; the accounts server's host is matched instead.
    by_server = await connect(world, location="mars", accounts_server="https://accounts.x.com")
    assert by_server.data_centre == "com"


async def test_workspace_choice(world: World) -> None:
    world.tracker.workspace_list = [
        Workspace(workspace_id="ws-1", name="Default", time_zone="UTC"),
        Workspace(workspace_id="ws-2", name="Other", time_zone="Asia/Tokyo"),
    ]
    first = await connect(world)
    assert first.workspace_id == "ws-1"
    url = await world.service.start(
        actor=ALICE, kind=FAKE_KIND, data_centre="com", workspace_id="ws-2"
    )
    chosen = await world.service.callback(code="good-code", state=state_of(url))
    assert (chosen.workspace_id, chosen.time_zone) == ("ws-2", "Asia/Tokyo")
    url = await world.service.start(
        actor=ALICE, kind=FAKE_KIND, data_centre="com", workspace_id="ws-9"
    )
    with pytest.raises(InvalidInput) as missing:
        await world.service.callback(code="good-code", state=state_of(url))
    assert missing.value.field == "workspace_id"


async def test_reconnect_keeps_the_integration_and_retires_the_old_grant(world: World) -> None:
    first = await connect(world)
    world.auth.refuse_all = True
    with pytest.raises(ReconnectNeeded):
        await _expire_and_refresh(world, first.id)
    assert world.repo.rows[first.id].status is IntegrationStatus.RECONNECT_NEEDED
    world.auth.refuse_all = False

    again = await connect(world)
    assert again.id == first.id
    assert again.status is IntegrationStatus.CONNECTED
    assert again.last_error is None
    assert world.auth.revoked == ["rt-1"]
    assert len(world.repo.rows) == 1


async def test_a_reconnect_or_a_revived_grant_wakes_the_work_waiting_for_it() -> None:
    woken: list[str] = []
    world = make_world(woken=woken)
    first = await connect(world)
    assert woken == []  # a first connection has nothing waiting
    await connect(world)
    assert woken == [first.id]

    world.auth.refuse_all = True
    await world.service.test(actor=ALICE, integration_id=first.id)
    world.auth.refuse_all = False
    await world.service.test(actor=ALICE, integration_id=first.id)
    assert woken == [first.id, first.id]
    await world.service.test(actor=ALICE, integration_id=first.id)  # already connected
    assert woken == [first.id, first.id]


async def _expire_and_refresh(world: World, integration_id: str) -> None:
    world.clock.at += timedelta(hours=1)
    await world.service.session_for(integration_id)


async def test_tokens_are_cached_until_the_margin_and_refreshed_once(world: World) -> None:
    integration = await connect(world)
    world.clock.at += timedelta(minutes=56)  # inside the 5-minute margin of a 60-minute token
    world.auth.delay = 0.05
    sessions = await asyncio.gather(*(world.service.session_for(integration.id) for _ in range(10)))
    assert world.auth.refreshes == 1
    assert {s.access_token for _, s in sessions} == {"at-rt-1-1"}
    world.clock.at += timedelta(minutes=10)
    await world.service.session_for(integration.id)
    assert world.auth.refreshes == 1  # a fresh token is reused
    await world.service.invalidate(integration.id)
    await world.service.session_for(integration.id)
    assert world.auth.refreshes == 2


async def test_a_dead_grant_marks_the_integration_and_stops_refreshing(world: World) -> None:
    integration = await connect(world)
    world.auth.dead.add("rt-1")
    with pytest.raises(ReconnectNeeded):
        await _expire_and_refresh(world, integration.id)
    stored = world.repo.rows[integration.id]
    assert stored.status is IntegrationStatus.RECONNECT_NEEDED
    assert stored.last_error == "invalid_code"
    with pytest.raises(ReconnectNeeded, match="invalid_code"):
        await world.service.session_for(integration.id)
    assert world.auth.refreshes == 1  # the dead grant is not tried again


async def test_a_refresh_rate_limit_is_not_a_dead_grant(world: World) -> None:
    integration = await connect(world)
    world.auth.rate_limited = True
    with pytest.raises(UpstreamRateLimited):
        await _expire_and_refresh(world, integration.id)
    assert world.repo.rows[integration.id].status is IntegrationStatus.CONNECTED


async def test_test_reports_instead_of_raising_and_revives_a_fixed_grant(world: World) -> None:
    integration = await connect(world)
    ok = await world.service.test(actor=ALICE, integration_id=integration.id)
    assert (ok.ok, ok.projects, ok.error) == (True, 3, None)

    world.auth.refuse_all = True
    dead = await world.service.test(actor=ALICE, integration_id=integration.id)
    assert (dead.ok, dead.status) == (False, IntegrationStatus.RECONNECT_NEEDED)
    assert world.repo.rows[integration.id].status is IntegrationStatus.RECONNECT_NEEDED

    world.auth.refuse_all = False
    world.tracker.failing = True
    down = await world.service.test(actor=ALICE, integration_id=integration.id)
    assert down.ok is False
    assert down.error == "the tracker answered 503"

    world.tracker.failing = False
    revived = await world.service.test(actor=ALICE, integration_id=integration.id)
    assert (revived.ok, revived.status) == (True, IntegrationStatus.CONNECTED)
    assert world.repo.rows[integration.id].last_error is None


async def test_only_the_owner_or_an_admin_reaches_an_integration(world: World) -> None:
    integration = await connect(world)
    with pytest.raises(NotFound):
        await world.service.get(actor=BOB, integration_id=integration.id)
    with pytest.raises(NotFound):
        await world.service.disconnect(actor=BOB, integration_id=integration.id)
    assert (await world.service.get(actor=ADMIN, integration_id=integration.id)).id == (
        integration.id
    )
    assert await world.service.list_integrations(actor=BOB) == []
    assert [i.id for i in await world.service.list_integrations(actor=ALICE)] == [integration.id]
    read_only = replace(ALICE, can_write=False)
    with pytest.raises(NotFound):
        await world.service.test(actor=read_only, integration_id=integration.id)


async def test_disconnect_revokes_and_forgets(world: World) -> None:
    integration = await connect(world)
    await world.service.disconnect(actor=ALICE, integration_id=integration.id)
    assert world.repo.rows == {}
    assert world.auth.revoked == ["rt-1"]
    with pytest.raises(NotFound):
        await world.service.session_for(integration.id)


async def test_an_inactive_account_cannot_finish_connecting() -> None:
    world = make_world(account("alice", active=False))
    url = await world.service.start(actor=ALICE, kind=FAKE_KIND, data_centre="com")
    with pytest.raises(Unauthenticated, match="not active"):
        await world.service.callback(code="good-code", state=state_of(url))
    assert world.repo.rows == {}
