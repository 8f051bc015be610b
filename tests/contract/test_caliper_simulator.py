"""The Caliper simulator on the wire: tokens, ingestion jobs, stored events, validation, faults and
an event id sent twice (reference §3.6, §4.8, §9; decision D57)."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from simulators.caliper import CaliperSimulator
from simulators.kit.transport import SimulatorTransport
from simulators.sandbox import SandboxSimulators
from simulators.timeback import TimebackSimulator
from tests.support.caliper_sim import (
    BASE,
    ONE_EDTECH,
    activity_event,
    bearer_client,
    envelope,
    event_id,
    simulator_with_token,
    time_spent_event,
    tool_use_event,
)

TOKEN = "caliper-test-token"
STORED_KEYS = {
    "id",
    "externalId",
    "sensor",
    "type",
    "profile",
    "action",
    "eventTime",
    "sendTime",
    "created_at",
    "updated_at",
    "deleted_at",
    "actor",
    "object",
    "generated",
    "target",
    "referrer",
    "edApp",
    "group",
    "membership",
    "session",
    "federatedSession",
    "extensions",
    "clientAppId",
}


@pytest.fixture
def sim() -> CaliperSimulator:
    return simulator_with_token(TOKEN)


@pytest.fixture
async def api(sim: CaliperSimulator) -> AsyncIterator[httpx.AsyncClient]:
    async with bearer_client(sim, TOKEN) as client:
        yield client


async def send(api: httpx.AsyncClient, *events: dict[str, Any], **kwargs: Any) -> str:
    response = await api.post("/caliper/event", json=envelope(*events, **kwargs))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "success"
    assert isinstance(body["message"], str)
    job_id: str = body["jobId"]
    return job_id


async def job(api: httpx.AsyncClient, job_id: str) -> dict[str, Any]:
    response = await api.get(f"/jobs/{job_id}/status")
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()["job"]
    return found


async def complete(api: httpx.AsyncClient, job_id: str) -> dict[str, Any]:
    for _ in range(3):
        found = await job(api, job_id)
        if found["state"] == "completed":
            return found
    raise AssertionError(f"job {job_id} did not complete: {found}")


# -- tokens -----------------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["basic", "form"])
async def test_standalone_it_issues_tokens_to_the_sandbox_timeback_client(how: str) -> None:
    sim = CaliperSimulator()
    form = {"grant_type": "client_credentials"}
    headers = {}
    if how == "basic":
        headers["Authorization"] = (
            "Basic " + base64.b64encode(b"sandbox-client:sandbox-secret").decode()
        )
    else:
        form |= {"client_id": "sandbox-client", "client_secret": "sandbox-secret"}
    async with httpx.AsyncClient(transport=SimulatorTransport(sim.app), base_url=BASE) as http:
        answer = await http.post("/oauth2/token", data=form, headers=headers)
        assert answer.status_code == 200
        token = answer.json()
        assert token["token_type"] == "Bearer"
        assert token["expires_in"] == 3600
        listed = await http.get(
            "/caliper/events", headers={"Authorization": f"Bearer {token['access_token']}"}
        )
        assert listed.status_code == 200


async def test_wrong_credentials_and_missing_or_unknown_tokens_are_refused() -> None:
    sim = CaliperSimulator()
    async with httpx.AsyncClient(transport=SimulatorTransport(sim.app), base_url=BASE) as http:
        bad = await http.post(
            "/oauth2/token",
            data={
                "grant_type": "client_credentials",
                "client_id": "sandbox-client",
                "client_secret": "x",
            },
        )
        assert (bad.status_code, bad.json()) == (401, {"error": "invalid_client"})
        missing = await http.get("/caliper/events")
        assert missing.status_code == 401
        assert missing.json()["status"] == "error"
        unknown = await http.get("/jobs/1/status", headers={"Authorization": "Bearer nope"})
        assert unknown.status_code == 401
        assert "invalid token" in unknown.json()["message"]


async def test_in_a_sandbox_it_accepts_the_token_timebacks_identity_provider_issued() -> None:
    sims = SandboxSimulators()
    sims.include(TimebackSimulator(seed=1, users=5, classes=1))
    sims.include(CaliperSimulator())
    async with httpx.AsyncClient(transport=sims.transport()) as http:
        token = await http.post(
            "http://timeback.sim/oauth2/token",
            data={"grant_type": "client_credentials"},
            auth=("sandbox-client", "sandbox-secret"),
        )
        bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}
        listed = await http.get(f"{BASE}/caliper/events", headers=bearer)
    assert listed.status_code == 200
    assert listed.json()["pagination"]["total"] == 0


# -- ingestion jobs and stored events --------------------------------------------------------


async def test_a_job_moves_from_waiting_to_active_to_completed_as_it_is_polled(
    sim: CaliperSimulator, api: httpx.AsyncClient
) -> None:
    first, second = activity_event(), time_spent_event()
    job_id = await send(api, first, second)
    assert sim.state.jobs[job_id].state == "waiting"
    active = await job(api, job_id)
    assert (active["id"], active["state"], active["returnValue"]) == (job_id, "active", None)
    assert active["processedOn"] is not None
    # nothing is stored before the job completes
    assert (await api.get("/caliper/events")).json()["pagination"]["total"] == 0
    done = await job(api, job_id)
    assert done["state"] == "completed"
    results = done["returnValue"]["results"]
    assert done["returnValue"]["status"] == "success"
    assert [r["externalId"] for r in results] == [first["id"], second["id"]]
    assert [r["allocatedId"] for r in results] == ["1", "2"]
    assert (await job(api, job_id)) == done  # a finished job stays as it is


async def test_a_job_completes_with_simulator_time_even_if_nobody_polls(
    sim: CaliperSimulator, api: httpx.AsyncClient
) -> None:
    event = activity_event()
    job_id = await send(api, event)
    sim.clock.advance(1)
    assert sim.summarize()["jobs"] == {"waiting": 0, "active": 1, "completed": 0, "failed": 0}
    sim.clock.advance(1)
    got = await api.get(f"/caliper/events/{event['id']}")
    assert got.status_code == 200
    assert sim.state.jobs[job_id].state == "completed"


async def test_a_stored_event_has_timebacks_stored_shape(
    sim: CaliperSimulator, api: httpx.AsyncClient
) -> None:
    event = activity_event()
    event["extensions"] = {"lesson": 3}
    job_id = await send(api, event, sensor="https://app.example/sensors/9")
    await complete(api, job_id)
    stored = (await api.get(f"/caliper/events/{event['id']}")).json()["event"]
    assert set(stored) == STORED_KEYS
    assert stored["id"] == 1
    assert stored["externalId"] == event["id"]
    assert stored["sensor"] == "https://app.example/sensors/9"
    assert stored["sendTime"] == envelope(event)["sendTime"]
    for key in (
        "type",
        "profile",
        "action",
        "eventTime",
        "actor",
        "object",
        "generated",
        "extensions",
    ):
        assert stored[key] == event[key], key
    assert stored["edApp"] is None
    assert stored["deleted_at"] is None
    assert stored["created_at"] == stored["updated_at"]
    assert stored["clientAppId"] == "sandbox-client"
    listed = (await api.get("/caliper/events")).json()
    assert listed["events"] == [stored]
    assert listed["pagination"] == {"total": 1, "totalPages": 1, "currentPage": 1, "limit": 100}
    assert (listed["status"], isinstance(listed["message"], str)) == ("success", True)


async def test_entities_beside_events_are_checked_but_not_stored_as_events(
    api: httpx.AsyncClient,
) -> None:
    person = {"id": "https://example.edu/users/1", "type": "Person", "name": "Ada"}
    event = tool_use_event()
    done = await complete(api, await send(api, person, event))
    assert [r["externalId"] for r in done["returnValue"]["results"]] == [event["id"]]


async def test_unknown_events_and_jobs_are_404_in_calipers_shape(api: httpx.AsyncClient) -> None:
    for path in (f"/caliper/events/{event_id()}", "/jobs/999/status"):
        response = await api.get(path)
        assert response.status_code == 404
        assert response.json()["status"] == "error"


async def test_the_list_filters_and_pages(api: httpx.AsyncClient) -> None:
    ada = [activity_event(when=f"2025-07-0{d}T10:00:00Z") for d in range(1, 6)]
    bob = activity_event(user="u-2", email="bob@example.edu", when="2025-07-03T12:00:00Z")
    other = tool_use_event(actor="https://example.edu/users/7")
    await complete(api, await send(api, *ada, bob))
    await complete(api, await send(api, other, sensor="https://other.example/s"))

    async def ids(**params: Any) -> list[str]:
        body = (await api.get("/caliper/events", params=params)).json()
        return [e["externalId"] for e in body["events"]]

    assert await ids(sensor="https://other.example/s") == [other["id"]]
    assert await ids(actorEmail="bob@example.edu") == [bob["id"]]
    assert await ids(actorId=ada[0]["actor"]["id"]) == [e["id"] for e in ada]
    assert await ids(actorId="https://example.edu/users/7") == [other["id"]]
    window = await ids(startDate="2025-07-02", endDate="2025-07-03T23:59:59Z")
    assert window == [ada[1]["id"], ada[2]["id"], bob["id"]]
    page = (await api.get("/caliper/events", params={"limit": 2, "offset": 4})).json()
    assert [e["externalId"] for e in page["events"]] == [ada[4]["id"], bob["id"]]
    assert page["pagination"] == {"total": 7, "totalPages": 4, "currentPage": 3, "limit": 2}


@pytest.mark.parametrize(
    "params", [{"limit": "0"}, {"limit": "abc"}, {"offset": "-1"}, {"startDate": "yesterday"}]
)
async def test_bad_list_parameters_are_400(api: httpx.AsyncClient, params: dict[str, str]) -> None:
    response = await api.get("/caliper/events", params=params)
    assert response.status_code == 400
    assert response.json()["status"] == "error"


# -- validation -------------------------------------------------------------------------------


async def test_an_invalid_envelope_is_400_naming_every_problem_by_path_and_event(
    sim: CaliperSimulator, api: httpx.AsyncClient
) -> None:
    good = activity_event()
    wrong_action = activity_event()
    wrong_action["action"] = "Started"
    bad_user = time_spent_event()
    bad_user["actor"] = {"id": "not an iri", "type": "TimebackUser", "email": "nobody"}
    bad_user["generated"]["items"][0] = {"type": "idle", "value": "10"}
    body = envelope(good, wrong_action, bad_user)
    body["dataVersion"] = "http://purl.imsglobal.org/ctx/caliper/v1p1"
    response = await api.post("/caliper/event", json=body)
    assert response.status_code == 400
    answer = response.json()
    assert answer["status"] == "error"
    problems = {(e["path"], e.get("eventId")) for e in answer["errors"]}
    assert problems == {
        ("dataVersion", None),
        ("data[1].action", wrong_action["id"]),
        ("data[2].actor.id", bad_user["id"]),
        ("data[2].actor.email", bad_user["id"]),
        ("data[2].generated.items[0].type", bad_user["id"]),
        ("data[2].generated.items[0].value", bad_user["id"]),
    }
    assert all(e["message"] for e in answer["errors"])
    assert sim.state.jobs == {}  # nothing queued, not even the good event


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (lambda e: e.pop("actor"), "data[0].actor"),
        (lambda e: e.update(id="c51570e4-f8ed-4c18-bb3a-dfe51b2cc594"), "data[0].id"),
        (lambda e: e.update(id="urn:uuid:not-a-uuid"), "data[0].id"),
        (lambda e: e.update(eventTime="2025-07-22T21:27:15"), "data[0].eventTime"),
        (lambda e: e.update(type="DanceEvent"), "data[0].type"),
        (lambda e: e.update(profile="ToolUseProfile"), "data[0].profile"),
        (lambda e: e.update(profile="MadeUpProfile"), "data[0].profile"),
        (lambda e: e.update(colour="red"), "data[0].colour"),
        (lambda e: e.update(extensions=[1]), "data[0].extensions"),
        (lambda e: e.update(edApp=7), "data[0].edApp"),
        (lambda e: e.pop("generated"), "data[0].generated"),
        (lambda e: e["object"].update(subject="Chemistry"), "data[0].object.subject"),
        (lambda e: e["object"].pop("app"), "data[0].object.app"),
        (lambda e: e["object"]["activity"].pop("name"), "data[0].object.activity.name"),
        (lambda e: e["actor"].update(role="parent"), "data[0].actor.role"),
        (
            lambda e: e["generated"].update(type="AggregateMeasureCollection"),
            "data[0].generated.type",
        ),
        (
            lambda e: e["generated"]["items"][0].update(value=True),
            "data[0].generated.items[0].value",
        ),
    ],
)
async def test_each_rule_of_the_spec_is_checked(
    api: httpx.AsyncClient, change: Any, path: str
) -> None:
    event = activity_event()
    change(event)
    response = await api.post("/caliper/event", json=envelope(event))
    assert response.status_code == 400
    assert path in {e["path"] for e in response.json()["errors"]}


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"sensor": "s", "sendTime": "x", "dataVersion": "v", "data": []}, "sensor"),
        ({"sensor": "https://a.example", "dataVersion": "v", "data": [1]}, "sendTime"),
        ({"sensor": "https://a.example", "sendTime": "2025-01-01T00:00:00Z"}, "data"),
        ([1, 2], "$"),
    ],
)
async def test_envelope_rules(api: httpx.AsyncClient, body: object, path: str) -> None:
    response = await api.post("/caliper/event", json=body)
    assert response.status_code == 400
    assert path in {e["path"] for e in response.json()["errors"]}


@pytest.mark.parametrize("raw", [b"{not json", b"\xff\xfe", b"[" * 100_000 + b"]" * 100_000])
async def test_a_body_that_is_not_json_is_400(api: httpx.AsyncClient, raw: bytes) -> None:
    for route in ("/caliper/event", "/caliper/event/validate"):
        response = await api.post(route, content=raw, headers={"Content-Type": "application/json"})
        assert response.status_code == 400
        assert response.json()["status"] == "error"


async def test_validate_answers_a_verdict_and_stores_nothing(
    sim: CaliperSimulator, api: httpx.AsyncClient
) -> None:
    good = await api.post("/caliper/event/validate", json=envelope(activity_event()))
    assert (good.status_code, good.json()["status"]) == (200, "success")
    broken = activity_event()
    broken.pop("eventTime")
    bad = await api.post("/caliper/event/validate", json=envelope(broken))
    # reference §9: what timeback-caliper's validate() parses, not the spec's 400
    assert (bad.status_code, bad.json()["status"]) == (200, "error")
    assert bad.json()["errors"] == [
        {"path": "data[0].eventTime", "message": "is required", "eventId": broken["id"]}
    ]
    assert sim.state.jobs == {}
    assert sim.store_counts() == {}


async def test_the_generic_event_of_timebacks_own_example_needs_no_profile(
    api: httpx.AsyncClient,
) -> None:
    event = {
        "id": event_id(),
        "type": "Event",
        "actor": "https://example.edu/users/554433",
        "action": "Created",
        "object": "https://example.edu/terms/201801/courses/7/sections/1/assignments/1",
        "eventTime": "2023-08-15T14:12:00.000Z",
    }
    await complete(api, await send(api, event))
    event["action"] = "Danced"
    refused = await api.post("/caliper/event", json=envelope(event))
    assert [e["path"] for e in refused.json()["errors"]] == ["data[0].action"]


@pytest.mark.skipif(not ONE_EDTECH.exists(), reason="1EdTech's Caliper fixtures missing")
async def test_1edtechs_envelopes_and_events_are_accepted(api: httpx.AsyncClient) -> None:
    """Every envelope and event example of Caliper 1.2 but one: an inline JSON-LD ``@context``
    object, which TimeBack's Event schema types as a string (D58)."""
    refused: dict[str, list[str]] = {}
    accepted = 0
    for path in sorted(ONE_EDTECH.glob("*.json")):
        try:
            fixture = json.loads(path.read_text())
        except ValueError:
            continue  # the malformed-on-purpose files are the domain validator's concern
        if not isinstance(fixture, dict):
            continue
        if "sensor" in fixture and "data" in fixture:
            body = fixture
        elif str(fixture.get("type", "")).endswith("Event"):
            body = envelope(fixture)
        else:
            continue  # a bare entity or a configuration payload
        response = await api.post("/caliper/event/validate", json=body)
        if response.json()["status"] == "success":
            accepted += 1
        else:
            refused[path.name] = [e["path"] for e in response.json()["errors"]]
    assert refused == {"caliperEventMessagePostedInlineContext.json": ["data[0].@context"]}
    assert accepted == 43


# -- an event id sent twice (D57) -------------------------------------------------------------


async def test_an_event_sent_twice_is_stored_twice_and_counted(
    sim: CaliperSimulator, api: httpx.AsyncClient
) -> None:
    event, other = activity_event(), activity_event()
    first = await complete(api, await send(api, event, other))
    again = await complete(api, await send(api, event))
    assert first["returnValue"]["results"][0]["allocatedId"] == "1"
    assert again["returnValue"]["results"] == [{"allocatedId": "3", "externalId": event["id"]}]
    assert sim.store_counts() == {event["id"]: 2, other["id"]: 1}
    # a get by event id answers the first copy; the list shows both
    assert (await api.get(f"/caliper/events/{event['id']}")).json()["event"]["id"] == 1
    assert (await api.get("/caliper/events")).json()["pagination"]["total"] == 3
    stored = (await api.get("/_sim/caliper/stored", params={"duplicates": "true"})).json()
    assert stored == {"rows": 3, "distinct": 2, "duplicated": 1, "counts": {event["id"]: 2}}
    assert sim.describe()["state"] == {
        "events": 3,
        "distinct_events": 2,
        "duplicated_events": 1,
        "jobs": {"waiting": 0, "active": 0, "completed": 2, "failed": 0},
    }


# -- faults -----------------------------------------------------------------------------------


async def test_scripted_failures_answer_in_calipers_shape(
    sim: CaliperSimulator, api: httpx.AsyncClient
) -> None:
    sim.fail_next(503, path="/caliper/event")
    failed = await api.post("/caliper/event", json=envelope(activity_event()))
    assert (failed.status_code, failed.json()["status"]) == (503, "error")
    assert sim.state.jobs == {}
    assert (await api.post("/caliper/event", json=envelope(activity_event()))).status_code == 200


async def test_a_rate_limit_answers_429_with_retry_after(
    sim: CaliperSimulator, api: httpx.AsyncClient
) -> None:
    sim.faults.set_rate_limit(1)
    statuses = [(await api.get("/caliper/events")) for _ in range(3)]
    throttled = [r for r in statuses if r.status_code == 429]
    assert throttled
    assert all(r.headers["Retry-After"] == "1" for r in throttled)


async def test_a_seeded_share_of_calls_fails_at_random(
    sim: CaliperSimulator, api: httpx.AsyncClient
) -> None:
    sim.faults.set_chaos(0.3, seed=7, kinds=("error", "throttle"))
    statuses = [(await api.get("/caliper/events")).status_code for _ in range(200)]
    failed = sum(1 for s in statuses if s >= 429)
    assert failed == sum(sim.faults.chaos_injected().values())
    assert 30 <= failed <= 90  # about 30% of 200, reproducibly for the seed
    assert set(statuses) <= {200, 429, 500, 502, 503}


async def test_a_lost_reply_still_queues_the_job(
    sim: CaliperSimulator, api: httpx.AsyncClient
) -> None:
    sim.faults.set_chaos(1.0, seed=1, kinds=("lost_reply",), path="/caliper/event")
    event = activity_event()
    lost = await api.post("/caliper/event", json=envelope(event))
    assert lost.status_code == 502
    sim.faults.set_chaos(None)
    sim.clock.advance(2)
    assert sim.store_counts() == {event["id"]: 1}


async def test_a_scripted_job_failure_stores_nothing_and_says_why(
    sim: CaliperSimulator, api: httpx.AsyncClient
) -> None:
    scripted = await api.post("/_sim/caliper/jobs", json={"fail": 1, "reason": "database is down"})
    assert scripted.status_code == 201
    failed_id = await send(api, activity_event())
    ok_id = await send(api, activity_event())
    await job(api, failed_id)
    failed = await job(api, failed_id)
    assert failed["state"] == "failed"
    assert failed["failedReason"] == "database is down"
    assert failed["returnValue"] == {"status": "error", "results": []}
    assert (await complete(api, ok_id))["state"] == "completed"
    assert sum(sim.store_counts().values()) == 1


async def test_the_job_step_is_tunable_and_reset_clears_everything(
    sim: CaliperSimulator, api: httpx.AsyncClient
) -> None:
    await api.post("/_sim/caliper/jobs", json={"step_seconds": 0})
    event = activity_event()
    await send(api, event)
    assert sim.store_counts() == {event["id"]: 1}  # finished at once
    sim.fail_next_jobs(2)
    sim.reset()
    assert sim.state.job_failures == []
    assert sim.store_counts() == {}
    assert (await api.post("/_sim/caliper/jobs", json={"step_seconds": -1})).status_code == 422
