"""The HTTP edge (security issue 12 items 2, 4, 5 and 8; CORS from issue 13), over the ASGI app.

- request bodies are limited before anything parses them (413 problem+json), and free text in the
  schemas is bounded;
- ``X-Forwarded-For`` counts only from configured proxies (throttling and the audit trail);
- security headers on every answer, per family, cheap enough for the cached roster reads;
- a 405 lists every method of the path;
- CORS: an allow-list, preflights answered before routing.

SQLite only: nothing here depends on the database. ``test_edge_live.py`` checks the same over a real
server started by ``bff serve``.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from base64 import b64encode
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager

from api.app import create_app
from api.composition import DEMO_PASSWORD, demo_accounts
from api.settings import Settings
from tests.api.test_authorization_matrix import population_of
from tests.api.test_gradebook import line_item_body
from tests.api.test_sync import drain_worker, wait_for_run
from tests.conftest import login, make_settings

MiB = 1024 * 1024
Headers = dict[str, str]


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "bff.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite+aiosqlite:///{path}"


@asynccontextmanager
async def running(
    settings: Settings, *, peer: str = "127.0.0.1"
) -> AsyncIterator[tuple[Any, httpx.AsyncClient]]:
    """The app with its lifespan, and a client whose connections come from ``peer``."""
    app = create_app(settings)
    async with (
        LifespanManager(app, startup_timeout=60, shutdown_timeout=30) as manager,
        client_from(manager.app, peer) as http,
    ):
        yield manager.app, http


def client_from(app: Any, peer: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False, client=(peer, 50123))
    return httpx.AsyncClient(transport=transport, base_url="http://bff.test")


@pytest.fixture
async def edge(sqlite_url: str) -> AsyncIterator[tuple[Any, httpx.AsyncClient]]:
    async with running(make_settings(sqlite_url)) as pair:
        yield pair


def demo_email(role: str) -> str:
    """The demo account's email (the same for every sandbox with the default seed)."""
    settings = Settings(_env_file=None)
    return next(a.email for a in demo_accounts(settings) if a.role.value == role)


async def call_asgi(
    app: Any,
    method: str,
    path: str,
    headers: list[tuple[bytes, bytes]],
    chunks: AsyncIterator[bytes] | None = None,
) -> tuple[int, dict[str, str], bytes, int]:
    """One request straight to the ASGI app. Returns status, headers, body and how many body
    bytes the app took from ``receive``."""
    taken = 0
    done = False

    async def receive() -> dict[str, Any]:
        nonlocal taken, done
        if chunks is None or done:
            done = True
            return {"type": "http.request", "body": b"", "more_body": False}
        try:
            chunk = await chunks.__anext__()
        except StopAsyncIteration:
            done = True
            return {"type": "http.request", "body": b"", "more_body": False}
        taken += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": True}

    status = 0
    out_headers: dict[str, str] = {}
    body = bytearray()

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
            for name, value in message.get("headers", []):
                out_headers[name.decode("latin-1").lower()] = value.decode("latin-1")
        elif message["type"] == "http.response.body":
            body.extend(message.get("body", b""))

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"bff.test"), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }
    await app(scope, receive, send)
    return status, out_headers, bytes(body), taken


async def endless(chunk_size: int = 64 * 1024, total: int = 100 * MiB) -> AsyncIterator[bytes]:
    """A JSON body that would be ``total`` bytes: one long string."""
    yield b'{"refresh_token": "'
    sent = 0
    while sent < total:
        yield b"a" * chunk_size
        sent += chunk_size


def assert_problem(status: int, headers: dict[str, str], body: bytes, expected: int) -> None:
    assert status == expected, body[:500]
    assert headers["content-type"] == "application/problem+json"
    assert json.loads(body)["status"] == expected


# --- item 2: request body limit -----------------------------------------------------------------


async def test_a_body_declared_too_large_is_refused_before_it_is_read(
    edge: tuple[Any, httpx.AsyncClient],
) -> None:
    app, _ = edge
    status, headers, body, taken = await call_asgi(
        app,
        "POST",
        "/v1/auth/refresh",
        [(b"content-type", b"application/json"), (b"content-length", b"104857600")],
        endless(),
    )
    assert_problem(status, headers, body, 413)
    assert taken == 0, "the body was read although its length was already too large"
    assert "x-request-id" in headers


async def test_a_chunked_body_is_cut_off_at_the_limit(edge: tuple[Any, httpx.AsyncClient]) -> None:
    app, _ = edge
    status, headers, body, taken = await call_asgi(
        app, "POST", "/v1/auth/refresh", [(b"content-type", b"application/json")], endless()
    )
    assert_problem(status, headers, body, 413)
    assert taken <= MiB + 64 * 1024 + 32, f"{taken} bytes read past a 1 MiB limit"


async def test_the_body_limit_is_a_setting(sqlite_url: str) -> None:
    settings = make_settings(sqlite_url, http={"max_body_bytes": 1024})
    async with running(settings) as (_, http):
        small = await http.post("/v1/auth/refresh", json={"refresh_token": "x" * 150})
        assert small.status_code == 401  # read and refused as an unknown token
        large = await http.post("/v1/auth/refresh", json={"refresh_token": "x" * 2000})
        assert large.status_code == 413
        assert large.headers["content-type"] == "application/problem+json"
        # streamed without a length: counted as it arrives
        streamed = await http.post(
            "/v1/auth/refresh",
            content=endless(chunk_size=1024, total=10 * 1024),
            headers={"content-type": "application/json"},
        )
        assert streamed.status_code == 413
        assert streamed.headers["content-type"] == "application/problem+json"


async def test_metadata_and_free_text_in_bodies_are_bounded(sqlite_url: str) -> None:
    settings = make_settings(sqlite_url)
    class_id = population_of(settings).classes[0].key
    async with running(settings) as (_, http):
        admin = await login(http, demo_email("admin"))
        path = f"/v1/gradebook/classes/{class_id}/line-items"
        base = line_item_body()
        big = await http.post(
            path, json={"lineItem": {**base, "metadata": {"k": "x" * (10 * MiB)}}}, headers=admin
        )
        assert big.status_code == 413
        for field, value in (
            ("metadata", {"k": "x" * 200_000}),
            ("metadata", {f"k{i}": i for i in range(1000)}),
            ("description", "x" * 100_000),
        ):
            refused = await http.post(
                path, json={"lineItem": {**base, field: value}}, headers=admin
            )
            assert refused.status_code == 422, (field, refused.text[:300])
            assert refused.headers["content-type"] == "application/problem+json"
            assert [e["loc"][-1] for e in refused.json()["errors"]] == [field]
        fine = await http.post(
            path,
            json={"lineItem": {**base, "metadata": {"k": "x" * 1000}, "description": "d" * 1000}},
            headers=admin,
        )
        assert fine.status_code == 201, fine.text
        schemas = (await http.get("/openapi.json")).json()["components"]["schemas"]
    graded = schemas["NewLineItem"]["properties"]
    assert _bound(graded["description"], "maxLength")
    assert _bound(graded["metadata"], "maxProperties")


def _bound(prop: dict[str, Any], key: str) -> Any:
    """``key`` of a property schema, looking through ``anyOf`` (optional fields)."""
    for option in [prop, *prop.get("anyOf", [])]:
        if key in option:
            return option[key]
    return None


# --- item 4: forwarded headers only from configured proxies --------------------------------------


async def _fail_logins(http: httpx.AsyncClient, count: int) -> list[int]:
    """``count`` failed logins, each for another account and claiming another address."""
    statuses = []
    for i in range(count):
        response = await http.post(
            "/v1/auth/token",
            data={"username": f"nobody{i}@example.org", "password": "wrong-password"},
            headers={"X-Forwarded-For": f"203.0.113.{i + 1}"},
        )
        statuses.append(response.status_code)
    return statuses


async def _audited_addresses(app: Any) -> set[str | None]:
    """Read by the admin from an address of their own (the failures throttled the others)."""
    async with client_from(app, "192.0.2.200") as http:
        return await _read_audited_addresses(http)


async def _read_audited_addresses(http: httpx.AsyncClient) -> set[str | None]:
    admin = await login(http, demo_email("admin"))
    page = await http.get("/v1/audit", headers=admin, params={"limit": 100, "outcome": "denied"})
    assert page.status_code == 200, page.text
    return {
        e["client_address"] for e in page.json()["items"] if e["action"] == "POST /v1/auth/token"
    }


async def test_forwarded_for_from_an_unlisted_peer_is_ignored(sqlite_url: str) -> None:
    settings = make_settings(
        sqlite_url,
        auth={"password_time_cost": 1, "password_memory_kib": 64, "max_failures_per_address": 3},
    )
    async with running(settings, peer="127.0.0.1") as (app, http):
        statuses = await _fail_logins(http, 5)
        assert statuses[:3] == [401, 401, 401]
        assert statuses[3:] == [429, 429], "a spoofed X-Forwarded-For escaped the throttle"
        assert await _audited_addresses(app) == {"127.0.0.1"}


async def test_forwarded_for_from_a_configured_proxy_is_honoured(sqlite_url: str) -> None:
    settings = make_settings(
        sqlite_url,
        auth={"password_time_cost": 1, "password_memory_kib": 64, "max_failures_per_address": 3},
        http={"trusted_proxies": ["10.0.0.0/8"]},
    )
    async with running(settings, peer="10.1.2.3") as (app, http):
        statuses = await _fail_logins(http, 5)
        assert statuses == [401] * 5  # five different callers behind the proxy
        addresses = await _audited_addresses(app)
    assert addresses == {f"203.0.113.{i}" for i in range(1, 6)}


# --- item 5: security headers --------------------------------------------------------------------


async def test_every_answer_says_nosniff_and_personal_data_is_not_stored(
    edge: tuple[Any, httpx.AsyncClient],
) -> None:
    _, http = edge
    token = await http.post(
        "/v1/auth/token", data={"username": demo_email("teacher"), "password": DEMO_PASSWORD}
    )
    me = await http.get(
        "/v1/me", headers={"Authorization": f"Bearer {token.json()['access_token']}"}
    )
    missing = await http.get("/v1/nothing-here")
    health = await http.get("/health")
    for response in (token, me, missing, health):
        assert response.headers["x-content-type-options"] == "nosniff", response.url
        assert response.headers["cache-control"] == "no-store", response.url
        csp = response.headers["content-security-policy"]
        assert "default-src 'none'" in csp
        assert "frame-ancestors 'none'" in csp
        assert "server" not in response.headers


async def test_cached_roster_reads_keep_their_revalidation_and_get_the_headers(
    edge: tuple[Any, httpx.AsyncClient], sqlite_url: str
) -> None:
    _, http = edge
    admin = await login(http, demo_email("admin"))
    started = await http.post("/v1/sync/runs", json={"kind": "full"}, headers=admin)
    assert started.status_code == 202, started.text
    await drain_worker(make_settings(sqlite_url))
    run = await wait_for_run(http, started.json()["id"], admin)
    assert run["status"] == "succeeded", run
    page = await http.get("/v1/roster/users", params={"limit": 5}, headers=admin)
    assert page.status_code == 200
    again = await http.get(
        "/v1/roster/users",
        params={"limit": 5},
        headers={**admin, "If-None-Match": page.headers["etag"]},
    )
    assert again.status_code == 304
    for response in (page, again):
        assert response.headers["cache-control"] == "private, no-cache"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


def _inline_script_hashes(html: str) -> set[str]:
    scripts = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", html, flags=re.S)
    return {
        "'sha256-" + b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'" for s in scripts
    }


async def test_docs_pages_allow_their_own_scripts_and_nothing_else(
    edge: tuple[Any, httpx.AsyncClient],
) -> None:
    _, http = edge
    for path in ("/docs", "/redoc", "/docs/oauth2-redirect"):
        page = await http.get(path)
        assert page.status_code == 200
        csp = dict(
            part.strip().split(" ", 1)
            for part in page.headers["content-security-policy"].split(";")
        )
        assert csp["default-src"] == "'none'"
        assert csp["frame-ancestors"] == "'none'"
        sources = set(csp["script-src"].split())
        assert "'self'" in sources
        assert "'unsafe-inline'" not in sources
        assert _inline_script_hashes(page.text) <= sources, path
        assert page.headers["x-content-type-options"] == "nosniff"
    asset = await http.get("/static/docs/swagger-ui.css")
    assert asset.status_code == 200
    assert asset.headers["x-content-type-options"] == "nosniff"
    assert "no-store" not in asset.headers["cache-control"]


# --- item 8: 405 names every method --------------------------------------------------------------


async def test_a_405_lists_every_method_of_the_path(edge: tuple[Any, httpx.AsyncClient]) -> None:
    _, http = edge
    for path, expected in (
        ("/v1/timesheets/logs/some-id", {"GET", "PATCH", "DELETE"}),
        ("/v1/gradebook/line-items/some-id", {"GET", "PUT", "DELETE"}),
        ("/v1/timesheets/logs", {"GET", "POST"}),
        # a static path beside a parameter one: the static template's methods only
        ("/v1/timesheets/integrations/kinds", {"GET"}),
    ):
        response = await http.request("TRACE", path)
        assert response.status_code == 405, path
        assert response.headers["content-type"] == "application/problem+json"
        allowed = {m.strip() for m in response.headers["allow"].split(",")}
        assert allowed == expected, path


# --- CORS (issue 13) -----------------------------------------------------------------------------

PREFLIGHT = {
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "authorization, content-type",
}


async def test_a_preflight_from_a_localhost_origin_is_answered_in_the_sandbox(
    edge: tuple[Any, httpx.AsyncClient],
) -> None:
    _, http = edge
    for origin in ("http://localhost:5173", "http://127.0.0.1:3000", "http://localhost"):
        response = await http.options(
            "/v1/timesheets/logs", headers={"Origin": origin, **PREFLIGHT}
        )
        assert response.status_code == 200, (origin, response.text)
        assert response.headers["access-control-allow-origin"] == origin
        assert response.headers["access-control-allow-credentials"] == "true"
        assert "POST" in response.headers["access-control-allow-methods"]
        assert "authorization" in response.headers["access-control-allow-headers"].lower()
    # a lean roster route too: the preflight never reaches it
    lean = await http.options(
        "/v1/roster/users",
        headers={
            "Origin": "http://localhost:8080",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization, if-none-match",
        },
    )
    assert lean.status_code == 200, lean.text


async def test_a_listed_origin_sees_the_paging_and_cache_headers(
    edge: tuple[Any, httpx.AsyncClient],
) -> None:
    _, http = edge
    response = await http.get("/health", headers={"Origin": "http://localhost:5173"})
    assert response.headers["access-control-allow-origin"] == "http://localhost:5173"
    assert response.headers["access-control-allow-credentials"] == "true"
    exposed = {
        h.strip().lower() for h in response.headers["access-control-expose-headers"].split(",")
    }
    assert {"x-total-count", "link", "etag", "x-request-id"} <= exposed


async def test_an_unlisted_origin_gets_no_cors_grant(sqlite_url: str) -> None:
    settings = make_settings(sqlite_url, cors={"origins": ["https://app.school.example"]})
    async with running(settings) as (_, http):
        listed = await http.get("/health", headers={"Origin": "https://app.school.example"})
        assert listed.headers["access-control-allow-origin"] == "https://app.school.example"
        for origin in ("https://evil.example", "http://localhost:5173"):
            simple = await http.get("/health", headers={"Origin": origin})
            assert simple.status_code == 200
            assert "access-control-allow-origin" not in simple.headers
            assert "access-control-allow-credentials" not in simple.headers
            preflight = await http.options(
                "/v1/timesheets/logs", headers={"Origin": origin, **PREFLIGHT}
            )
            assert 400 <= preflight.status_code < 500
            assert preflight.headers["content-type"] == "application/problem+json"
            assert "access-control-allow-origin" not in preflight.headers
            assert "access-control-allow-credentials" not in preflight.headers
