"""The TimeBack adapter client against the TimeBack simulator, in-process and over a socket."""

from __future__ import annotations

import base64
import json
import math
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from adapters.simulation.server import serve_in_thread
from adapters.simulation.transport import HostRouter, SimulatorTransport
from adapters.timeback.client import TimebackProbe, make_timeback_client
from adapters.timeback.errors import (
    TimebackAuthError,
    TimebackNotFound,
    as_timeback_error,
    raise_for_status,
    to_domain_error,
)
from adapters.timeback.simulator import TimebackSimulator
from domain.errors import NotFound

BASE = "http://timeback.sim"
TOKEN_URL = f"{BASE}/oauth2/token"
ROSTERING = "/ims/oneroster/rostering/v1p2"
ORGS = f"{ROSTERING}/orgs"
USERS = f"{ROSTERING}/users"


def client_for(
    transport: httpx.AsyncBaseTransport | None,
    *,
    base_url: str = BASE,
    secret: str = "sandbox-secret",  # noqa: S107 (the sandbox credential)
    timeout: float = 5.0,
) -> httpx.AsyncClient:
    return make_timeback_client(
        base_url=base_url,
        token_url=f"{base_url}/oauth2/token",
        client_id="sandbox-client",
        client_secret=secret,
        timeout=timeout,
        transport=transport,
    )


@pytest.fixture
def sim() -> TimebackSimulator:
    return TimebackSimulator(seed=7, users=12, classes=4)


@pytest.fixture
async def client(sim: TimebackSimulator) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(SimulatorTransport(sim.app)) as http:
        yield http


def raw(sim: TimebackSimulator) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=SimulatorTransport(sim.app), base_url=BASE)


# -- tokens ---------------------------------------------------------------------------------


async def test_first_call_fetches_a_token_with_basic_auth_and_reuses_it(
    sim: TimebackSimulator, client: httpx.AsyncClient
) -> None:
    assert (await client.get(ORGS)).status_code == 200
    assert (await client.get(USERS)).status_code == 200
    token_calls = sim.log.entries(path="/oauth2/token")
    assert len(token_calls) == 1
    assert token_calls[0].headers["authorization"] == "Basic [redacted]"
    assert [e.headers["authorization"] for e in sim.log.entries(path=ROSTERING)] == [
        "Bearer [redacted]"
    ] * 2


async def test_client_secret_post_is_accepted_and_the_reply_is_cognito_shaped(
    sim: TimebackSimulator,
) -> None:
    async with raw(sim) as http:
        reply = await http.post(
            "/oauth2/token",
            data={
                "grant_type": "client_credentials",
                "client_id": "sandbox-client",
                "client_secret": "sandbox-secret",
            },
        )
    assert reply.status_code == 200
    body = reply.json()
    assert set(body) == {"access_token", "expires_in", "token_type"}
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    claims = body["access_token"].split(".")[1]
    payload = json.loads(base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4)))
    assert payload["client_id"] == "sandbox-client"
    assert payload["token_use"] == "access"


@pytest.mark.parametrize(
    ("form", "status", "error"),
    [
        (
            {
                "grant_type": "client_credentials",
                "client_id": "sandbox-client",
                "client_secret": "x",
            },
            401,
            "invalid_client",
        ),
        (
            {"grant_type": "client_credentials", "client_id": "nobody", "client_secret": "x"},
            401,
            "invalid_client",
        ),
        (
            {
                "grant_type": "password",
                "client_id": "sandbox-client",
                "client_secret": "sandbox-secret",
            },
            400,
            "unsupported_grant_type",
        ),
        (
            {"client_id": "sandbox-client", "client_secret": "sandbox-secret"},
            400,
            "invalid_request",
        ),
    ],
)
async def test_token_endpoint_refusals(
    sim: TimebackSimulator, form: dict[str, str], status: int, error: str
) -> None:
    async with raw(sim) as http:
        reply = await http.post("/oauth2/token", data=form)
    assert (reply.status_code, reply.json()) == (status, {"error": error})


async def test_bad_credentials_surface_as_an_auth_error(sim: TimebackSimulator) -> None:
    async with client_for(SimulatorTransport(sim.app), secret="wrong") as http:
        with pytest.raises(httpx.HTTPStatusError) as caught:
            await http.get(ORGS)
    error = as_timeback_error(caught.value)
    assert isinstance(error, TimebackAuthError)
    assert (error.status, error.code) == (401, "invalid_client")
    assert not sim.log.entries(path=ROSTERING)  # never reached the API


async def test_an_expired_token_is_refused_then_replaced(
    sim: TimebackSimulator, client: httpx.AsyncClient
) -> None:
    assert (await client.get(ORGS)).status_code == 200
    sim.clock.advance(3601)  # the simulator's hour passes; the client's clock has not moved
    assert (await client.get(ORGS)).status_code == 200
    statuses = [(e.path, e.status) for e in sim.log.entries()]
    assert statuses == [
        ("/oauth2/token", 200),
        (ORGS, 200),
        (ORGS, 401),  # the old token, refused
        ("/oauth2/token", 200),
        (ORGS, 200),
    ]


async def test_a_token_the_client_sees_expiring_is_refetched_before_use() -> None:
    # 60 s is inside authlib's refresh margin, so each call must fetch a fresh token first
    sim = TimebackSimulator(seed=7, users=3, classes=1, token_ttl=60)
    async with client_for(SimulatorTransport(sim.app)) as http:
        for _ in range(2):
            assert (await http.get(ORGS)).status_code == 200
    assert len(sim.log.entries(path="/oauth2/token")) == 2
    assert all(e.status == 200 for e in sim.log.entries())


@pytest.mark.parametrize(
    ("authorization", "description"),
    [
        (None, "Unauthorized: missing bearer token"),
        ("Bearer not-a-token", "Unauthorized: invalid token"),
        ("Basic c2FuZGJveC1jbGllbnQ6c2FuZGJveC1zZWNyZXQ=", "Unauthorized: missing bearer token"),
    ],
)
async def test_api_routes_want_a_live_bearer_token(
    sim: TimebackSimulator, authorization: str | None, description: str
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    async with raw(sim) as http:
        reply = await http.get(ORGS, headers=headers)
    assert reply.status_code == 401
    body = reply.json()
    assert body["imsx_description"] == description
    minor = body["imsx_CodeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"]
    assert minor == "unauthorisedrequest"


# -- rostering reads --------------------------------------------------------------------------


async def test_orgs_page_through_body_fields_and_link_headers(
    sim: TimebackSimulator, client: httpx.AsyncClient
) -> None:
    first = await client.get(ORGS, params={"limit": 1})
    total = int(first.headers["X-Total-Count"])
    assert total == 1 + math.ceil(4 / 3)  # the district and its schools
    body = first.json()
    assert {k: body[k] for k in ("totalCount", "pageCount", "pageNumber", "offset", "limit")} == {
        "totalCount": total,
        "pageCount": total,
        "pageNumber": 1,
        "offset": 0,
        "limit": 1,
    }
    assert 'rel="next"' in first.headers["Link"]
    assert 'rel="prev"' not in first.headers["Link"]
    seen = [org["sourcedId"] for org in body["orgs"]]
    page = first
    while "next" in page.links:
        page = await client.get(page.links["next"]["url"])
        seen += [org["sourcedId"] for org in page.json()["orgs"]]
    assert len(seen) == len(set(seen)) == total
    assert 'rel="prev"' in page.headers["Link"]
    assert 'rel="next"' not in page.headers["Link"]
    assert {o["type"] for o in (await client.get(ORGS)).json()["orgs"]} == {"district", "school"}


async def test_users_list_is_sized_by_the_seed_and_roles_are_realistic(
    client: httpx.AsyncClient,
) -> None:
    users = (await client.get(USERS, params={"limit": 3000})).json()["users"]
    by_role: dict[str, list[dict[str, Any]]] = {}
    for user in users:
        by_role.setdefault(user["roles"][0]["role"], []).append(user)
    assert len(by_role["student"]) == 12
    assert len(by_role["teacher"]) == 4
    assert len(by_role["administrator"]) == 1 + math.ceil(4 / 3)
    assert by_role["guardian"]
    assert all(g["agents"] for g in by_role["guardian"])
    student = by_role["student"][0]
    assert student["enabledUser"] == "true"  # a string on the wire
    assert student["grades"]
    assert isinstance(student["grades"][0], str)


async def test_one_user_comes_in_the_singular_envelope(client: httpx.AsyncClient) -> None:
    some = (await client.get(USERS, params={"limit": 1})).json()["users"][0]
    reply = await client.get(f"{USERS}/{some['sourcedId']}")
    assert reply.status_code == 200
    assert reply.json() == {"user": some}


async def test_an_unknown_id_is_an_imsx_404(client: httpx.AsyncClient) -> None:
    reply = await client.get(f"{ORGS}/no-such-org")
    assert reply.status_code == 404
    assert reply.json() == {
        "imsx_codeMajor": "failure",
        "imsx_severity": "error",
        "imsx_description": "Org not found",
        "imsx_CodeMinor": {
            "imsx_codeMinorField": [
                {
                    "imsx_codeMinorFieldName": "TargetEndSystem",
                    "imsx_codeMinorFieldValue": "unknownobject",
                }
            ]
        },
    }
    with pytest.raises(TimebackNotFound) as caught:
        raise_for_status(reply)
    assert isinstance(to_domain_error(caught.value), NotFound)


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 3001}, {"offset": -1}, {"limit": "x"}])
async def test_bad_paging_parameters_are_400(
    client: httpx.AsyncClient, params: dict[str, str | int]
) -> None:
    reply = await client.get(ORGS, params=params)
    assert reply.status_code == 400
    assert reply.json()["imsx_CodeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"] == (
        "invaliddata"
    )


# -- faults and the request log -------------------------------------------------------------------


async def test_a_scripted_503_fails_once_then_calls_succeed(
    sim: TimebackSimulator, client: httpx.AsyncClient
) -> None:
    sim.fail_next(503, path=ROSTERING)
    failed = await client.get(ORGS)
    assert failed.status_code == 503
    assert failed.json()["imsx_description"] == "Service Unavailable"
    assert (await client.get(ORGS)).status_code == 200
    assert [e.fault for e in sim.log.entries(path=ROSTERING)] == ["fail 503", None]


async def test_scripted_body_and_headers_are_sent_as_given(
    sim: TimebackSimulator, client: httpx.AsyncClient
) -> None:
    sim.fail_next(429, path=ROSTERING, headers={"Retry-After": "9"}, body={"message": "slow"})
    reply = await client.get(ORGS)
    assert (reply.status_code, reply.json(), reply.headers["retry-after"]) == (
        429,
        {"message": "slow"},
        "9",
    )


async def test_added_latency_delays_the_answer(
    sim: TimebackSimulator, client: httpx.AsyncClient
) -> None:
    await client.get(ORGS)  # token first, so only the API call is timed
    sim.add_latency(0.2, times=1)
    started = time.perf_counter()
    assert (await client.get(ORGS)).status_code == 200
    assert time.perf_counter() - started >= 0.2
    started = time.perf_counter()
    await client.get(ORGS)
    assert time.perf_counter() - started < 0.2


async def test_a_scripted_hang_surfaces_as_a_read_timeout_in_process(
    sim: TimebackSimulator,
) -> None:
    async with client_for(SimulatorTransport(sim.app), timeout=0.3) as http:
        await http.get(ORGS)
        sim.timeout_next()
        with pytest.raises(httpx.ReadTimeout):
            await http.get(ORGS)
        assert (await http.get(ORGS)).status_code == 200
    hung = sim.log.entries(path=ROSTERING)[1]
    assert (hung.status, hung.fault) == (None, "hang")
    assert hung.duration_ms >= 300


async def test_the_request_log_never_holds_a_credential(
    sim: TimebackSimulator, client: httpx.AsyncClient
) -> None:
    await client.get(ORGS, params={"limit": 2})
    token = client.token["access_token"]  # type: ignore[attr-defined]
    dumped = json.dumps([e.to_json() for e in sim.log.entries()])
    assert token not in dumped
    assert "sandbox-secret" not in dumped
    assert base64.b64encode(b"sandbox-client:sandbox-secret").decode() not in dumped
    api_call = sim.log.last()
    assert (api_call.method, api_call.path, api_call.query) == ("GET", ORGS, "limit=2")
    assert api_call.host == "timeback.sim"
    assert api_call.status == 200
    assert datetime.fromisoformat(api_call.started_at) <= datetime.now(UTC)
    assert sim.log.entries(path="/oauth2/token")[0].body_bytes > 0


# -- seeds ----------------------------------------------------------------------------------


def test_the_same_seed_gives_the_same_roster_and_size_is_respected() -> None:
    a = TimebackSimulator(seed=3, users=20, classes=5)
    b = TimebackSimulator(seed=3, users=20, classes=5)
    assert a.state.users.all() == b.state.users.all()
    assert a.state.orgs.all() == b.state.orgs.all()
    assert a.state.users.all() != TimebackSimulator(seed=4, users=20, classes=5).state.users.all()
    a.seed(users=50)
    assert a.summarize()["roles"]["student"] == 50  # type: ignore[index]
    a.seed(3, users=20)
    assert a.state.users.all() == b.state.users.all()


# -- the probe --------------------------------------------------------------------------------


async def test_the_probe_reports_ok_with_latency(client: httpx.AsyncClient) -> None:
    probe = TimebackProbe(client, client_id="sandbox-client", secret_set=True)
    assert probe.configured().ok
    check = await probe.check()
    assert check.ok
    assert check.upstream == "timeback"
    assert check.detail == "OneRoster answered; 3 orgs"
    assert check.latency_ms > 0
    assert check.checked_at.tzinfo is not None


async def test_the_probe_reports_failures_without_raising(sim: TimebackSimulator) -> None:
    async with client_for(SimulatorTransport(sim.app), timeout=0.2) as http:
        probe = TimebackProbe(http, client_id="sandbox-client", secret_set=True)
        sim.fail_next(503)
        failed = await probe.check()
        assert not failed.ok
        assert "503" in failed.detail
        sim.timeout_next()
        hung = await probe.check()
        assert not hung.ok
        assert "no answer in time" in hung.detail
        assert (await probe.check()).ok
    async with client_for(SimulatorTransport(sim.app), secret="wrong") as http:
        refused = await TimebackProbe(http, client_id="sandbox-client", secret_set=True).check()
        assert not refused.ok
        assert "invalid_client" in refused.detail
    async with client_for(HostRouter({})) as http:
        unreachable = await TimebackProbe(http, client_id="sandbox-client", secret_set=True).check()
        assert not unreachable.ok
        assert "unreachable" in unreachable.detail


async def test_an_unconfigured_probe_does_not_call_out(sim: TimebackSimulator) -> None:
    async with client_for(SimulatorTransport(sim.app)) as http:
        probe = TimebackProbe(http, client_id="", secret_set=False)
        assert probe.configured().detail == "missing client id, client secret"
        check = await probe.check()
    assert not check.ok
    assert check.detail.startswith("not configured")
    assert len(sim.log) == 0


# -- over a real socket -------------------------------------------------------------------------


async def test_standalone_over_a_socket_with_the_control_api() -> None:
    sim = TimebackSimulator(seed=11, users=5, classes=2)
    with serve_in_thread(sim.app) as server:
        async with client_for(None, base_url=server.url, timeout=0.5) as http:
            orgs = await http.get(ORGS)
            assert orgs.status_code == 200
            assert orgs.json()["orgs"][0]["children"][0]["href"].startswith("http://timeback.sim/")
            async with httpx.AsyncClient(base_url=server.url) as control:
                assert (
                    await control.post("/_sim/faults/fail", json={"status": 503})
                ).status_code == 201
                assert (await http.get(ORGS)).status_code == 503
                assert (await control.post("/_sim/faults/timeout", json={})).status_code == 201
                with pytest.raises(httpx.ReadTimeout):
                    await http.get(ORGS)
                assert (await http.get(ORGS)).status_code == 200
                log = (await control.get("/_sim/requests")).json()
                state = (await control.get("/_sim/state")).json()
    assert [r["status"] for r in log["requests"]] == [200, 200, 503, None, 200]
    assert state["seed"] == {"seed": 11, "users": 5, "classes": 2}
    assert state["state"]["roles"]["student"] == 5
