"""The TimeBack adapter under scripted faults, through its probe, and over a real socket."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest

from adapters.timeback.client import TimebackProbe
from simulators.kit.server import serve_in_thread
from simulators.kit.transport import HostRouter, SimulatorTransport
from simulators.timeback import TimebackSimulator
from tests.support.timeback_client import sandbox_client

ROSTERING = "/ims/oneroster/rostering/v1p2"
ORGS = f"{ROSTERING}/orgs"


@pytest.fixture
def sim() -> TimebackSimulator:
    return TimebackSimulator(seed=7, users=12, classes=4)


@pytest.fixture
async def client(sim: TimebackSimulator) -> AsyncIterator[httpx.AsyncClient]:
    async with sandbox_client(SimulatorTransport(sim.app)) as http:
        yield http


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
    async with sandbox_client(SimulatorTransport(sim.app), timeout=0.3) as http:
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
    async with sandbox_client(SimulatorTransport(sim.app), timeout=0.2) as http:
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
    async with sandbox_client(SimulatorTransport(sim.app), secret="wrong") as http:
        refused = await TimebackProbe(http, client_id="sandbox-client", secret_set=True).check()
        assert not refused.ok
        assert "invalid_client" in refused.detail
    async with sandbox_client(HostRouter({})) as http:
        unreachable = await TimebackProbe(http, client_id="sandbox-client", secret_set=True).check()
        assert not unreachable.ok
        assert "unreachable" in unreachable.detail


async def test_an_unconfigured_probe_does_not_call_out(sim: TimebackSimulator) -> None:
    async with sandbox_client(SimulatorTransport(sim.app)) as http:
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
        async with sandbox_client(None, base_url=server.url, timeout=0.5) as http:
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


async def test_a_lost_reply_applies_the_write_but_the_client_sees_a_502(
    sim: TimebackSimulator, client: httpx.AsyncClient
) -> None:
    sim.faults.set_chaos(1.0, kinds=("lost_reply",), path=ROSTERING)
    body = {"org": {"sourcedId": "o-lost", "name": "Lost Reply Academy", "type": "school"}}
    lost = await client.post(ORGS, json=body)
    assert lost.status_code == 502
    sim.faults.clear()
    applied = await client.get(f"{ORGS}/o-lost")
    assert (applied.status_code, applied.json()["org"]["name"]) == (200, "Lost Reply Academy")
    assert [e.fault for e in sim.log.entries(path=ORGS)] == ["lost reply 502", None]
    assert sim.faults.chaos_injected() == {}
