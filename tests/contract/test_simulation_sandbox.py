"""The simulation kit end to end: control API, sandbox routing, one population across systems."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from api.settings import UPSTREAMS
from simulators.appsembler import AppsemblerSimulator
from simulators.kit.simulator import SeedSpec, Simulator
from simulators.kit.transport import HostRouter, SimulatorTransport
from simulators.sandbox import SandboxSimulators, SimulatorSpec, build_simulator, load_simulator
from simulators.timeback import TimebackSimulator
from simulators.zoho import ZohoSimulator
from tests.support.sandbox import seeded_simulators

ORGS = "/ims/oneroster/rostering/v1p2/orgs"


@pytest.fixture
def sim() -> TimebackSimulator:
    return TimebackSimulator(seed=1, users=4, classes=2)


@pytest.fixture
async def http(sim: TimebackSimulator) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=SimulatorTransport(sim.app), base_url="http://timeback.sim"
    ) as client:
        yield client


async def test_control_requests_are_neither_logged_nor_faulted(
    sim: TimebackSimulator, http: httpx.AsyncClient
) -> None:
    sim.fail_next(503, times=5)
    state = await http.get("/_sim/state")
    assert state.status_code == 200
    assert state.json()["system"] == "timeback"
    assert len(sim.log) == 0
    assert sim.faults.describe()[0]["remaining"] == 5


async def test_faults_can_be_scripted_listed_and_cleared_over_http(
    sim: TimebackSimulator, http: httpx.AsyncClient
) -> None:
    created = await http.post(
        "/_sim/faults/fail", json={"status": 429, "headers": {"Retry-After": "2"}, "path": ORGS}
    )
    assert created.status_code == 201
    await http.post("/_sim/faults/latency", json={"seconds": 0.01})
    kinds = [f["kind"] for f in (await http.get("/_sim/faults")).json()["faults"]]
    assert kinds == ["fail", "latency"]
    throttled = await http.get(ORGS)
    assert (throttled.status_code, throttled.headers["retry-after"]) == (429, "2")
    assert (await http.delete("/_sim/faults")).status_code == 204
    assert sim.faults.describe() == []


async def test_invalid_control_payloads_are_422(http: httpx.AsyncClient) -> None:
    assert (await http.post("/_sim/faults/fail", json={"status": 200})).status_code == 422
    assert (await http.post("/_sim/faults/timeout", content=b"not json")).status_code == 422
    assert (await http.post("/_sim/seed", json={"users": -1})).status_code == 422


async def test_reseed_reset_and_clock_over_http(
    sim: TimebackSimulator, http: httpx.AsyncClient
) -> None:
    reseeded = (await http.post("/_sim/seed", json={"users": 9})).json()
    assert reseeded["seed"] == {"seed": 1, "users": 9, "classes": 2}
    assert reseeded["state"]["roles"]["student"] == 9
    await http.get(ORGS)
    assert len((await http.get("/_sim/requests")).json()["requests"]) == 1
    advanced = (await http.post("/_sim/clock", json={"advance": 60})).json()
    assert advanced["offset"] == 60
    reset = (await http.post("/_sim/reset")).json()
    assert reset["requests"] == 0
    assert reset["clock_offset"] == 0
    assert reset["state"]["roles"]["student"] == 9  # reset keeps the spec
    assert sim.describe()["tokens"] == {"issued": 0, "live": 0}


async def test_unknown_routes_answer_in_the_upstreams_own_format(http: httpx.AsyncClient) -> None:
    missing = await http.get("/ims/oneroster/rostering/v1p2/nothing-here")
    assert missing.status_code == 404
    assert missing.json()["imsx_codeMajor"] == "failure"
    wrong_method = await http.delete(ORGS)
    assert wrong_method.status_code == 405
    assert "GET" in wrong_method.headers["allow"]


async def test_the_sandbox_transport_routes_every_simulated_host() -> None:
    sims = seeded_simulators(seed=42, users=5, classes=2)
    async with httpx.AsyncClient(transport=sims.transport()) as http:
        answers = {
            host: (await http.get(f"http://{host}{path}")).status_code
            for host, path in [
                ("timeback.sim", ORGS),
                ("appsembler.sim", "/appsembler_api/v0/analytics/accounts/batch"),
                ("accounts.zoho.sim", "/oauth/serverinfo"),
                ("projectsapi.zoho.sim", "/restapi/portals/"),
                ("desk.zoho.sim", "/api/v1/organizations"),
            ]
        }
        with pytest.raises(httpx.ConnectError, match="no simulator serves host"):
            await http.get("http://elsewhere.sim/")
    assert answers == {
        "timeback.sim": 401,  # no token: but it is TimeBack answering
        "appsembler.sim": 401,
        "accounts.zoho.sim": 200,
        "projectsapi.zoho.sim": 401,
        "desk.zoho.sim": 401,
    }
    assert len(sims["timeback"].log) == 1
    assert len(sims["zoho"].log) == 3


def test_one_seed_tells_one_story_across_systems() -> None:
    sims = seeded_simulators(seed=42, users=8, classes=3)
    roster_emails = {
        u["email"]
        for u in sims.get("timeback", TimebackSimulator).state.users.all()
        if u["roles"][0]["role"] in ("student", "teacher", "administrator")
    }
    lms = sims.get("appsembler", AppsemblerSimulator).state
    lms_emails = {a.email for a in lms.accounts.values() if a.id > 1}
    zoho_emails = {u.email for u in sims.get("zoho", ZohoSimulator).state.users.values()}
    assert roster_emails == lms_emails
    assert zoho_emails < roster_emails


def test_simulators_are_built_from_the_upstream_lists_module_paths() -> None:
    paths = {u.name: u.simulator for u in UPSTREAMS if u.simulator is not None}
    assert paths, "no upstream declares a simulator"
    for name, path in paths.items():
        sim = build_simulator(path, seed=1, users=2, classes=1, public_url="http://127.0.0.1:9")
        assert sim.system == name
        assert sim.public_url == "http://127.0.0.1:9"
    with pytest.raises(ValueError, match="no module"):
        load_simulator("simulators.moodle:MoodleSimulator")
    with pytest.raises(ValueError, match="names no simulator class"):
        load_simulator("simulators.sandbox:SimulatorSpec")


def test_a_spec_routes_extra_hosts_and_its_public_url() -> None:
    path = "simulators.timeback:TimebackSimulator"
    spec = SimulatorSpec(path, public_url="http://tb-eu.sim", hosts=("tb-us.sim",))
    sims = SandboxSimulators.seeded({"timeback": spec}, seed=1, users=2, classes=1)
    assert sims["timeback"].public_url == "http://tb-eu.sim"
    router = sims.transport()
    assert isinstance(router, HostRouter)
    assert set(router.hosts) == {"timeback.sim", "tb-eu.sim", "tb-us.sim"}
    with pytest.raises(TypeError, match="not ZohoSimulator"):
        sims.get("timeback", ZohoSimulator)


class PingSimulator(Simulator[dict[str, int]]):
    """The smallest simulator: what a new upstream's first slice starts from."""

    system = "ping"
    hosts = ("ping.sim",)

    def build_state(self, spec: SeedSpec) -> dict[str, int]:
        return {"pongs": spec.users}

    def summarize(self) -> dict[str, object]:
        return dict(self.state)

    def routes(self) -> list[BaseRoute]:
        async def ping(_: Request) -> Response:
            return JSONResponse({"pong": self.state["pongs"]})

        return [Route("/ping", ping)]


async def test_an_extra_simulator_joins_the_sandbox_by_its_hosts_and_public_url() -> None:
    sims = seeded_simulators(seed=1, users=1, classes=1)
    sims.include(PingSimulator(users=3, public_url="http://ping-eu.sim"))
    with pytest.raises(ValueError, match="already included"):
        sims.include(TimebackSimulator())
    async with httpx.AsyncClient(transport=sims.transport()) as http:
        assert (await http.get("http://ping.sim/ping")).json() == {"pong": 3}
        assert (await http.get("http://ping-eu.sim/ping")).json() == {"pong": 3}
        missing = await http.get("http://ping.sim/nope")
    assert (missing.status_code, missing.json()) == (404, {"error": "Not Found"})
    assert sims["ping"].summarize() == {"pongs": 3}
