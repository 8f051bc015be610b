"""The indexed root router finds, for every route, the route FastAPI's own scan would find."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from starlette.routing import BaseRoute, Match, Route

from api.app import create_app
from api.errors import COMMON_RESPONSES
from api.routing import IndexedRouter, _Index
from api.settings import Settings


@pytest.fixture(scope="module")
def app() -> FastAPI:
    return create_app(Settings(_env_file=None))


def _sample(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "x-1", path)


def _scan(app: FastAPI, scope: dict[str, Any]) -> Route | None:
    """FastAPI's own rule: the first route in order that matches fully."""
    for route in app.router.routes:
        if isinstance(route, Route) and route.matches(scope)[0] is Match.FULL:
            return route
    return None


def test_the_app_routes_through_the_index(app: FastAPI) -> None:
    assert isinstance(app.router, IndexedRouter)
    # one level of routes: nothing is left behind an include_router wrapper
    assert all(type(r).__name__ != "_IncludedRouter" for r in app.router.routes)


def test_every_route_is_found_as_a_scan_finds_it(app: FastAPI) -> None:
    index = app.router._index()  # type: ignore[attr-defined]
    checked = 0
    for route in app.router.routes:
        if not isinstance(route, Route):
            continue
        for method in sorted(route.methods or {"GET"}):
            path = _sample(route.path)
            scope: dict[str, Any] = {
                "type": "http",
                "path": path,
                "method": method,
                "root_path": "",
            }
            expected = _scan(app, scope)
            found = next(
                (r for r in index.candidates(path) if r.matches(scope)[0] is Match.FULL), None
            )
            assert found is expected, f"{method} {path}"
            checked += 1
    assert checked > 100


async def test_requests_are_dispatched_through_the_index(
    app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    looked_up: list[str] = []
    original = _Index.candidates

    def recording(self: _Index, path: str) -> list[BaseRoute]:
        looked_up.append(path)
        return original(self, path)

    monkeypatch.setattr(_Index, "candidates", recording)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        assert (await http.get("/health")).status_code == 200
    assert looked_up == ["/health"]


async def test_what_the_index_does_not_settle_is_answered_as_before(app: FastAPI) -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        assert (await http.delete("/health")).status_code == 405
        assert (await http.get("/no/such/route")).status_code == 404
        assert (await http.get("/static/docs/swagger-ui.css")).status_code == 200


def test_every_route_documents_the_common_problems(app: FastAPI) -> None:
    """Routes are added without ``include_router``, which used to merge the app's responses in:
    each router declares them itself, and a new one that forgets is caught here."""
    for path, operations in app.openapi()["paths"].items():
        for method, operation in operations.items():
            missing = {str(s) for s in COMMON_RESPONSES} - set(operation["responses"])
            assert not missing, f"{method.upper()} {path} does not document {sorted(missing)}"
