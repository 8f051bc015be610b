"""The Zoho accounts client against the Zoho simulator: serverinfo, refresh quirks, host routing."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from adapters.zoho.client import ZohoProbe, make_zoho_accounts_client
from adapters.zoho.errors import ZohoAuthError, to_domain_error
from adapters.zoho.oauth import refresh_access_token
from domain.errors import UpstreamRejected
from simulators.kit.server import serve_in_thread
from simulators.kit.transport import SimulatorTransport
from simulators.zoho import ZohoSimulator

ACCOUNTS = "http://accounts.zoho.sim"
PROJECTS = "http://projectsapi.zoho.sim"
DESK = "http://desk.zoho.sim"


@pytest.fixture
def sim() -> ZohoSimulator:
    return ZohoSimulator(seed=2, users=6, classes=3)


@pytest.fixture
async def accounts(sim: ZohoSimulator) -> AsyncIterator[httpx.AsyncClient]:
    client = make_zoho_accounts_client(
        accounts_url=ACCOUNTS, timeout=5.0, transport=SimulatorTransport(sim.app)
    )
    async with client:
        yield client


def a_refresh_token(sim: ZohoSimulator) -> str:
    return next(iter(sim.state.refresh_tokens))


async def test_serverinfo_lists_the_data_centres(accounts: httpx.AsyncClient) -> None:
    body = (await accounts.get("/oauth/serverinfo")).json()
    assert body["result"] == "success"
    assert body["locations"]["us"] == ACCOUNTS  # the simulator is the US data centre
    assert body["locations"]["eu"] == "https://accounts.zoho.eu"


async def test_a_refused_refresh_answers_200_with_invalid_code(
    sim: ZohoSimulator, accounts: httpx.AsyncClient
) -> None:
    reply = await accounts.post(
        "/oauth/v2/token",
        data={
            "grant_type": "refresh_token",
            "client_id": "sandbox-client",
            "client_secret": "sandbox-secret",
            "refresh_token": "1000.revoked.token",
        },
    )
    assert (reply.status_code, reply.json()) == (200, {"error": "invalid_code"})
    with pytest.raises(ZohoAuthError) as caught:
        await refresh_access_token(
            accounts,
            client_id="sandbox-client",
            client_secret="sandbox-secret",
            refresh_token="1000.revoked.token",
        )
    assert caught.value.code == "invalid_code"
    assert isinstance(to_domain_error(caught.value), UpstreamRejected)


async def test_a_wrong_client_secret_is_invalid_client_also_with_200(
    sim: ZohoSimulator, accounts: httpx.AsyncClient
) -> None:
    with pytest.raises(ZohoAuthError) as caught:
        await refresh_access_token(
            accounts,
            client_id="sandbox-client",
            client_secret="wrong",
            refresh_token=a_refresh_token(sim),
        )
    assert caught.value.code == "invalid_client"
    assert sim.log.last().status == 200


async def test_a_refresh_grants_an_hour_and_no_new_refresh_token(
    sim: ZohoSimulator, accounts: httpx.AsyncClient
) -> None:
    token = await refresh_access_token(
        accounts,
        client_id="sandbox-client",
        client_secret="sandbox-secret",
        refresh_token=a_refresh_token(sim),
    )
    assert token.access_token.startswith("1000.")
    assert token.expires_in == 3600
    assert token.api_domain == "https://www.zohoapis.com"
    reply = await accounts.post(
        "/oauth/v2/token",
        params={  # the form Zoho's docs show: everything in the query string
            "grant_type": "refresh_token",
            "client_id": "sandbox-client",
            "client_secret": "sandbox-secret",
            "refresh_token": a_refresh_token(sim),
        },
    )
    assert reply.status_code == 200
    assert "refresh_token" not in reply.json()
    assert reply.json()["token_type"] == "Bearer"
    logged = sim.log.last().query
    assert a_refresh_token(sim) not in logged
    assert "sandbox-secret" not in logged


async def test_access_tokens_work_on_the_projects_and_desk_hosts(
    sim: ZohoSimulator, accounts: httpx.AsyncClient
) -> None:
    token = await refresh_access_token(
        accounts,
        client_id="sandbox-client",
        client_secret="sandbox-secret",
        refresh_token=a_refresh_token(sim),
    )
    async with httpx.AsyncClient(transport=SimulatorTransport(sim.app)) as http:
        portals = await http.get(f"{PROJECTS}/restapi/portals/", headers=token.header)
        desk = await http.get(f"{DESK}/api/v1/organizations", headers=token.header)
        as_bearer = await http.get(
            f"{PROJECTS}/restapi/portals/",
            headers={"Authorization": f"Bearer {token.access_token}"},
        )
        sim.clock.advance(3601)
        expired = await http.get(f"{DESK}/api/v1/organizations", headers=token.header)
    grant = sim.state.refresh_tokens[a_refresh_token(sim)]
    assert portals.json()["login_id"] == grant.zuid
    assert portals.json()["portals"][0]["id_string"] == str(portals.json()["portals"][0]["id"])
    assert desk.json()["data"][0]["isDefault"] is True
    assert (as_bearer.status_code, as_bearer.json()["error"]["code"]) == (401, 6401)
    assert (expired.status_code, expired.json()["errorCode"]) == (401, "INVALID_OAUTH")


async def test_each_host_serves_only_its_own_api(sim: ZohoSimulator) -> None:
    async with httpx.AsyncClient(transport=SimulatorTransport(sim.app)) as http:
        assert (await http.get(f"{PROJECTS}/oauth/serverinfo")).status_code == 404
        assert (await http.get(f"{ACCOUNTS}/restapi/portals/")).status_code == 404
        assert (await http.get(f"{DESK}/oauth/serverinfo")).status_code == 404


async def test_the_probe_reports_ok_and_failures_without_raising(
    sim: ZohoSimulator, accounts: httpx.AsyncClient
) -> None:
    probe = ZohoProbe(accounts, client_id="sandbox-client", secret_set=True)
    assert probe.configured().ok
    ok = await probe.check()
    assert ok.ok
    assert ok.detail == "accounts server answered; 9 data centres"
    sim.fail_next(503)
    failed = await probe.check()
    assert not failed.ok
    assert "HTTP 503" in failed.detail
    sim.fail_next(502, body="<html>maintenance</html>")
    assert not (await probe.check()).ok
    assert (await probe.check()).ok


async def test_a_hang_is_a_timeout_for_the_probe(sim: ZohoSimulator) -> None:
    client = make_zoho_accounts_client(
        accounts_url=ACCOUNTS, timeout=0.2, transport=SimulatorTransport(sim.app)
    )
    async with client:
        sim.timeout_next()
        check = await ZohoProbe(client, client_id="sandbox-client", secret_set=True).check()
    assert not check.ok
    assert "no answer in time" in check.detail


def test_the_same_seed_gives_the_same_users_and_tokens() -> None:
    a, b = ZohoSimulator(seed=8), ZohoSimulator(seed=8)
    assert a.state.refresh_tokens == b.state.refresh_tokens
    assert a.state.portals == b.state.portals
    assert a.state.refresh_tokens != ZohoSimulator(seed=9).state.refresh_tokens
    assert len(ZohoSimulator(seed=8, classes=9).state.users) == 9 + 1 + 3  # teachers and admins


async def test_standalone_over_a_socket_serves_the_accounts_server() -> None:
    sim = ZohoSimulator(seed=2, users=2, classes=1)
    with serve_in_thread(sim.app) as server:
        client = make_zoho_accounts_client(accounts_url=server.url, timeout=2.0, transport=None)
        async with client:
            check = await ZohoProbe(client, client_id="sandbox-client", secret_set=True).check()
    assert check.ok


async def test_standalone_one_socket_serves_projects_and_desk_too() -> None:
    sim = ZohoSimulator(seed=2, users=2, classes=1)
    zuid = next(iter(sim.state.users))
    headers = {"Authorization": f"Zoho-oauthtoken {sim.token_for(zuid)}"}
    org = sim.state.orgs_of(zuid)[0]
    with serve_in_thread(sim.app) as server:
        async with httpx.AsyncClient(base_url=server.url, headers=headers) as http:
            portals = await http.get("/restapi/portals/")
            tickets = await http.get("/api/v1/tickets", headers={"orgId": org.id})
            missing = await http.get("/restapi/nothing")
    assert portals.json()["login_id"] == zuid
    assert len(tickets.json()["data"]) == 4
    assert missing.json()["error"]["code"] == 6504


def test_every_demo_teacher_and_administrator_has_a_portal_and_a_desk_org() -> None:
    a, b = ZohoSimulator(seed=8, users=10, classes=3), ZohoSimulator(seed=8, users=10, classes=3)
    assert [p.id for p in a.state.portals.values()] == [p.id for p in b.state.portals.values()]
    assert list(a.state.tickets) == list(b.state.tickets)
    for zuid in a.state.users:
        [portal] = a.state.portals_of(zuid)
        assert portal.time_zone in ("America/New_York", "Europe/London")
        projects = a.state.projects_of(portal.id)
        assert len(projects) == 3
        assert all(a.state.tasks_of(p.id) for p in projects)
        [org] = a.state.orgs_of(zuid)
        assert len(a.state.tickets_of(org.id)) == 4
    assert {p.time_zone for p in a.state.portals.values()} == {
        "America/New_York",
        "Europe/London",
    }
