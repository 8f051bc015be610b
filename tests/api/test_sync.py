"""Roster sync over HTTP: start a run, watch it finish, follow the change feed."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from adapters.jobs.procrastinate_runner import ProcrastinateJobRunner
from api import composition
from api.settings import Settings
from tests.conftest import login


async def drain_worker(settings: Settings) -> None:
    """On PostgreSQL the API only enqueues; this is what `bff worker` does with the queue."""
    if settings.jobs_backend != "procrastinate":
        return
    async with composition.running(settings, run_jobs=False, apply_migrations=False) as worker:
        assert isinstance(worker.jobs, ProcrastinateJobRunner)
        await worker.jobs.run_worker(install_signal_handlers=False, drain=True)


async def wait_for_run(
    client: httpx.AsyncClient, run_id: str, headers: dict[str, str]
) -> dict[str, Any]:
    for _ in range(400):
        run: dict[str, Any] = (await client.get(f"/v1/sync/runs/{run_id}", headers=headers)).json()
        if run["status"] in {"succeeded", "failed"}:
            return run
        await asyncio.sleep(0.05)
    raise AssertionError(f"run {run_id} did not finish: {run}")


async def test_a_full_sync_fills_the_cache_and_the_change_feed(
    client: httpx.AsyncClient, admin_headers: dict[str, str], settings: Settings
) -> None:
    started = await client.post("/v1/sync/runs", json={"kind": "full"}, headers=admin_headers)
    assert started.status_code == 202
    assert started.json()["status"] == "pending"
    await drain_worker(settings)
    run = await wait_for_run(client, started.json()["id"], admin_headers)
    assert run["status"] == "succeeded", run
    users = next(e for e in run["entities"] if e["entity"] == "users")
    assert users["status"] == "succeeded"
    assert users["rows"] > 0
    assert users["pages_done"] == users["pages_total"]

    listed = (await client.get("/v1/sync/runs", headers=admin_headers)).json()
    assert started.json()["id"] in [r["id"] for r in listed["items"]]

    first = (
        await client.get("/v1/roster/changes", params={"limit": 50}, headers=admin_headers)
    ).json()
    assert len(first["changes"]) == 50
    assert all(c["op"] == "upsert" for c in first["changes"])
    cursors = [c["cursor"] for c in first["changes"]]
    assert cursors == sorted(cursors)
    after = (
        await client.get(
            "/v1/roster/changes",
            params={"cursor": first["next_cursor"], "limit": 50},
            headers=admin_headers,
        )
    ).json()
    assert after["changes"][0]["cursor"] > cursors[-1]


async def test_only_admins_start_a_sync(client: httpx.AsyncClient, demo: dict[str, Any]) -> None:
    staff = await login(client, demo["staff"].email)
    refused = await client.post("/v1/sync/runs", json={"kind": "full"}, headers=staff)
    assert refused.status_code == 403
    assert (await client.get("/v1/sync/runs", headers=staff)).status_code == 200
    teacher = await login(client, demo["teacher"].email)
    assert (await client.get("/v1/roster/changes", headers=teacher)).status_code == 403
    bad = await client.post("/v1/sync/runs", json={"kind": "sometimes"}, headers=staff)
    assert bad.status_code == 422
