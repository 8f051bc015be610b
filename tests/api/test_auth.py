"""Login, refresh rotation and reuse detection, logout, API tokens, throttling and /v1/me over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager

from api.app import create_app
from api.composition import DEMO_PASSWORD
from api.settings import Settings
from tests.conftest import login

PROBLEM = "application/problem+json"


async def _login(
    client: httpx.AsyncClient, email: str, password: str = DEMO_PASSWORD
) -> httpx.Response:
    return await client.post("/v1/auth/token", data={"username": email, "password": password})


async def test_login_returns_tokens_and_me_names_the_linked_person(
    client: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    response = await _login(client, demo["teacher"].email)
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 900
    me = await client.get("/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.json()["role"] == "teacher"
    assert me.json()["person_sourced_id"] == demo["teacher"].person_sourced_id


async def test_unknown_account_and_wrong_password_get_the_same_answer(
    client: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    unknown = await _login(client, "nobody@example.org", "whatever-password")
    wrong = await _login(client, demo["student"].email, "not-the-password")
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.headers["content-type"] == wrong.headers["content-type"] == PROBLEM
    assert unknown.json()["detail"] == wrong.json()["detail"] == "Incorrect email or password."


@pytest.fixture
async def no_grace_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """``BFF_AUTH_REFRESH_GRACE_SECONDS=0``: any second use of a refresh token is a reuse (the
    grace itself is tested in test_sessions.py, on a clock the test moves)."""
    auth = settings.auth.model_copy(update={"refresh_grace_seconds": 0})
    app = create_app(settings.model_copy(update={"auth": auth}))
    async with LifespanManager(app, startup_timeout=60, shutdown_timeout=30) as manager:
        transport = httpx.ASGITransport(app=manager.app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://bff.test") as http:
            yield http


async def test_refresh_rotates_and_reuse_revokes_the_family(
    no_grace_client: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    client = no_grace_client
    first = (await _login(client, demo["student"].email)).json()
    second = await client.post("/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200
    rotated = second.json()["refresh_token"]
    assert rotated != first["refresh_token"]
    # The spent token again: a thief or a replay. The whole family ends, the rotated token included.
    reuse = await client.post("/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert reuse.status_code == 401
    assert "already used" in reuse.json()["detail"]
    after = await client.post("/v1/auth/refresh", json={"refresh_token": rotated})
    assert after.status_code == 401


async def test_logout_revokes_the_session(client: httpx.AsyncClient, demo: dict[str, Any]) -> None:
    tokens = (await _login(client, demo["guardian"].email)).json()
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    out = await client.post(
        "/v1/auth/logout", json={"refresh_token": tokens["refresh_token"]}, headers=headers
    )
    assert out.status_code == 204
    refused = await client.post("/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert refused.status_code == 401


async def test_bad_bearer_tokens_are_401_problems(client: httpx.AsyncClient) -> None:
    for value in [
        "Bearer not-a-jwt",
        "Bearer bff_pat_unknown",
        "Bearer eyJhbGciOiJIUzI1NiJ9.e30.x",
    ]:
        response = await client.get("/v1/me", headers={"Authorization": value})
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.headers["content-type"] == PROBLEM
    assert (await client.get("/v1/me")).status_code == 401


async def test_api_tokens_are_shown_once_work_and_stop_when_revoked(
    client: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    headers = await login(client, demo["teacher"].email)
    created = await client.post(
        "/v1/me/api-tokens", json={"name": "export", "scope": "read_write"}, headers=headers
    )
    assert created.status_code == 201
    secret = created.json()["token"]
    assert secret.startswith("bff_pat_")
    answer = await client.get("/v1/me/api-tokens", headers=headers)
    assert answer.headers["X-Total-Count"] == "1"
    listed = answer.json()["items"]
    assert [t["name"] for t in listed] == ["export"]
    assert "token" not in listed[0]
    assert secret not in str(listed)
    pat = {"Authorization": f"Bearer {secret}"}
    assert (await client.get("/v1/me", headers=pat)).json()["role"] == "teacher"
    revoked = await client.delete(f"/v1/me/api-tokens/{created.json()['id']}", headers=headers)
    assert revoked.status_code == 204
    assert (await client.get("/v1/me", headers=pat)).status_code == 401


async def test_read_only_api_token_cannot_write(
    client: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    headers = await login(client, demo["admin"].email)
    created = (await client.post("/v1/me/api-tokens", json={"name": "ro"}, headers=headers)).json()
    assert created["scope"] == "read"
    pat = {"Authorization": f"Bearer {created['token']}"}
    assert (await client.get("/v1/accounts", headers=pat)).status_code == 200
    denied = await client.patch(
        f"/v1/accounts/{(await client.get('/v1/me', headers=pat)).json()['id']}",
        json={"display_name": "x"},
        headers=pat,
    )
    assert denied.status_code == 403
    assert denied.json()["detail"] == "This API token is read-only."


async def test_api_token_expiry_is_in_whole_days(
    client: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    headers = await login(client, demo["student"].email)
    refused = await client.post(
        "/v1/me/api-tokens", json={"name": "old", "expires_in_days": 0}, headers=headers
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["loc"] == ["body", "expires_in_days"]
    made = await client.post(
        "/v1/me/api-tokens", json={"name": "week", "expires_in_days": 7}, headers=headers
    )
    assert made.status_code == 201
    created = datetime.fromisoformat(made.json()["created_at"])
    expires = datetime.fromisoformat(made.json()["expires_at"])
    assert expires - created == timedelta(days=7)


async def test_login_is_throttled_per_account_with_retry_after(
    client: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    email = demo["student"].email
    statuses = [(await _login(client, email, "wrong-password-x")).status_code for _ in range(5)]
    assert statuses == [401] * 5
    throttled = await _login(client, email)  # even the right password waits now
    assert throttled.status_code == 429
    assert throttled.headers["content-type"] == PROBLEM
    assert 1 <= int(throttled.headers["retry-after"]) <= 900
    other = await _login(client, demo["teacher"].email)  # other accounts are not affected
    assert other.status_code == 200


@pytest.mark.parametrize("field", ["username", "password"])
async def test_login_form_needs_both_fields(client: httpx.AsyncClient, field: str) -> None:
    data = {"username": "a@b.c", "password": "pw"}
    del data[field]
    response = await client.post("/v1/auth/token", data=data)
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", field]


async def test_json_to_the_token_endpoint_is_told_it_takes_a_form(
    client: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    response = await client.post(
        "/v1/auth/token",
        json={"username": demo["teacher"].email, "password": DEMO_PASSWORD},
    )
    assert response.status_code == 415
    assert response.headers["content-type"] == "application/problem+json"
    detail = response.json()["detail"]
    assert "application/x-www-form-urlencoded" in detail
    assert "username" in detail
    assert "password" in detail


async def test_the_root_points_at_the_documentation(client: httpx.AsyncClient) -> None:
    response = await client.get("/", follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"] == "/docs"
