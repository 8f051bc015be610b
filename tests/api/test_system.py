"""Liveness, readiness, metrics, request ids and the periodic upstream check, over HTTP."""

from __future__ import annotations

import asyncio

import httpx

from adapters.db import migrations
from adapters.jobs.procrastinate_runner import ProcrastinateJobRunner
from api import composition
from api.settings import UPSTREAMS, Settings


async def test_health_is_ok(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_ready_reports_database_and_each_upstream(client: httpx.AsyncClient) -> None:
    response = await client.get("/ready")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["ready"] is True
    names = {c["name"] for c in body["components"]}
    assert names == {"database", *(u.name for u in UPSTREAMS)}
    database = next(c for c in body["components"] if c["name"] == "database")
    assert database["detail"].endswith(f"schema at {migrations.head_revision('sqlite://')}")


async def test_request_id_is_generated_and_echoed(client: httpx.AsyncClient) -> None:
    generated = await client.get("/health")
    assert len(generated.headers["x-request-id"]) == 32
    echoed = await client.get("/health", headers={"X-Request-ID": "front-end-123"})
    assert echoed.headers["x-request-id"] == "front-end-123"


async def test_unsafe_request_id_is_replaced(client: httpx.AsyncClient) -> None:
    response = await client.get("/health", headers={"X-Request-ID": "bad id\twith spaces"})
    assert response.headers["x-request-id"] != "bad id\twith spaces"


async def test_metrics_are_exposed_in_prometheus_format(client: httpx.AsyncClient) -> None:
    await client.get("/ready")
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert "http_requests_total" in response.text
    assert 'handler="/ready"' in response.text


async def test_metrics_label_requests_by_route_template(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    """Ids in the path never become label values; unmatched paths share one label; /health is
    left out (probes would drown the rest)."""
    await client.get("/v1/roster/users/some-id-1", headers=admin_headers)
    await client.get("/v1/roster/users/some-id-2", headers=admin_headers)
    await client.get("/no/such/path")
    await client.get("/health")
    text = (await client.get("/metrics")).text
    assert (
        'http_requests_total{handler="/v1/roster/users/{sourced_id}",method="GET",status="404"} 2.0'
        in text
    )
    assert 'http_requests_total{handler="none",method="GET",status="404"} 1.0' in text
    assert "some-id" not in text
    assert 'handler="/health"' not in text
    assert 'http_request_duration_seconds_bucket{handler="/v1/roster/users/{sourced_id}"' in text


async def test_periodic_upstream_check_runs_and_is_recorded(
    client: httpx.AsyncClient, admin_headers: dict[str, str], settings: Settings
) -> None:
    """The due task runs without being asked: the in-process runner reconciles at start on SQLite;
    on PostgreSQL a separate worker (what ``bff worker`` runs) picks it up from procrastinate."""
    if settings.jobs_backend == "procrastinate":
        async with composition.running(settings, run_jobs=False, apply_migrations=False) as worker:
            await worker.scheduler().register()
            assert isinstance(worker.jobs, ProcrastinateJobRunner)
            await worker.jobs.run_worker(install_signal_handlers=False, drain=True)
    # The checks are committed first and the task's run is recorded just after: wait for both.
    for _ in range(200):
        checks = (await client.get("/v1/system/upstreams", headers=admin_headers)).json()["items"]
        tasks = (await client.get("/v1/system/tasks", headers=admin_headers)).json()["items"]
        task = next((t for t in tasks if t["name"] == "upstream-health"), {"runs": 0})
        if len(checks) == len(UPSTREAMS) and task["runs"] >= 1:
            break
        await asyncio.sleep(0.05)
    assert {c["upstream"]: c["ok"] for c in checks} == {u.name: True for u in UPSTREAMS}
    assert {t["name"] for t in tasks} == {
        "upstream-health",
        "prune-login-failures",
        "roster-sync",
        "timesheet-sync",
        "caliper-delivery",
        "learning-results",
        "lms-links",
    }
    assert task["runs"] >= 1
    n = len(UPSTREAMS)
    assert task["last_outcome"] == f"{n}/{n} upstreams reachable"
    assert task["last_error"] is None
