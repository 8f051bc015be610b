"""Timesheet integration routes on SQLite and PostgreSQL, with an in-memory tracker registered in
the running app (and once against the sandbox's Zoho simulator): connect, callback, list, test,
project search, disconnect; sealed and expiring state; reconnect-needed; partial failures."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from asgi_lifespan import LifespanManager

from api.app import create_app
from api.composition import Container
from api.settings import Settings, TimesheetIntegrationSettings
from domain.models.identity import NewAccount
from simulators.zoho import ZohoSimulator
from tests.conftest import login, make_settings
from tests.fakes.tracker_plugin import (
    FAKE_KIND,
    FakeAuth,
    FakeTracker,
    connect_via_api,
    fake_plugin,
    state_of,
)
from tests.support.sandbox import simulator

BASE = "/v1/timesheets/integrations"


@dataclass
class Bff:
    http: httpx.AsyncClient
    container: Container
    auth: FakeAuth
    tracker: FakeTracker


async def running_bff(settings: Settings) -> AsyncIterator[Bff]:
    app = create_app(settings)
    async with LifespanManager(app, startup_timeout=60, shutdown_timeout=30) as manager:
        container: Container = manager._state["container"]
        auth, tracker = FakeAuth(), FakeTracker()
        container.trackers[FAKE_KIND] = fake_plugin(auth=auth, tracker=tracker)
        transport = httpx.ASGITransport(app=manager.app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://bff.test") as http:
            yield Bff(http, container, auth, tracker)


@pytest.fixture
async def bff(settings: Settings) -> AsyncIterator[Bff]:
    async for running in running_bff(settings):
        yield running


@pytest.fixture
async def teacher(bff: Bff, demo: dict[str, NewAccount]) -> dict[str, str]:
    """A caller with no integration yet (the sandbox connects the demo *teacher* to Zoho)."""
    return await login(bff.http, demo["staff"].email)


async def test_connect_list_test_search_disconnect(bff: Bff, teacher: dict[str, str]) -> None:
    kinds = (await bff.http.get(f"{BASE}/kinds", headers=teacher)).json()["items"]
    assert {"kind": FAKE_KIND, "label": "Fake Tracker", "project_noun": "project",
            "data_centres": ["com", "eu"]} in kinds  # fmt: skip

    integration = await connect_via_api(bff.http, teacher)
    assert integration["status"] == "connected"
    assert integration["workspace_id"] == "ws-1"
    assert "refresh" not in json.dumps(integration).lower()

    listed = (await bff.http.get(BASE, headers=teacher)).json()["items"]
    assert [i["id"] for i in listed] == [integration["id"]]
    got = await bff.http.get(f"{BASE}/{integration['id']}", headers=teacher)
    assert got.json() == integration

    tested = await bff.http.post(f"{BASE}/{integration['id']}/test", headers=teacher)
    assert tested.json() == {"ok": True, "status": "connected", "projects": 3, "error": None}

    found = await bff.http.get(
        "/v1/timesheets/projects", params={"query": "timesheet", "limit": 5}, headers=teacher
    )
    assert found.status_code == 200, found.text
    body = found.json()
    assert body["errors"] == []
    assert body["projects"][0] == {
        "integration_id": integration["id"],
        "project_id": "p-1",
        "name": "Zoho Timesheet",
        "detail": "",
        "score": body["projects"][0]["score"],
    }

    gone = await bff.http.delete(f"{BASE}/{integration['id']}", headers=teacher)
    assert gone.status_code == 204
    assert bff.auth.revoked == ["rt-1"]
    assert (await bff.http.get(BASE, headers=teacher)).json()["items"] == []
    missing = await bff.http.get(f"{BASE}/{integration['id']}", headers=teacher)
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"


async def test_forged_expired_and_refused_callbacks_are_problems(
    bff: Bff, teacher: dict[str, str], demo: dict[str, NewAccount]
) -> None:
    callback = f"{BASE}/callback"
    # the state is the callback's only credential: a bad one is a 401
    forged = await bff.http.get(callback, params={"code": "c", "state": "forged"})
    assert forged.status_code == 401
    assert forged.headers["content-type"] == "application/problem+json"

    me = (await bff.http.get("/v1/me", headers=teacher)).json()
    expired_state = bff.container.cipher.encrypt(
        json.dumps(
            {
                "a": me["id"],
                "k": FAKE_KIND,
                "dc": "com",
                "w": None,
                "n": "x",
                "exp": time.time() - 1,
            }
        ).encode()
    )
    expired = await bff.http.get(callback, params={"code": "c", "state": expired_state})
    assert expired.status_code == 401
    assert "expired" in expired.json()["detail"]

    started = await bff.http.post(
        f"{BASE}/connect", json={"kind": FAKE_KIND, "data_centre": "com"}, headers=teacher
    )
    state = state_of(started.json()["authorization_url"])
    denied = await bff.http.get(callback, params={"error": "access_denied", "state": state})
    assert denied.status_code == 403
    assert (await bff.http.get(callback, params={"state": state})).status_code == 403
    refused = await bff.http.get(callback, params={"code": "bad-code", "state": state})
    assert refused.status_code == 409  # reconnect needed: start again
    assert (await bff.http.get(callback)).status_code == 422  # no state at all

    unknown = await bff.http.post(
        f"{BASE}/connect", json={"kind": "nope", "data_centre": "com"}, headers=teacher
    )
    assert unknown.status_code == 404
    assert (await bff.http.get(BASE, headers=teacher)).json()["items"] == []


async def test_reconnect_needed_is_shown_and_reconnecting_clears_it(
    bff: Bff, teacher: dict[str, str]
) -> None:
    integration = await connect_via_api(bff.http, teacher)
    bff.auth.refuse_all = True
    tested = (await bff.http.post(f"{BASE}/{integration['id']}/test", headers=teacher)).json()
    assert tested["ok"] is False
    assert tested["status"] == "reconnect_needed"
    [listed] = (await bff.http.get(BASE, headers=teacher)).json()["items"]
    assert listed["status"] == "reconnect_needed"
    assert listed["last_error"] == "invalid_code"
    search = (await bff.http.get("/v1/timesheets/projects", headers=teacher)).json()
    assert search == {"projects": [], "errors": [
        {"integration_id": integration["id"], "detail": "invalid_code"}]}  # fmt: skip

    bff.auth.refuse_all = False
    again = await connect_via_api(bff.http, teacher)
    assert again["id"] == integration["id"]
    assert again["status"] == "connected"


async def test_one_failing_integration_does_not_sink_the_search(
    bff: Bff, teacher: dict[str, str]
) -> None:
    broken = FakeTracker(failing=True)
    bff.container.trackers["fake_down"] = fake_plugin("fake_down", tracker=broken)
    good = await connect_via_api(bff.http, teacher)
    bad = await connect_via_api(bff.http, teacher, kind="fake_down")
    found = (
        await bff.http.get("/v1/timesheets/projects", params={"query": "payroll"}, headers=teacher)
    ).json()
    assert [(p["integration_id"], p["project_id"]) for p in found["projects"]] == [
        (good["id"], "p-3")
    ]
    assert found["errors"] == [{"integration_id": bad["id"], "detail": "the tracker answered 503"}]


async def test_someone_elses_integration_is_not_found(
    bff: Bff, teacher: dict[str, str], demo: dict[str, NewAccount]
) -> None:
    integration = await connect_via_api(bff.http, teacher)
    student = await login(bff.http, demo["student"].email)
    admin = await login(bff.http, demo["admin"].email)
    for method in ("GET", "DELETE"):
        other = await bff.http.request(method, f"{BASE}/{integration['id']}", headers=student)
        assert other.status_code == 404
    assert (await bff.http.get(BASE, headers=student)).json()["items"] == []
    assert (await bff.http.get(f"{BASE}/{integration['id']}", headers=admin)).status_code == 200
    assert (await bff.http.get(BASE)).status_code == 401


async def test_callback_redirects_to_the_front_end_when_configured(
    db_url: str, demo: dict[str, NewAccount]
) -> None:
    settings = make_settings(
        db_url,
        integrations=TimesheetIntegrationSettings(return_url="https://app.test/settings?tab=t"),
    )
    async for bff in running_bff(settings):
        teacher = await login(bff.http, demo["staff"].email)
        started = await bff.http.post(
            f"{BASE}/connect", json={"kind": FAKE_KIND, "data_centre": "com"}, headers=teacher
        )
        state = state_of(started.json()["authorization_url"])
        ok = await bff.http.get(f"{BASE}/callback", params={"code": "c", "state": state})
        assert ok.status_code == 303
        target = urlsplit(ok.headers["location"])
        assert (target.netloc, target.path) == ("app.test", "/settings")
        query = parse_qs(target.query)
        assert query["tab"] == ["t"]
        assert query["status"] == ["connected"]
        assert query["integration_id"] == [
            (await bff.http.get(BASE, headers=teacher)).json()["items"][0]["id"]
        ]
        bad = await bff.http.get(f"{BASE}/callback", params={"code": "c", "state": "forged"})
        assert bad.status_code == 303
        assert "error" in parse_qs(urlsplit(bad.headers["location"]).query)


async def test_connect_zoho_projects_through_the_sandbox_simulator(
    bff: Bff, teacher: dict[str, str]
) -> None:
    """The real Zoho plugin, OAuth code grant included, against the in-process simulator."""
    kinds = {
        k["kind"] for k in (await bff.http.get(f"{BASE}/kinds", headers=teacher)).json()["items"]
    }
    assert {"zoho_projects", "zoho_desk"} <= kinds
    started = await bff.http.post(
        f"{BASE}/connect", json={"kind": "zoho_projects", "data_centre": "com"}, headers=teacher
    )
    assert started.status_code == 200, started.text
    authorize = urlsplit(started.json()["authorization_url"])
    # sandbox mode: Zoho's consent page under the BFF's own origin, where a browser reaches it
    assert authorize.netloc == "bff.test"
    assert authorize.path == "/_sandbox/upstreams/accounts.zoho.sim/oauth/v2/auth"
    approved = await bff.http.get(f"{authorize.path}?{authorize.query}")
    assert approved.status_code == 302, approved.text
    back = urlsplit(approved.headers["location"])
    # the callback as this request reached the BFF, not the configured port-8000 one
    assert f"{back.scheme}://{back.netloc}{back.path}" == f"http://bff.test{BASE}/callback"
    done = await bff.http.get(f"{BASE}/callback?{back.query}")
    assert done.status_code == 200, done.text
    integration: dict[str, Any] = done.json()
    assert integration["kind"] == "zoho_projects"
    assert integration["status"] == "connected"

    tested = (await bff.http.post(f"{BASE}/{integration['id']}/test", headers=teacher)).json()
    assert tested["ok"] is True, tested
    found = (await bff.http.get("/v1/timesheets/projects", headers=teacher)).json()
    assert found["errors"] == []
    assert found["projects"]
    assert {p["integration_id"] for p in found["projects"]} == {integration["id"]}


async def test_the_sandbox_connects_the_demo_teacher_to_zoho_projects(
    bff: Bff, demo: dict[str, NewAccount]
) -> None:
    headers = await login(bff.http, demo["teacher"].email)
    [integration] = (await bff.http.get(BASE, headers=headers)).json()["items"]
    assert integration["kind"] == "zoho_projects"
    assert integration["status"] == "connected"
    found = (await bff.http.get("/v1/timesheets/projects", headers=headers)).json()
    assert found["errors"] == []
    assert found["projects"]


@pytest.mark.parametrize("seconds", [2, 10, 29])
async def test_a_short_log_reaches_zoho_as_one_minute(
    bff: Bff, demo: dict[str, NewAccount], seconds: int
) -> None:
    """Zoho refuses a 00:00 entry ("Pattern Specified: hours"): a log under 30 s rounded to zero and
    ended failed_permanent. It is pushed as one increment now, and the API says so up front."""
    headers = await login(bff.http, demo["teacher"].email)
    [integration] = (await bff.http.get(BASE, headers=headers)).json()["items"]
    project = (await bff.http.get("/v1/timesheets/projects", headers=headers)).json()["projects"][0]
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    created = await bff.http.post(
        "/v1/timesheets/logs",
        json={
            "project": {"integration_id": integration["id"], "project_id": project["project_id"]},
            "task": "Marking",
            "start": start.isoformat(),
            "end": (start + timedelta(seconds=seconds)).isoformat(),
        },
        headers=headers,
    )
    assert created.status_code == 201, created.text
    assert created.json()["pushed_minutes"] == 1
    log_id = created.json()["id"]
    for _ in range(200):  # the in-process job runner may hold the log's lease meanwhile
        await bff.container.time_log_sync().push(log_id)
        synced = (await bff.http.get(f"/v1/timesheets/logs/{log_id}", headers=headers)).json()
        if synced["sync_state"] != "pending":
            break
        await asyncio.sleep(0.02)
    assert synced["sync_state"] == "synced", synced["last_error"]
    zoho = simulator(bff.container, "zoho", ZohoSimulator)
    [upstream] = zoho.state.logs_tagged(log_id)
    assert upstream.minutes == 1
