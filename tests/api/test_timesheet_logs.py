"""Time-log routes end to end on SQLite and PostgreSQL, with an in-memory tracker registered in the
container in place of Zoho: CRUD, Idempotency-Key, the 422s, timers, export, sync states, scope."""

from __future__ import annotations

import asyncio
import csv
import io
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager

from api.app import create_app
from api.composition import Container
from api.settings import Settings
from domain.models.identity import NewAccount
from domain.models.timesheets import Integration, IntegrationStatus, SyncState
from tests.conftest import login
from tests.fakes.time_tracker import FakeTimeTracker, Fault, fake_plugin

KIND = "fake-f1"
LOGS = "/v1/timesheets/logs"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@dataclass
class Bff:
    http: httpx.AsyncClient
    container: Container
    tracker: FakeTimeTracker
    headers: dict[str, dict[str, str]]
    accounts: dict[str, str]

    async def integration(
        self, role: str, *, status: IntegrationStatus = IntegrationStatus.CONNECTED
    ) -> str:
        integration_id = uuid.uuid4().hex
        async with self.container.uow() as uow:
            await uow.integrations.add(
                Integration(
                    id=integration_id,
                    account_id=self.accounts[role],
                    kind=KIND,
                    name=f"{role}'s portal",
                    data_centre="com",
                    workspace_id=f"ws-{integration_id[:8]}",
                    time_zone="Europe/London",
                    sealed_refresh_token=self.container.cipher.encrypt(b"refresh"),
                    status=status,
                    created_at=T0,
                    updated_at=T0,
                )
            )
            await uow.commit()
        return integration_id

    async def settle(self, log_id: str) -> dict[str, Any] | None:
        """Push until the log rests (the in-process runner may be pushing it too)."""
        sync = self.container.time_log_sync()
        for _ in range(200):
            await sync.push(log_id)
            async with self.container.uow() as uow:
                log = await uow.time_logs.get(log_id)
            if log is None:
                return None
            if log.sync_state not in {SyncState.PENDING, SyncState.DELETING}:
                got = await self.http.get(f"{LOGS}/{log_id}", headers=self.headers["admin"])
                body: dict[str, Any] = got.json()
                return body
            await asyncio.sleep(0.02)
        raise AssertionError(f"log {log_id} never settled")


@pytest.fixture
async def bff(settings: Settings, demo: dict[str, NewAccount]) -> AsyncIterator[Bff]:
    app = create_app(settings)
    async with LifespanManager(app, startup_timeout=60, shutdown_timeout=30) as manager:
        container: Container = manager._state["container"]
        tracker = FakeTimeTracker()
        container.trackers[KIND] = fake_plugin(tracker, kind=KIND)
        transport = httpx.ASGITransport(app=manager.app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://bff.test") as http:
            headers = {
                r: await login(http, demo[r].email)
                for r in ("admin", "staff", "teacher", "student")
            }
            accounts = {
                r: (await http.get("/v1/me", headers=h)).json()["id"] for r, h in headers.items()
            }
            yield Bff(http, container, tracker, headers, accounts)


def body(integration_id: str | None, hours_ago: float = 3, **extra: Any) -> dict[str, Any]:
    start = T0 - timedelta(hours=hours_ago)
    out: dict[str, Any] = {
        "task": "Review",
        "start": start.isoformat(),
        "end": (start + timedelta(hours=1)).isoformat(),
        "billable": False,
        "notes": "weekly",
    }
    if integration_id:
        out["project"] = {"integration_id": integration_id, "project_id": "170876000004061003"}
    return out | extra


async def test_a_log_round_trips_syncs_updates_and_deletes(bff: Bff) -> None:
    me = bff.headers["student"]
    integration = await bff.integration("student")
    created = await bff.http.post(LOGS, json=body(integration), headers=me)
    assert created.status_code == 201, created.text
    log = created.json()
    assert log["project"] == {"integration_id": integration, "project_id": "170876000004061003"}
    assert (log["billable"], log["notes"], log["task"]) == (False, "weekly", "Review")
    assert log["duration_seconds"] == 3600
    assert log["sync_state"] == "pending"
    assert log["running"] is False

    synced = await bff.settle(log["id"])
    assert synced is not None
    assert synced["sync_state"] == "synced"
    [copy] = bff.tracker.tagged(log["id"])
    assert synced["upstream_id"] == copy.id
    assert copy.entry.billable is False  # non-billable logs sync too

    listed = (await bff.http.get(LOGS, headers=me)).json()
    assert [i["id"] for i in listed["items"]] == [log["id"]]
    assert listed["total"] == 1

    patched = await bff.http.patch(f"{LOGS}/{log['id']}", json={"notes": "edited"}, headers=me)
    assert patched.status_code == 200, patched.text
    assert patched.json()["sync_state"] == "pending"
    assert patched.json()["billable"] is False
    await bff.settle(log["id"])
    assert bff.tracker.tagged(log["id"])[0].entry.notes == "edited"

    unset = await bff.http.patch(f"{LOGS}/{log['id']}", json={"project": None}, headers=me)
    assert unset.json()["project"] is None
    local = await bff.settle(log["id"])
    assert local is not None
    assert local["sync_state"] == "local"
    assert local["upstream_id"] is None
    assert bff.tracker.tagged(log["id"]) == []

    await bff.http.patch(
        f"{LOGS}/{log['id']}",
        json={"project": {"integration_id": integration, "project_id": "p-2"}},
        headers=me,
    )
    await bff.settle(log["id"])
    assert len(bff.tracker.tagged(log["id"])) == 1
    deleted = await bff.http.delete(f"{LOGS}/{log['id']}", headers=me)
    assert deleted.status_code == 204
    assert await bff.settle(log["id"]) is None
    assert bff.tracker.tagged(log["id"]) == []
    assert (await bff.http.get(f"{LOGS}/{log['id']}", headers=me)).status_code == 404


async def test_idempotency_key_replays_and_refuses_a_different_body(bff: Bff) -> None:
    me = bff.headers["teacher"]
    key = {"Idempotency-Key": "create-1"}
    first = await bff.http.post(LOGS, json=body(None), headers=me | key)
    again = await bff.http.post(LOGS, json=body(None), headers=me | key)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert (await bff.http.get(LOGS, headers=me)).json()["total"] == 1
    other = await bff.http.post(LOGS, json=body(None, hours_ago=9), headers=me | key)
    assert other.status_code == 422
    assert "Idempotency-Key" in other.json()["detail"]
    # the same key is someone else's own key
    theirs = await bff.http.post(LOGS, json=body(None), headers=bff.headers["student"] | key)
    assert theirs.status_code == 201
    assert theirs.json()["id"] != first.json()["id"]


async def test_bad_logs_get_clear_422s(bff: Bff) -> None:
    me = bff.headers["student"]
    mine = await bff.integration("student")
    theirs = await bff.integration("teacher")
    dead = await bff.integration("student", status=IntegrationStatus.RECONNECT_NEEDED)
    start = T0 - timedelta(hours=30)
    assert (await bff.http.post(LOGS, json=body(mine), headers=me)).status_code == 201
    cases = {
        "must be after": body(mine, 10, end=(T0 - timedelta(hours=11)).isoformat()),
        "at most 24 hours": body(
            None, start=start.isoformat(), end=(start + timedelta(hours=25)).isoformat()
        ),
        "overlaps": body(None, 2.5),
        "of yours": body(theirs, 20),
        "No integration": body("nope", 20),
        "reconnected": body(dead, 20),
    }
    for expected, payload in cases.items():
        response = await bff.http.post(LOGS, json=payload, headers=me)
        assert response.status_code == 422, (expected, response.text)
        assert expected in response.json()["detail"], response.text
    naive = await bff.http.post(LOGS, json=body(None, 40, start="2026-03-01T08:00:00"), headers=me)
    assert naive.status_code == 422
    extra = await bff.http.post(LOGS, json=body(None, 40, colour="red"), headers=me)
    assert extra.status_code == 422


async def test_timers_start_once_stop_and_are_pushed_only_when_stopped(bff: Bff) -> None:
    me = bff.headers["student"]
    integration = await bff.integration("student")
    project = {"integration_id": integration, "project_id": "p-1"}
    started = await bff.http.post(
        "/v1/timesheets/timer/start", json={"project": project, "task": "Focus"}, headers=me
    )
    assert started.status_code == 201, started.text
    timer = started.json()
    assert (timer["running"], timer["end"], timer["sync_state"]) == (True, None, "local")
    again = await bff.http.post("/v1/timesheets/timer/start", json={}, headers=me)
    assert again.status_code == 409
    await bff.settle(timer["id"])
    assert bff.tracker.calls == []  # a running log is never pushed
    stopped = await bff.http.post("/v1/timesheets/timer/stop", headers=me)
    assert stopped.status_code == 200, stopped.text
    assert stopped.json()["id"] == timer["id"]
    assert stopped.json()["end"] is not None
    assert stopped.json()["sync_state"] == "pending"
    assert (await bff.http.post("/v1/timesheets/timer/stop", headers=me)).status_code == 404
    synced = await bff.settle(timer["id"])
    assert synced is not None
    assert synced["sync_state"] == "synced"


async def test_a_refusal_is_shown_and_retry_pushes_again(bff: Bff) -> None:
    me = bff.headers["student"]
    integration = await bff.integration("student")
    bff.tracker.fail_next("create", Fault("rejected", reason="Project is closed"))
    log = (await bff.http.post(LOGS, json=body(integration), headers=me)).json()
    failed = await bff.settle(log["id"])
    assert failed is not None
    assert failed["sync_state"] == "failed_permanent"
    assert "Project is closed" in failed["last_error"]
    states = await bff.http.get(LOGS, params={"state": "failed_permanent"}, headers=me)
    assert [i["id"] for i in states.json()["items"]] == [log["id"]]
    retried = await bff.http.post(f"{LOGS}/{log['id']}/retry", headers=me)
    assert retried.status_code == 200
    assert retried.json()["sync_state"] == "pending"
    synced = await bff.settle(log["id"])
    assert synced is not None
    assert synced["sync_state"] == "synced"


async def test_export_as_csv_and_json_with_totals(bff: Bff) -> None:
    me = bff.headers["student"]
    integration = await bff.integration("student")
    for hours_ago in (30, 28, 3):
        response = await bff.http.post(LOGS, json=body(integration, hours_ago), headers=me)
        assert response.status_code == 201
    await bff.http.post(LOGS, json=body(None, 100), headers=me)  # outside the period
    period = {"from": (T0 - timedelta(hours=48)).isoformat(), "to": T0.isoformat()}
    data = await bff.http.get(LOGS, params=period | {"format": "json"}, headers=me)
    assert data.status_code == 200, data.text
    report = data.json()
    assert len(report["logs"]) == 3
    assert report["total_seconds"] == 3 * 3600
    assert [(d["day"], d["hours"]) for d in report["per_day"]] == [
        ("2026-03-01", 2.0),
        ("2026-03-02", 1.0),
    ]
    assert [p["seconds"] for p in report["per_project"]] == [3 * 3600]
    exported = await bff.http.get(LOGS, params=period | {"format": "csv"}, headers=me)
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [r["record"] for r in rows].count("log") == 3
    assert rows[-1]["record"] == "total"
    assert rows[-1]["hours"] == "3.00"
    bad_zone = await bff.http.get(LOGS, params={"format": "csv", "tz": "Nowhere/Else"}, headers=me)
    assert bad_zone.status_code == 422


async def test_people_see_their_own_logs_staff_their_orgs_admins_all(bff: Bff) -> None:
    teacher_log = (
        await bff.http.post(LOGS, json=body(None), headers=bff.headers["teacher"])
    ).json()
    student_log = (
        await bff.http.post(LOGS, json=body(None), headers=bff.headers["student"])
    ).json()
    url = f"{LOGS}/{teacher_log['id']}"
    assert (await bff.http.get(url, headers=bff.headers["student"])).status_code == 404
    assert (
        await bff.http.patch(url, json={"notes": "x"}, headers=bff.headers["student"])
    ).status_code == 404
    assert (await bff.http.get(url, headers=bff.headers["admin"])).status_code == 200
    # the demo staff member works at the demo teacher's school
    assert (await bff.http.get(url, headers=bff.headers["staff"])).status_code == 200

    def ids(response: httpx.Response) -> set[str]:
        return {i["id"] for i in response.json()["items"]}

    assert ids(await bff.http.get(LOGS, headers=bff.headers["student"])) == {student_log["id"]}
    assert ids(await bff.http.get(LOGS, headers=bff.headers["admin"])) == {
        teacher_log["id"],
        student_log["id"],
    }
    assert teacher_log["id"] in ids(await bff.http.get(LOGS, headers=bff.headers["staff"]))
