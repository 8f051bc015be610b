"""Every error leaves as RFC 9457 problem+json, with no stack trace."""

from __future__ import annotations

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import APIRouter

from api.app import create_app
from api.settings import Settings
from domain import errors as d

PROBLEM = "application/problem+json"


def _assert_problem(response: httpx.Response, status: int) -> dict[str, object]:
    assert response.status_code == status
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, object] = response.json()
    assert {"type", "title", "status", "detail", "instance"} <= body.keys()
    assert body["status"] == status
    assert body["request_id"] == response.headers["x-request-id"]
    assert "Traceback" not in response.text
    return body


async def test_unknown_route_is_a_404_problem(client: httpx.AsyncClient) -> None:
    body = _assert_problem(await client.get("/no/such/route"), 404)
    assert body["instance"] == "/no/such/route"


async def test_wrong_method_is_a_405_problem(client: httpx.AsyncClient) -> None:
    _assert_problem(await client.delete("/health"), 405)


@pytest.fixture
async def app_with_failing_routes(settings: Settings):  # type: ignore[no-untyped-def]
    """The real app plus routes that raise, to exercise the handlers without touching real routes."""
    app = create_app(settings)
    router = APIRouter()

    @router.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret=hunter2 should never leak")

    @router.get("/limited")
    async def limited() -> None:
        raise d.UpstreamRateLimited(
            "TimeBack is throttling us.", upstream="timeback", retry_after=2.4
        )

    @router.get("/rule/{n}")
    async def rule(n: int) -> None:
        raise d.InvalidInput("End must be after start.", field="end")

    app.include_router(router)
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://bff.test") as http:
            yield http


async def test_unexpected_error_is_a_generic_500(
    app_with_failing_routes: httpx.AsyncClient,
) -> None:
    response = await app_with_failing_routes.get("/boom")
    body = _assert_problem(response, 500)
    assert "hunter2" not in response.text
    assert "RuntimeError" not in response.text
    assert body["type"] == "https://bff.example/problems/internal-error"


async def test_domain_errors_map_to_status_and_headers(
    app_with_failing_routes: httpx.AsyncClient,
) -> None:
    response = await app_with_failing_routes.get("/limited")
    _assert_problem(response, 503)
    assert response.headers["retry-after"] == "3"


async def test_validation_errors_name_each_field(
    app_with_failing_routes: httpx.AsyncClient,
) -> None:
    body = _assert_problem(await app_with_failing_routes.get("/rule/not-a-number"), 422)
    assert body["errors"] == [
        {
            "loc": ["path", "n"],
            "msg": "Input should be a valid integer, unable to parse string as an integer",
            "type": "int_parsing",
        }
    ]
    rule = _assert_problem(await app_with_failing_routes.get("/rule/1"), 422)
    assert rule["errors"] == [
        {"loc": ["body", "end"], "msg": "End must be after start.", "type": "value_error"}
    ]
