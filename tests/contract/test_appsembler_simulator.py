"""The Appsembler adapter client against the Open edX simulator."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from adapters.appsembler.client import AppsemblerProbe, make_appsembler_client
from adapters.appsembler.errors import AppsemblerUnavailable, as_appsembler_error
from simulators.appsembler import AppsemblerSimulator
from simulators.appsembler.state import Account, OAuthApp
from simulators.kit.server import serve_in_thread
from simulators.kit.transport import SimulatorTransport

BASE = "http://appsembler.sim"
BATCH = "/appsembler_api/v0/analytics/accounts/batch"


def client_for(
    transport: httpx.AsyncBaseTransport | None,
    *,
    base_url: str = BASE,
    client_id: str = "sandbox-client",
    secret: str = "sandbox-secret",  # noqa: S107 (the sandbox credential)
    timeout: float = 5.0,
) -> httpx.AsyncClient:
    return make_appsembler_client(
        base_url=base_url,
        client_id=client_id,
        client_secret=secret,
        timeout=timeout,
        transport=transport,
    )


def raw(sim: AppsemblerSimulator) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=SimulatorTransport(sim.app), base_url=BASE)


@pytest.fixture
def sim() -> AppsemblerSimulator:
    return AppsemblerSimulator(seed=5, users=10, classes=3)


@pytest.fixture
async def client(sim: AppsemblerSimulator) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(SimulatorTransport(sim.app)) as http:
        yield http


async def test_the_token_comes_from_the_dot_endpoint_with_credentials_in_the_form(
    sim: AppsemblerSimulator, client: httpx.AsyncClient
) -> None:
    assert (await client.get(BATCH)).status_code == 200
    token_call = sim.log.entries(path="/oauth2/access_token")[0]
    assert "authorization" not in token_call.headers  # client_secret_post, not Basic
    token = client.token  # type: ignore[attr-defined]
    assert token["token_type"] == "Bearer"
    assert token["expires_in"] == 36000
    assert token["scope"] == "read write email profile"
    assert len(token["access_token"]) == 30


async def test_bad_credentials_are_invalid_client(sim: AppsemblerSimulator) -> None:
    async with raw(sim) as http:
        reply = await http.post(
            "/oauth2/access_token",
            data={
                "grant_type": "client_credentials",
                "client_id": "sandbox-client",
                "client_secret": "nope",
                "token_type": "bearer",
            },
        )
    assert (reply.status_code, reply.json()) == (401, {"error": "invalid_client"})


async def test_credentials_in_a_basic_header_work_too(sim: AppsemblerSimulator) -> None:
    async with raw(sim) as http:
        reply = await http.post(
            "/oauth2/access_token",
            data={"grant_type": "client_credentials", "token_type": "bearer"},
            auth=("sandbox-client", "sandbox-secret"),
        )
    assert reply.status_code == 200
    assert reply.json()["expires_in"] == 36000


async def test_the_accounts_batch_is_an_unpaginated_array_including_the_service_user(
    client: httpx.AsyncClient,
) -> None:
    rows = (await client.get(BATCH)).json()
    assert isinstance(rows, list)
    # service user + 10 students + 3 teachers + district and school administrators
    assert len(rows) == 1 + 10 + 3 + 2
    assert rows[0]["id"] == 1
    assert rows[0]["username"] == "appsembler-api"
    assert all(set(r) == {"id", "username", "email", "is_active", "date_joined"} for r in rows)
    assert rows[1]["date_joined"].endswith("Z")
    assert "." in rows[1]["date_joined"]


async def test_date_filters_are_exclusive_and_apply_to_date_joined(
    client: httpx.AsyncClient,
) -> None:
    rows = (await client.get(BATCH)).json()
    pivot = sorted(rows, key=lambda r: r["date_joined"])[5]
    after = (await client.get(BATCH, params={"updated_min": pivot["date_joined"]})).json()
    before = (await client.get(BATCH, params={"updated_max": pivot["date_joined"]})).json()
    assert pivot not in after
    assert pivot not in before
    assert len(after) + len(before) == len(rows) - 1


async def test_an_unparsable_date_is_a_bare_django_500(client: httpx.AsyncClient) -> None:
    reply = await client.get(BATCH, params={"updated_min": "last tuesday"})
    assert reply.status_code == 500
    assert reply.text == "<h1>Server Error (500)</h1>"
    failure = httpx.HTTPStatusError("500", request=reply.request, response=reply)
    assert isinstance(as_appsembler_error(failure), AppsemblerUnavailable)


@pytest.mark.parametrize("suffix", ["/", "XYZ"])
async def test_routes_match_by_prefix_like_the_real_url_regexes(
    client: httpx.AsyncClient, suffix: str
) -> None:
    assert (await client.get(BATCH + suffix)).status_code == 200


NO_CREDENTIALS = {"detail": "Authentication credentials were not provided."}


def token_error(code: str, message: str) -> dict[str, str]:
    return {"error_code": code, "developer_message": message}


@pytest.mark.parametrize(
    ("authorization", "body"),
    [
        (None, NO_CREDENTIALS),
        ("Basic abc", NO_CREDENTIALS),
        (
            "Bearer",
            token_error("token_not_provided", "Invalid token header. No credentials provided."),
        ),
        (
            "Bearer a b",
            token_error(
                "token_malformed", "Invalid token header. Token string should not contain spaces."
            ),
        ),
        (
            "Bearer unknown",
            token_error(
                "token_nonexistent", "The provided access token does not match any valid tokens."
            ),
        ),
    ],
)
async def test_auth_errors_have_the_lms_bodies(
    sim: AppsemblerSimulator, authorization: str | None, body: dict[str, str]
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    async with raw(sim) as http:
        reply = await http.get(BATCH, headers=headers)
    assert (reply.status_code, reply.json()) == (401, body)
    assert reply.headers["www-authenticate"] == 'Bearer realm="api"'


async def test_an_expired_token_says_so_and_the_client_fetches_a_new_one(
    sim: AppsemblerSimulator, client: httpx.AsyncClient
) -> None:
    await client.get(BATCH)
    stale = client.token["access_token"]  # type: ignore[attr-defined]
    sim.clock.advance(36001)
    async with raw(sim) as http:
        reply = await http.get(BATCH, headers={"Authorization": f"Bearer {stale}"})
    assert reply.json()["error_code"] == "token_expired"
    assert (await client.get(BATCH)).status_code == 200
    assert len(sim.log.entries(path="/oauth2/access_token")) == 2


async def test_a_non_staff_token_may_only_ask_about_itself(sim: AppsemblerSimulator) -> None:
    learner = next(a for a in sim.state.accounts.values() if not a.is_staff and a.id > 1)
    sim.state.apps["learner-app"] = OAuthApp("learner-app", "learner-secret", user_id=learner.id)
    async with client_for(
        SimulatorTransport(sim.app), client_id="learner-app", secret="learner-secret"
    ) as http:
        denied = await http.get(BATCH)
        own = await http.get(BATCH, params={"username": learner.username})
    assert (denied.status_code, denied.json()) == (
        403,
        {"detail": "You do not have permission to perform this action."},
    )
    assert own.status_code == 200


async def test_the_probe_is_ok_and_asks_for_an_empty_slice(
    sim: AppsemblerSimulator, client: httpx.AsyncClient
) -> None:
    probe = AppsemblerProbe(client, client_id="sandbox-client", secret_set=True)
    check = await probe.check()
    assert check.ok
    assert check.upstream == "appsembler"
    assert check.latency_ms > 0
    call = sim.log.last()
    assert call.path == BATCH
    assert call.query.startswith("updated_min=")
    assert (await client.get(BATCH, params={"updated_min": "2099-01-01"})).json() == []


async def test_the_probe_reports_failures_without_raising(sim: AppsemblerSimulator) -> None:
    async with client_for(SimulatorTransport(sim.app), timeout=0.2) as http:
        probe = AppsemblerProbe(http, client_id="sandbox-client", secret_set=True)
        sim.fail_next(503)
        failed = await probe.check()
        assert not failed.ok
        assert failed.detail == "HTTP 503 from Appsembler: Service Unavailable"
        sim.timeout_next()
        assert "no answer in time" in (await probe.check()).detail
        assert (await probe.check()).ok
    async with client_for(SimulatorTransport(sim.app), secret="wrong") as http:
        refused = await AppsemblerProbe(http, client_id="sandbox-client", secret_set=True).check()
    assert not refused.ok
    assert "invalid_client" in refused.detail
    unconfigured = AppsemblerProbe(client_for(None, base_url=""), client_id="x", secret_set=False)
    assert unconfigured.configured().detail == "missing client secret, base URL"


def test_the_same_seed_gives_the_same_accounts() -> None:
    def dump(sim: AppsemblerSimulator) -> list[Account]:
        return list(sim.state.accounts.values())

    assert dump(AppsemblerSimulator(seed=1)) == dump(AppsemblerSimulator(seed=1))
    assert dump(AppsemblerSimulator(seed=1)) != dump(AppsemblerSimulator(seed=2))
    assert len(AppsemblerSimulator(seed=1, users=40, classes=9).state.accounts) == 1 + 40 + 9 + 4


async def test_standalone_over_a_socket() -> None:
    sim = AppsemblerSimulator(seed=5, users=4, classes=1)
    with serve_in_thread(sim.app) as server:
        async with client_for(None, base_url=server.url) as http:
            check = await AppsemblerProbe(http, client_id="sandbox-client", secret_set=True).check()
            rows = (await http.get(BATCH)).json()
    assert check.ok
    assert len(rows) == 1 + 4 + 1 + 2
