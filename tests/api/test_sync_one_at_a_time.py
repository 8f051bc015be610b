"""One roster sync at a time: two API processes asked for a full sync at once ran both, each
writing the whole roster over the other (issue 14). Here two apps (each its own container, job
runner and lock, as two processes would have) share one database."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager

from api.app import create_app
from api.composition import Container
from api.settings import Settings
from simulators.timeback import TimebackSimulator
from tests.api.test_sync import wait_for_run
from tests.conftest import login
from tests.support.sandbox import simulator


@pytest.fixture
async def two_apps(settings: Settings) -> AsyncIterator[list[tuple[httpx.AsyncClient, Container]]]:
    async with AsyncExitStack() as stack:
        apps = []
        for _ in range(2):
            manager = await stack.enter_async_context(
                LifespanManager(create_app(settings), startup_timeout=60, shutdown_timeout=30)
            )
            container: Container = manager._state["container"]
            # a full sync long enough that the second request comes while the first works
            simulator(container, "timeback", TimebackSimulator).faults.add_latency(0.2)
            transport = httpx.ASGITransport(app=manager.app, raise_app_exceptions=False)
            client = await stack.enter_async_context(
                httpx.AsyncClient(transport=transport, base_url="http://bff.test")
            )
            apps.append((client, container))
        yield apps


async def test_two_full_syncs_asked_at_once_run_one_after_the_other_and_the_second_joins(
    two_apps: list[tuple[httpx.AsyncClient, Container]], settings: Settings, demo: dict[str, Any]
) -> None:
    (one, first_app), (two, second_app) = two_apps
    headers = await login(one, demo["admin"].email)
    started = await asyncio.gather(
        one.post("/v1/sync/runs", json={"kind": "full"}, headers=headers),
        two.post("/v1/sync/runs", json={"kind": "full"}, headers=headers),
    )
    assert [s.status_code for s in started] == [202, 202]
    ids = [s.json()["id"] for s in started]
    if settings.jobs_backend == "procrastinate":
        # the API only enqueued: what two `bff worker` processes do, one job each
        await asyncio.gather(
            first_app.roster_sync().run_job({"run_id": ids[0]}),
            second_app.roster_sync().run_job({"run_id": ids[1]}),
        )
    runs = [await wait_for_run(one, run_id, headers) for run_id in ids]
    assert [r["status"] for r in runs] == ["succeeded", "succeeded"], runs

    listed = {r["id"]: r for r in (await one.get("/v1/sync/runs", headers=headers)).json()["items"]}
    first, second = sorted((listed[i] for i in ids), key=lambda r: r["joined"] is not None)
    assert first["joined"] is None
    assert first["waiting_for"] is None
    assert second["waiting_for"] == first["id"], ("the second run did not wait", first, second)
    assert second["joined"] == first["id"], "the second run did the work again"
    assert sum(e["rows"] for e in second["entities"]) == 0
    assert sum(e["rows"] for e in first["entities"]) > 0
