"""A BFF app for API tests: started with its lifespan, reached over an ASGI transport, each demo
role logged in, and (by default) the roster cache filled by a full sync, as most routes need."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from api.app import create_app
from api.composition import Container
from api.settings import Settings
from tests.api.test_sync import drain_worker, wait_for_run
from tests.conftest import login


@dataclass(frozen=True)
class OpenBff:
    app: FastAPI
    container: Container
    http: httpx.AsyncClient
    #: Authorization headers per demo role
    headers: dict[str, dict[str, str]]


@asynccontextmanager
async def open_bff(
    settings: Settings, demo: dict[str, Any], roles: Sequence[str], *, synced: bool = True
) -> AsyncIterator[OpenBff]:
    app = create_app(settings)
    async with LifespanManager(app, startup_timeout=60, shutdown_timeout=30) as manager:
        container: Container = manager._state["container"]
        transport = httpx.ASGITransport(app=manager.app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://bff.test") as http:
            headers = {role: await login(http, demo[role].email) for role in roles}
            if synced:
                started = await http.post(
                    "/v1/sync/runs", json={"kind": "full"}, headers=headers["admin"]
                )
                assert started.status_code == 202, started.text
                await drain_worker(settings)
                run = await wait_for_run(http, started.json()["id"], headers["admin"])
                assert run["status"] == "succeeded", run
            yield OpenBff(app, container, http, headers)
