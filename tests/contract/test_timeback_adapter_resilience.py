"""The OneRoster client under scripted faults and token trouble, against the TimeBack simulator.

Time is faked for the retry waits (a recording ``sleep``), so nothing here waits real seconds
except the read timeout of the hang test.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator

import httpx
import pytest

from adapters.http.oauth import TokenRegistry
from adapters.timeback.client import make_timeback_client
from adapters.timeback.errors import (
    TimebackAuthError,
    TimebackNotFound,
    TimebackRateLimited,
    TimebackRejected,
    TimebackTimeout,
    TimebackUnavailable,
    to_domain_error,
)
from adapters.timeback.oneroster import GRADEBOOK, ROSTERING, OneRosterClient
from adapters.timeback.retrying import RetryPolicy
from domain.errors import NotFound, UpstreamRateLimited, UpstreamRejected, UpstreamUnavailable
from simulators.kit.transport import HostRouter, SimulatorTransport
from simulators.timeback import TimebackSimulator
from simulators.timeback.seed import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET
from tests.support.timeback_client import sandbox_client

TOKEN = "/oauth2/token"


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds

    def policy(self, **overrides: float) -> RetryPolicy:
        return RetryPolicy(
            sleep=self.sleep,
            clock=lambda: self.now,
            random=lambda: 0.0,
            **overrides,  # type: ignore[arg-type]
        )


@pytest.fixture
def sim() -> TimebackSimulator:
    return TimebackSimulator(seed=7, users=12, classes=4)


@pytest.fixture
def clock() -> FakeTime:
    return FakeTime()


@pytest.fixture
async def http(sim: TimebackSimulator) -> AsyncIterator[httpx.AsyncClient]:
    async with sandbox_client(SimulatorTransport(sim.app), timeout=0.3) as client:
        yield client


@pytest.fixture
def roster(http: httpx.AsyncClient, clock: FakeTime) -> OneRosterClient:
    return OneRosterClient(http, ROSTERING, retry=clock.policy())


def api_calls(sim: TimebackSimulator, method: str | None = None) -> list[int | None]:
    return [e.status for e in sim.log.entries(path=ROSTERING, method=method)]


# -- retries ----------------------------------------------------------------------------------------


async def test_a_503_is_retried_with_backoff(
    sim: TimebackSimulator, roster: OneRosterClient, clock: FakeTime
) -> None:
    sim.fail_next(503, times=2, path=ROSTERING)
    page = await roster.list_page("orgs")
    assert page.total == 3
    assert api_calls(sim) == [503, 503, 200]
    assert clock.slept == [0.5, 1.0]


async def test_retry_after_is_honoured(
    sim: TimebackSimulator, roster: OneRosterClient, clock: FakeTime
) -> None:
    sim.fail_next(429, path=ROSTERING, headers={"Retry-After": "1"})
    await roster.list_page("orgs")
    assert api_calls(sim) == [429, 200]
    assert clock.slept == [1.0]


@pytest.mark.parametrize("status", [502, 504])
async def test_gateway_errors_are_retried(
    sim: TimebackSimulator, roster: OneRosterClient, status: int
) -> None:
    org = (await roster.list_page("orgs", limit=1)).items[0]
    sim.fail_next(status, path=ROSTERING)
    assert await roster.get("orgs", org["sourcedId"]) == org
    assert api_calls(sim) == [200, status, 200]


async def test_a_hang_times_out_and_is_retried(
    sim: TimebackSimulator, roster: OneRosterClient, clock: FakeTime
) -> None:
    sim.timeout_next(path=ROSTERING)
    page = await roster.list_page("orgs")
    assert page.total == 3
    assert api_calls(sim) == [None, 200]
    assert clock.slept == [0.5]


async def test_exhausted_retries_surface_as_typed_errors_and_map_to_the_domain(
    sim: TimebackSimulator, http: httpx.AsyncClient, clock: FakeTime
) -> None:
    roster = OneRosterClient(http, retry=clock.policy(max_attempts=3))
    sim.fail_next(503, times=3, path=ROSTERING)
    with pytest.raises(TimebackUnavailable) as unavailable:
        await roster.list_page("orgs")
    assert unavailable.value.status == 503
    assert isinstance(to_domain_error(unavailable.value), UpstreamUnavailable)
    assert api_calls(sim) == [503, 503, 503]

    sim.fail_next(429, times=3, path=ROSTERING, headers={"Retry-After": "2"})
    with pytest.raises(TimebackRateLimited) as limited:
        await roster.list_page("orgs")
    assert limited.value.retry_after == 2
    domain = to_domain_error(limited.value)
    assert isinstance(domain, UpstreamRateLimited)
    assert domain.retry_after == 2
    assert clock.slept == [0.5, 1.0, 2.0, 2.0]

    sim.timeout_next(times=3, path=ROSTERING)
    with pytest.raises(TimebackTimeout):
        await roster.list_page("orgs")


async def test_a_retry_after_beyond_the_cap_is_not_waited_for(
    sim: TimebackSimulator, http: httpx.AsyncClient, clock: FakeTime
) -> None:
    roster = OneRosterClient(http, retry=clock.policy(max_retry_after=5))
    sim.fail_next(429, path=ROSTERING, headers={"Retry-After": "600"})
    with pytest.raises(TimebackRateLimited) as limited:
        await roster.list_page("orgs")
    assert limited.value.retry_after == 600
    assert (api_calls(sim), clock.slept) == ([429], [])


async def test_refusals_are_not_retried_and_map_once(
    sim: TimebackSimulator, roster: OneRosterClient, clock: FakeTime
) -> None:
    with pytest.raises(TimebackNotFound) as missing:
        await roster.get("users", "nobody")
    assert isinstance(to_domain_error(missing.value), NotFound)
    assert missing.value.code == "unknownobject"
    with pytest.raises(TimebackRejected) as rejected:
        await roster.list_page("users", filter="nosuchfield='x'")
    assert rejected.value.status == 400
    assert isinstance(to_domain_error(rejected.value), UpstreamRejected)
    sim.fail_next(500, path=ROSTERING)
    with pytest.raises(TimebackUnavailable):
        await roster.list_page("orgs")
    assert api_calls(sim) == [404, 400, 500]
    assert clock.slept == []


async def test_a_post_is_not_retried_after_a_503_but_is_after_a_429_that_says_retry(
    sim: TimebackSimulator, roster: OneRosterClient, clock: FakeTime
) -> None:
    school = (await roster.list_page("schools", limit=1)).items[0]["sourcedId"]
    user = {
        "givenName": "Ada",
        "familyName": "Lovelace",
        "email": "ada@example.edu",
        "enabledUser": "true",
        "roles": [{"roleType": "primary", "role": "student", "org": {"sourcedId": school}}],
    }
    sim.fail_next(503, path=ROSTERING)
    with pytest.raises(TimebackUnavailable):
        await roster.create("users", user)
    assert api_calls(sim, "POST") == [503]
    sim.fail_next(429, path=ROSTERING, headers={"Retry-After": "1"})
    new_id = await roster.create("users", user)
    assert api_calls(sim, "POST") == [503, 429, 201]
    assert clock.slept == [1.0]
    assert (await roster.get("users", new_id))["familyName"] == "Lovelace"


async def test_a_post_is_retried_when_the_connection_was_never_made(clock: FakeTime) -> None:
    sim = TimebackSimulator(seed=7, users=12, classes=4)

    class RefuseOnce(httpx.AsyncBaseTransport):
        def __init__(self) -> None:
            self.inner = SimulatorTransport(sim.app)
            self.refused = False

        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            post = request.method == "POST" and request.url.path.startswith(ROSTERING)
            if post and not self.refused:
                self.refused = True
                raise httpx.ConnectError("refused", request=request)
            return await self.inner.handle_async_request(request)

    async with sandbox_client(RefuseOnce()) as http:
        roster = OneRosterClient(http, retry=clock.policy())
        school = (await roster.list_page("schools", limit=1)).items[0]["sourcedId"]
        await roster.create(
            "users",
            {
                "givenName": "G",
                "familyName": "H",
                "email": "g@example.edu",
                "enabledUser": "true",
                "roles": [{"roleType": "primary", "role": "teacher", "org": {"sourcedId": school}}],
            },
        )
    assert api_calls(sim, "POST") == [201]
    assert clock.slept == [0.5]


async def test_an_unreachable_host_is_unavailable(clock: FakeTime) -> None:
    async with sandbox_client(HostRouter({})) as http:
        roster = OneRosterClient(http, retry=clock.policy(max_attempts=2))
        with pytest.raises(TimebackUnavailable, match="unreachable"):
            await roster.list_page("orgs")
    assert clock.slept == [0.5]


async def test_the_deadline_bounds_the_whole_call(
    sim: TimebackSimulator, http: httpx.AsyncClient, clock: FakeTime
) -> None:
    roster = OneRosterClient(http, retry=clock.policy(max_attempts=50, deadline=3.0))
    sim.fail_next(503, times=50, path=ROSTERING)
    with pytest.raises(TimebackUnavailable):
        await roster.list_page("orgs")
    assert clock.slept == [0.5, 1.0]  # the next wait (2 s) would end past 3 s
    assert len(api_calls(sim)) == 3


# -- tokens -----------------------------------------------------------------------------------------


def token_requests(sim: TimebackSimulator) -> int:
    return len(sim.log.entries(path=TOKEN))


async def test_one_token_serves_every_service_and_every_client_of_a_token_url(
    sim: TimebackSimulator,
) -> None:
    tokens = TokenRegistry()

    def client(base_url: str) -> httpx.AsyncClient:
        return make_timeback_client(
            base_url=base_url,
            token_url="http://timeback.sim/oauth2/token",
            client_id=SANDBOX_CLIENT_ID,
            client_secret=SANDBOX_CLIENT_SECRET,
            timeout=5.0,
            transport=SimulatorTransport(sim.app),
            tokens=tokens,
        )

    async with client("http://timeback.sim") as api, client("http://timeback.sim/") as other_host:
        rostering = OneRosterClient(api, ROSTERING)
        gradebook = OneRosterClient(api, GRADEBOOK)
        elsewhere = OneRosterClient(other_host, ROSTERING)
        await rostering.list_page("orgs")
        await elsewhere.list_page("users", limit=1)
        with contextlib.suppress(TimebackNotFound):  # the token is what counts here
            await gradebook.list_page("lineItems", limit=1)
        assert token_requests(sim) == 1
        assert len(tokens) == 1
        # one client renewing it (a 401) renews it for the other
        sim.clock.advance(3601)
        await rostering.list_page("orgs")
        await elsewhere.list_page("orgs")
        assert token_requests(sim) == 2
        assert tokens.for_url("http://timeback.sim/oauth2/token", SANDBOX_CLIENT_ID).fetches == 2


async def test_a_token_is_renewed_before_it_expires(
    sim: TimebackSimulator, http: httpx.AsyncClient
) -> None:
    roster = OneRosterClient(http)
    await roster.list_page("orgs")
    await roster.list_page("orgs")
    assert token_requests(sim) == 1
    # 30 s left: inside the 60 s leeway, so the next call renews first, with no 401 on the way
    http.shared_token.token["expires_at"] = int(time.time()) + 30  # type: ignore[attr-defined]
    await roster.list_page("orgs")
    assert token_requests(sim) == 2
    assert 401 not in api_calls(sim)


async def test_a_401_renews_the_token_and_retries_once(
    sim: TimebackSimulator, http: httpx.AsyncClient, clock: FakeTime
) -> None:
    roster = OneRosterClient(http, retry=clock.policy())
    await roster.list_page("orgs")
    sim.clock.advance(3601)  # the simulator now refuses the token we hold as expired
    page = await roster.list_page("orgs")
    assert page.total == 3
    assert api_calls(sim) == [200, 401, 200]
    assert token_requests(sim) == 2
    assert clock.slept == []


async def test_a_second_401_is_an_auth_error_without_a_third_try(
    sim: TimebackSimulator, http: httpx.AsyncClient, clock: FakeTime
) -> None:
    roster = OneRosterClient(http, retry=clock.policy())
    await roster.list_page("orgs")
    sim.fail_next(401, times=5, path=ROSTERING)
    with pytest.raises(TimebackAuthError) as refused:
        await roster.list_page("orgs")
    assert isinstance(to_domain_error(refused.value), UpstreamRejected)
    assert api_calls(sim) == [200, 401, 401]
    assert token_requests(sim) == 2


async def test_bad_credentials_are_an_auth_error(sim: TimebackSimulator, clock: FakeTime) -> None:
    async with sandbox_client(SimulatorTransport(sim.app), secret="wrong") as http:
        roster = OneRosterClient(http, retry=clock.policy())
        with pytest.raises(TimebackAuthError, match="401"):
            await roster.list_page("orgs")
    assert api_calls(sim) == []
    assert token_requests(sim) == 1


async def test_a_failing_token_endpoint_is_retried(
    sim: TimebackSimulator, roster: OneRosterClient, clock: FakeTime
) -> None:
    sim.fail_next(503, path=TOKEN)
    await roster.list_page("orgs")
    assert [e.status for e in sim.log.entries(path=TOKEN)] == [503, 200]
    assert clock.slept == [0.5]
