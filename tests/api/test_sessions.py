"""Ending sessions for good, and the refresh race (security issue 12, item 3), over HTTP.

A stolen access token must not be enough to take an account over: changing a password asks for the
current one; a password change, a deactivation and "log out everywhere" end every access token,
refresh token and personal API token of the account at once; admins cannot lock everybody out.
And the other way: two tabs refreshing with the same token at once both stay logged in.

The app runs on a clock the tests move (never a sleep): ``ShiftedClock`` is the real time plus an
offset, injected where the composition root makes its clock.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager

from adapters.security.tokens import JwtAccessTokenCodec
from api.app import create_app
from api.composition import DEMO_PASSWORD
from api.settings import Settings
from domain.models.identity import AccessClaims, Role

PROBLEM = "application/problem+json"
NEW_PASSWORD = "violet tram sings at noon"


class ShiftedClock:
    """The real time plus an offset the test moves forward."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, delta: timedelta) -> None:
        self.offset += delta


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> ShiftedClock:
    shifted = ShiftedClock()
    monkeypatch.setattr("api.composition.lifecycle.SystemClock", lambda: shifted)
    return shifted


@pytest.fixture
async def client(settings: Settings, clock: ShiftedClock) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    async with LifespanManager(app, startup_timeout=60, shutdown_timeout=30) as manager:
        transport = httpx.ASGITransport(app=manager.app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://bff.test") as http:
            yield http


async def _tokens(
    client: httpx.AsyncClient, email: str, password: str = DEMO_PASSWORD
) -> dict[str, Any]:
    response = await client.post("/v1/auth/token", data={"username": email, "password": password})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _pat(client: httpx.AsyncClient, access_token: str) -> str:
    created = await client.post(
        "/v1/me/api-tokens",
        json={"name": "script", "scope": "read_write"},
        headers=_bearer(access_token),
    )
    assert created.status_code == 201, created.text
    secret: str = created.json()["token"]
    return secret


async def _me(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.get("/v1/me", headers=_bearer(token))


async def _refresh(client: httpx.AsyncClient, refresh_token: str) -> httpx.Response:
    return await client.post("/v1/auth/refresh", json={"refresh_token": refresh_token})


async def _assert_all_refused(
    client: httpx.AsyncClient, *, access: list[str], refresh: list[str], pats: list[str]
) -> None:
    for token in access + pats:
        response = await _me(client, token)
        assert response.status_code == 401, (token[:12], response.text)
        assert response.headers["content-type"] == PROBLEM
    for token in refresh:
        assert (await _refresh(client, token)).status_code == 401


# --- changing a password -------------------------------------------------------------------------


async def test_changing_ones_own_password_needs_the_current_one(
    client: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    tokens = await _tokens(client, demo["teacher"].email)
    me = (await _me(client, tokens["access_token"])).json()
    url, headers = f"/v1/accounts/{me['id']}", _bearer(tokens["access_token"])

    missing = await client.patch(url, json={"password": NEW_PASSWORD}, headers=headers)
    assert missing.status_code == 422
    assert missing.headers["content-type"] == PROBLEM
    assert [e["loc"] for e in missing.json()["errors"]] == [["body", "current_password"]]

    wrong = await client.patch(
        url,
        json={"password": NEW_PASSWORD, "current_password": "not the password at all"},
        headers=headers,
    )
    assert wrong.status_code == 403
    assert wrong.headers["content-type"] == PROBLEM
    assert "current_password" in wrong.json()["detail"]
    # Neither attempt changed anything: the old password still logs in.
    await _tokens(client, demo["teacher"].email)

    changed = await client.patch(
        url, json={"password": NEW_PASSWORD, "current_password": DEMO_PASSWORD}, headers=headers
    )
    assert changed.status_code == 200, changed.text
    await _tokens(client, demo["teacher"].email, NEW_PASSWORD)


async def test_guessing_the_current_password_is_throttled_like_a_login(
    client: httpx.AsyncClient, demo: dict[str, Any], settings: Settings
) -> None:
    tokens = await _tokens(client, demo["guardian"].email)
    me = (await _me(client, tokens["access_token"])).json()
    guess = {"password": NEW_PASSWORD, "current_password": "a wrong guess here"}
    for _ in range(settings.auth.max_failures_per_account):
        wrong = await client.patch(
            f"/v1/accounts/{me['id']}", json=guess, headers=_bearer(tokens["access_token"])
        )
        assert wrong.status_code == 403
    throttled = await client.patch(
        f"/v1/accounts/{me['id']}",
        json={"password": NEW_PASSWORD, "current_password": DEMO_PASSWORD},
        headers=_bearer(tokens["access_token"]),
    )
    assert throttled.status_code == 429
    assert "retry-after" in throttled.headers


async def test_a_password_change_ends_every_session_and_api_token(
    client: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    email = demo["student"].email
    this, other = await _tokens(client, email), await _tokens(client, email)
    pat = await _pat(client, this["access_token"])
    account_id = (await _me(client, this["access_token"])).json()["id"]
    changed = await client.patch(
        f"/v1/accounts/{account_id}",
        json={"password": NEW_PASSWORD, "current_password": DEMO_PASSWORD},
        headers=_bearer(this["access_token"]),
    )
    assert changed.status_code == 200, changed.text
    await _assert_all_refused(
        client,
        access=[this["access_token"], other["access_token"]],
        refresh=[this["refresh_token"], other["refresh_token"]],
        pats=[pat],
    )
    fresh = await _tokens(client, email, NEW_PASSWORD)
    assert (await _me(client, fresh["access_token"])).status_code == 200


async def test_an_admin_setting_a_password_needs_no_current_one_and_ends_the_sessions(
    client: httpx.AsyncClient, demo: dict[str, Any], admin_headers: dict[str, str]
) -> None:
    guardian = await _tokens(client, demo["guardian"].email)
    pat = await _pat(client, guardian["access_token"])
    account_id = (await _me(client, guardian["access_token"])).json()["id"]
    reset = await client.patch(
        f"/v1/accounts/{account_id}", json={"password": NEW_PASSWORD}, headers=admin_headers
    )
    assert reset.status_code == 200, reset.text
    await _assert_all_refused(
        client, access=[guardian["access_token"]], refresh=[guardian["refresh_token"]], pats=[pat]
    )


# --- deactivation and logging out everywhere -----------------------------------------------------


async def test_deactivation_ends_access_refresh_and_api_tokens_at_once(
    client: httpx.AsyncClient, demo: dict[str, Any], admin_headers: dict[str, str]
) -> None:
    teacher = await _tokens(client, demo["teacher"].email)
    pat = await _pat(client, teacher["access_token"])
    account_id = (await _me(client, teacher["access_token"])).json()["id"]
    off = await client.patch(
        f"/v1/accounts/{account_id}", json={"active": False}, headers=admin_headers
    )
    assert off.status_code == 200, off.text
    await _assert_all_refused(
        client, access=[teacher["access_token"]], refresh=[teacher["refresh_token"]], pats=[pat]
    )
    # Switched on again, the account needs a new login: nothing from before comes back.
    on = await client.patch(
        f"/v1/accounts/{account_id}", json={"active": True}, headers=admin_headers
    )
    assert on.status_code == 200
    await _assert_all_refused(
        client, access=[teacher["access_token"]], refresh=[teacher["refresh_token"]], pats=[pat]
    )
    assert (
        await _me(client, (await _tokens(client, demo["teacher"].email))["access_token"])
    ).status_code == 200


async def test_logging_out_everywhere_ends_access_refresh_and_api_tokens(
    client: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    email = demo["staff"].email
    this, other = await _tokens(client, email), await _tokens(client, email)
    pat = await _pat(client, this["access_token"])
    out = await client.post("/v1/auth/logout", json={}, headers=_bearer(this["access_token"]))
    assert out.status_code == 204
    await _assert_all_refused(
        client,
        access=[this["access_token"], other["access_token"]],
        refresh=[this["refresh_token"], other["refresh_token"]],
        pats=[pat],
    )


async def test_a_lean_roster_route_refuses_a_revoked_access_token(
    client: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    """Roster reads answer through compiled dependency plans (api/lean_routes.py): the same check."""
    teacher = await _tokens(client, demo["teacher"].email)
    url = f"/v1/roster/users/{demo['teacher'].person_sourced_id}"
    assert (await client.get(url, headers=_bearer(teacher["access_token"]))).status_code == 200
    await client.post("/v1/auth/logout", json={}, headers=_bearer(teacher["access_token"]))
    refused = await client.get(url, headers=_bearer(teacher["access_token"]))
    assert refused.status_code == 401
    assert refused.headers["content-type"] == PROBLEM


async def test_a_signed_token_for_an_account_that_does_not_exist_is_401(
    client: httpx.AsyncClient, settings: Settings, clock: ShiftedClock
) -> None:
    auth = settings.auth
    codec = JwtAccessTokenCodec(
        keys={kid: key.get_secret_value() for kid, key in auth.signing_keys.items()},
        active_key_id=auth.active_key_id,
        issuer=auth.issuer,
        audience=auth.audience,
    )
    now = clock.now()
    token = codec.issue(
        AccessClaims(
            account_id="0" * 32,
            role=Role.ADMIN,
            person_sourced_id=None,
            expires_at=now + timedelta(minutes=5),
        ),
        now=now,
    )
    response = await _me(client, token)
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM
    assert (await client.get("/v1/accounts", headers=_bearer(token))).status_code == 401


async def test_a_role_change_ends_the_old_access_tokens_and_refresh_brings_the_new_role(
    client: httpx.AsyncClient, demo: dict[str, Any], admin_headers: dict[str, str]
) -> None:
    created = await client.post(
        "/v1/accounts",
        json={"email": "second.admin@example.org", "role": "admin", "password": NEW_PASSWORD},
        headers=admin_headers,
    )
    assert created.status_code == 201, created.text
    second = await _tokens(client, "second.admin@example.org", NEW_PASSWORD)
    assert (
        await client.get("/v1/accounts", headers=_bearer(second["access_token"]))
    ).status_code == 200
    demoted = await client.patch(
        f"/v1/accounts/{created.json()['id']}",
        json={"role": "staff", "person_sourced_id": demo["staff"].person_sourced_id},
        headers=admin_headers,
    )
    assert demoted.status_code == 200, demoted.text
    stale = await client.get("/v1/accounts", headers=_bearer(second["access_token"]))
    assert stale.status_code == 401
    renewed = await _refresh(client, second["refresh_token"])
    assert renewed.status_code == 200
    again = await client.get("/v1/accounts", headers=_bearer(renewed.json()["access_token"]))
    assert again.status_code == 403


# --- admins cannot lock everybody out ------------------------------------------------------------


@pytest.mark.parametrize(
    "change", [{"active": False}, {"role": "staff", "person_sourced_id": "someone"}]
)
async def test_an_admin_cannot_deactivate_or_demote_themselves(
    client: httpx.AsyncClient, admin_headers: dict[str, str], change: dict[str, Any]
) -> None:
    me = (await client.get("/v1/me", headers=admin_headers)).json()
    refused = await client.patch(f"/v1/accounts/{me['id']}", json=change, headers=admin_headers)
    assert refused.status_code == 409
    assert refused.headers["content-type"] == PROBLEM
    after = (await client.get("/v1/me", headers=admin_headers)).json()
    assert (after["role"], after["active"]) == ("admin", True)


async def test_two_admins_removing_each_other_at_once_leave_one_active_admin(
    client: httpx.AsyncClient, demo: dict[str, Any], admin_headers: dict[str, str]
) -> None:
    second_email = "second.admin@example.org"
    created = await client.post(
        "/v1/accounts",
        json={"email": second_email, "role": "admin", "password": NEW_PASSWORD},
        headers=admin_headers,
    )
    assert created.status_code == 201, created.text
    second = _bearer((await _tokens(client, second_email, NEW_PASSWORD))["access_token"])
    first_id = (await client.get("/v1/me", headers=admin_headers)).json()["id"]
    first_removes_second, second_removes_first = await asyncio.gather(
        client.patch(
            f"/v1/accounts/{created.json()['id']}", json={"active": False}, headers=admin_headers
        ),
        client.patch(f"/v1/accounts/{first_id}", json={"active": False}, headers=second),
    )
    results = [first_removes_second, second_removes_first]
    assert sorted(r.status_code for r in results) in ([200, 401], [200, 409]), [
        r.text for r in results
    ]
    loser = next(r for r in results if r.status_code != 200)
    assert loser.headers["content-type"] == PROBLEM
    survivor = (
        (demo["admin"].email, DEMO_PASSWORD)
        if first_removes_second.status_code == 200
        else (second_email, NEW_PASSWORD)
    )
    headers = _bearer((await _tokens(client, *survivor))["access_token"])
    page = (await client.get("/v1/accounts", params={"role": "admin"}, headers=headers)).json()
    assert [a["active"] for a in page["items"]].count(True) == 1


# --- the refresh race ----------------------------------------------------------------------------


async def test_the_same_refresh_token_twice_at_once_gives_both_requests_the_same_new_pair(
    client: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    for _ in range(20):  # the issue's count: it logged the user out in 20 of 20 tries
        tokens = await _tokens(client, demo["student"].email)
        first, second = await asyncio.gather(
            _refresh(client, tokens["refresh_token"]), _refresh(client, tokens["refresh_token"])
        )
        assert (first.status_code, second.status_code) == (200, 200), (first.text, second.text)
        pair = ("access_token", "refresh_token")
        assert [first.json()[k] for k in pair] == [second.json()[k] for k in pair]
        renewed = first.json()
        assert (await _me(client, renewed["access_token"])).status_code == 200
        assert (await _refresh(client, renewed["refresh_token"])).status_code == 200


async def test_a_replay_within_the_grace_gets_the_same_pair_and_after_it_revokes_the_family(
    client: httpx.AsyncClient, demo: dict[str, Any], settings: Settings, clock: ShiftedClock
) -> None:
    grace = timedelta(seconds=settings.auth.refresh_grace_seconds)
    tokens = await _tokens(client, demo["student"].email)
    won = await _refresh(client, tokens["refresh_token"])
    assert won.status_code == 200
    clock.advance(grace - timedelta(seconds=1))
    late = await _refresh(client, tokens["refresh_token"])
    assert late.status_code == 200
    pair = ("access_token", "refresh_token")
    assert [late.json()[k] for k in pair] == [won.json()[k] for k in pair]
    # the same access token, so the same expiry, counted from the first answer
    assert late.json()["expires_in"] < won.json()["expires_in"]
    clock.advance(timedelta(seconds=2))
    replay = await _refresh(client, tokens["refresh_token"])
    assert replay.status_code == 401
    assert "already used" in replay.json()["detail"]
    # The family is revoked: the pair handed out in the race no longer refreshes either.
    assert (await _refresh(client, won.json()["refresh_token"])).status_code == 401
