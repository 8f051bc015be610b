"""Lean routes answer exactly as FastAPI's own handler would: the same requests, through both."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute

from api.app import create_app
from api.lean_routes import LeanRoute, compile_plan
from api.settings import Settings
from tests.conftest import login

#: query strings that reach every parameter rule: fine, out of range, of the wrong type, unknown
QUERIES = [
    "",
    "limit=2&offset=1&orderBy=desc&sort=sourcedId",
    "limit=0",
    "limit=abc&offset=-1",
    "orderBy=sideways",
    "sort=nope",
    "fields=sourcedId,bogus",
    "fields=sourcedId",
    "filter=((",
    "filter=status%3D'active'",
    "search=" + "x" * 201,
    "consistency=sometimes",
]
HEADERS: list[dict[str, str]] = [{}, {"If-None-Match": '"nope"'}, {"If-None-Match": "x" * 5000}]


def _lean_routes() -> Iterator[LeanRoute]:
    """The lean routes of the app (routers are module-level: every app holds the same routes)."""
    for route in create_app(Settings(_env_file=None)).router.routes:
        if isinstance(route, LeanRoute) and compile_plan(route.dependant) is not None:
            yield route


def _comparable(response: httpx.Response) -> tuple[Any, ...]:
    body: Any = response.content
    if response.headers.get("content-type", "").endswith("json"):
        body = json.loads(response.content)
        if isinstance(body, dict):
            body.pop("request_id", None)
    kept = ("content-type", "etag", "x-total-count", "link", "cache-control")
    return response.status_code, body, {k: response.headers.get(k) for k in kept}


@pytest.fixture
def lean_switch() -> Iterator[None]:
    yield
    LeanRoute.enabled = True


async def test_the_roster_reads_are_lean(client: httpx.AsyncClient) -> None:
    lean = {r.path for r in _lean_routes()}
    assert "/v1/roster/users" in lean
    assert "/v1/roster/users/{sourced_id}" in lean
    assert "/v1/roster/classes/{sourced_id}/students" in lean


async def test_lean_and_general_handlers_answer_alike(
    client: httpx.AsyncClient, demo: dict[str, Any], lean_switch: None
) -> None:
    admin = await login(client, demo["admin"].email)
    teacher = await login(client, demo["teacher"].email)
    some_class = (await client.get("/v1/roster/classes?limit=1", headers=admin)).json()["classes"]
    ids = {"sourced_id": some_class[0]["sourcedId"]}
    compared = 0
    for route in _lean_routes():
        assert isinstance(route, APIRoute)
        path = re.sub(r"\{([^}]+)\}", lambda m: ids.get(m.group(1), "x"), route.path)
        for who in ({}, admin, teacher):
            for query in QUERIES:
                for extra in HEADERS:
                    url = f"{path}?{query}" if query else path
                    answers = []
                    for enabled in (True, False):
                        LeanRoute.enabled = enabled
                        answers.append(_comparable(await client.get(url, headers=who | extra)))
                    assert answers[0] == answers[1], (url, who.keys(), extra.keys())
                    compared += 1
    assert compared > 1000
