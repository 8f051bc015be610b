"""The Zoho accounts-server simulator on the wire: code grant, refresh, revoke and token limits
(reference section 3 and 7 item 21)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from simulators.kit.transport import SimulatorTransport
from simulators.zoho import ZohoSimulator
from simulators.zoho.state import OAuthClient

ACCOUNTS = "http://accounts.zoho.sim"
PROJECTS = "http://projectsapi.zoho.sim"
CALLBACK = "https://bff.example/v1/integrations/zoho/callback"
CLIENT = {"client_id": "sandbox-client", "client_secret": "sandbox-secret"}
AUTHORIZE = {
    "client_id": "sandbox-client",
    "response_type": "code",
    "redirect_uri": CALLBACK,
    "scope": "ZohoProjects.timesheets.ALL",
    "access_type": "offline",
    "state": "xyz",
    "prompt": "consent",
}


@pytest.fixture
def sim() -> ZohoSimulator:
    return ZohoSimulator(seed=4, users=4, classes=2)


@pytest.fixture
async def http(sim: ZohoSimulator) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=SimulatorTransport(sim.app), base_url=ACCOUNTS
    ) as client:
        yield client


async def authorize(http: httpx.AsyncClient, **extra: str) -> dict[str, str]:
    reply = await http.get("/oauth/v2/auth", params=AUTHORIZE | extra)
    assert reply.status_code == 302
    location = reply.headers["location"]
    assert location.startswith(CALLBACK + "?")
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


async def exchange(http: httpx.AsyncClient, code: str, **extra: str) -> httpx.Response:
    form = CLIENT | {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": CALLBACK,
    }
    return await http.post("/oauth/v2/token", data=form | extra)


async def refresh(http: httpx.AsyncClient, token: str) -> httpx.Response:
    params = CLIENT | {"grant_type": "refresh_token", "refresh_token": token}
    return await http.post("/oauth/v2/token", params=params)


async def test_authorize_redirects_with_code_state_and_data_centre(
    sim: ZohoSimulator, http: httpx.AsyncClient
) -> None:
    back = await authorize(http)
    assert back["code"].startswith("1000.")
    assert back["state"] == "xyz"
    assert back["location"] == "us"
    assert back["accounts-server"] == ACCOUNTS  # the simulator stands in for the US DC
    assert sim.state.codes[back["code"]].zuid == sim.state.default_login


async def test_login_hint_and_scripted_logins_choose_the_user(
    sim: ZohoSimulator, http: httpx.AsyncClient
) -> None:
    second = list(sim.state.users.values())[1]
    hinted = await authorize(http, login_hint=second.email)
    assert sim.state.codes[hinted["code"]].zuid == second.zuid
    third = list(sim.state.users.values())[2]
    assert (await http.post("/_sim/zoho/login", json={"who": third.zuid})).status_code == 204
    scripted = await authorize(http, login_hint=second.email)
    assert sim.state.codes[scripted["code"]].zuid == third.zuid
    unknown = await authorize(http, login_hint="nobody@example.com")
    assert unknown == {"error": "access_denied", "state": "xyz"}


async def test_the_accounts_server_follows_the_users_data_centre() -> None:
    sim = ZohoSimulator(
        seed=4, users=4, classes=2, locations={"us": ACCOUNTS, "eu": "http://accounts.eu.sim"}
    )
    user = next(iter(sim.state.users.values()))
    sim.state.users[user.zuid] = type(user)(user.zuid, user.email, user.name, location="eu")
    async with httpx.AsyncClient(transport=SimulatorTransport(sim.app), base_url=ACCOUNTS) as http:
        back = await authorize(http, login_hint=user.email)
        token = (await exchange(http, back["code"])).json()
        info = (await http.get("/oauth/serverinfo")).json()
    assert (back["location"], back["accounts-server"]) == ("eu", "http://accounts.eu.sim")
    assert token["api_domain"] == "https://www.zohoapis.eu"
    assert info["locations"] == {"us": ACCOUNTS, "eu": "http://accounts.eu.sim"}


async def test_authorize_refuses_unknown_clients_and_redirect_uris(
    sim: ZohoSimulator, http: httpx.AsyncClient
) -> None:
    sim.state.clients["strict"] = OAuthClient("strict", "s3cret", frozenset({CALLBACK}))
    unknown = await http.get("/oauth/v2/auth", params=AUTHORIZE | {"client_id": "nope"})
    assert (unknown.status_code, unknown.json()) == (400, {"error": "invalid_client"})
    elsewhere = AUTHORIZE | {"client_id": "strict", "redirect_uri": "https://evil.example/cb"}
    assert (await http.get("/oauth/v2/auth", params=elsewhere)).status_code == 400
    bad_type = await authorize(http, response_type="token")
    assert bad_type["error"] == "unsupported_response_type"


async def test_the_code_grant_gives_refresh_token_only_offline(
    sim: ZohoSimulator, http: httpx.AsyncClient
) -> None:
    offline = (await exchange(http, (await authorize(http))["code"])).json()
    assert set(offline) == {
        "access_token",
        "refresh_token",
        "scope",
        "api_domain",
        "token_type",
        "expires_in",
    }
    assert (offline["token_type"], offline["expires_in"]) == ("Bearer", 3600)
    assert offline["api_domain"] == "https://www.zohoapis.com"
    assert offline["refresh_token"] in sim.state.refresh_tokens
    online_code = (await authorize(http, access_type="online"))["code"]
    online = (await exchange(http, online_code)).json()
    assert "refresh_token" not in online
    async with httpx.AsyncClient(transport=SimulatorTransport(sim.app)) as api:
        portals = await api.get(
            f"{PROJECTS}/restapi/portals/",
            headers={"Authorization": f"Zoho-oauthtoken {online['access_token']}"},
        )
    assert portals.status_code == 200


async def test_codes_are_single_use_and_bound_to_client_and_redirect(
    sim: ZohoSimulator, http: httpx.AsyncClient
) -> None:
    code = (await authorize(http))["code"]
    assert "access_token" in (await exchange(http, code)).json()
    reused = await exchange(http, code)
    assert (reused.status_code, reused.json()) == (200, {"error": "invalid_code"})
    other_redirect = await exchange(
        http, (await authorize(http))["code"], redirect_uri="https://bff.example/other"
    )
    assert other_redirect.json() == {"error": "invalid_code"}
    sim.state.clients["other"] = OAuthClient("other", "pw")
    stolen = await exchange(
        http, (await authorize(http))["code"], client_id="other", client_secret="pw"
    )
    assert stolen.json() == {"error": "invalid_code"}
    late = (await authorize(http))["code"]
    sim.clock.advance(181)
    assert (await exchange(http, late)).json() == {"error": "invalid_code"}
    wrong_secret = await exchange(http, (await authorize(http))["code"], client_secret="x")
    assert (wrong_secret.status_code, wrong_secret.json()) == (200, {"error": "invalid_client"})


async def test_refresh_gives_no_new_refresh_token_and_refusals_are_200(
    sim: ZohoSimulator, http: httpx.AsyncClient
) -> None:
    token = next(iter(sim.state.refresh_tokens))
    fresh = await refresh(http, token)
    assert fresh.status_code == 200
    assert "refresh_token" not in fresh.json()
    assert fresh.json()["expires_in"] == 3600
    as_form = await http.post(
        "/oauth/v2/token", data=CLIENT | {"grant_type": "refresh_token", "refresh_token": token}
    )
    assert "access_token" in as_form.json()
    refused = await refresh(http, "1000.not.issued")
    assert (refused.status_code, refused.json()) == (200, {"error": "invalid_code"})


async def test_ten_refreshes_per_ten_minutes_then_access_denied(
    sim: ZohoSimulator, http: httpx.AsyncClient
) -> None:
    token = next(iter(sim.state.refresh_tokens))
    for _ in range(10):
        assert "access_token" in (await refresh(http, token)).json()
    denied = await refresh(http, token)
    assert denied.status_code == 200
    assert denied.json()["error"] == "Access Denied"
    assert "too many requests" in denied.json()["error_description"]
    sim.clock.advance(599)
    assert (await refresh(http, token)).json()["error"] == "Access Denied"
    sim.clock.advance(2)
    assert "access_token" in (await refresh(http, token)).json()
    # another refresh token has its own window
    other = list(sim.state.refresh_tokens)[1]
    assert "access_token" in (await refresh(http, other)).json()


async def test_the_thirty_first_access_token_evicts_the_oldest(
    sim: ZohoSimulator, http: httpx.AsyncClient
) -> None:
    token = next(iter(sim.state.refresh_tokens))
    minted = []
    for _ in range(31):
        minted.append((await refresh(http, token)).json()["access_token"])
        sim.clock.advance(61)  # stay under 10 per 10 minutes
    async with httpx.AsyncClient(transport=SimulatorTransport(sim.app)) as api:
        statuses = [
            (
                await api.get(
                    f"{PROJECTS}/restapi/portals/",
                    headers={"Authorization": f"Zoho-oauthtoken {value}"},
                )
            ).status_code
            for value in (minted[0], minted[1], minted[-1])
        ]
    assert statuses == [401, 200, 200]


async def test_the_twenty_first_refresh_token_deletes_the_oldest(
    sim: ZohoSimulator, http: httpx.AsyncClient
) -> None:
    zuid = sim.state.default_login
    seeded = next(t for t, g in sim.state.refresh_tokens.items() if g.zuid == zuid)
    granted = []
    for _ in range(20):
        sim.clock.advance(1)
        granted.append((await exchange(http, (await authorize(http))["code"])).json())
    mine = [g for g in sim.state.refresh_tokens.values() if g.zuid == zuid]
    assert len(mine) == 20
    assert seeded not in sim.state.refresh_tokens
    assert (await refresh(http, seeded)).json() == {"error": "invalid_code"}
    assert "access_token" in (await refresh(http, granted[0]["refresh_token"])).json()


async def test_revoke_ends_a_refresh_token_and_its_access_tokens(
    sim: ZohoSimulator, http: httpx.AsyncClient
) -> None:
    granted = (await exchange(http, (await authorize(http))["code"])).json()
    revoked = await http.post("/oauth/v2/token/revoke", params={"token": granted["refresh_token"]})
    assert revoked.status_code == 200
    assert (await refresh(http, granted["refresh_token"])).json() == {"error": "invalid_code"}
    async with httpx.AsyncClient(transport=SimulatorTransport(sim.app)) as api:
        after = await api.get(
            f"{PROJECTS}/restapi/portals/",
            headers={"Authorization": f"Zoho-oauthtoken {granted['access_token']}"},
        )
    assert (after.status_code, after.json()["error"]["code"]) == (401, 6890)
    again = await http.post("/oauth/v2/token/revoke", params={"token": granted["refresh_token"]})
    assert again.status_code == 200


async def test_an_unknown_grant_type_is_refused_with_200(http: httpx.AsyncClient) -> None:
    reply = await http.post("/oauth/v2/token", data=CLIENT | {"grant_type": "password"})
    assert (reply.status_code, reply.json()) == (200, {"error": "unsupported_grant_type"})
