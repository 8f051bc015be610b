"""Single sign-on end to end: BFF -> OIDC provider simulator -> BFF, with PKCE and a sealed cookie."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from asgi_lifespan import LifespanManager

from api.app import create_app
from api.composition import Container
from api.settings import Settings
from simulators.kit.population import build_population


@dataclass
class Sso:
    bff: httpx.AsyncClient
    idp: httpx.AsyncClient


@pytest.fixture
async def sso(settings: Settings) -> AsyncIterator[Sso]:
    app = create_app(settings)
    async with LifespanManager(app) as manager:
        # The container lives in the lifespan state; the test plays the browser against both sides.
        container: Container = manager._state["container"]
        assert container.simulators is not None
        transport = httpx.ASGITransport(app=manager.app, raise_app_exceptions=False)
        async with (
            httpx.AsyncClient(transport=transport, base_url="http://bff.test") as bff,
            httpx.AsyncClient(transport=container.simulators.transport()) as idp,
        ):
            yield Sso(bff=bff, idp=idp)


async def _sign_in(sso: Sso, login_hint: str) -> httpx.Response:
    start = await sso.bff.get("/v1/auth/sso/login")
    assert start.status_code == 302
    authorize = urlsplit(start.headers["location"])
    # sandbox mode: the provider's page under the BFF's own origin, where a browser reaches it
    assert authorize.netloc == "bff.test"
    assert authorize.path == "/_sandbox/upstreams/idp.sim/authorize"
    query = parse_qs(authorize.query)
    assert query["code_challenge_method"] == ["S256"]
    assert "code_verifier" not in query
    # httpx's params= would replace the query, so the hint is appended as a browser form would.
    back = await sso.bff.get(
        start.headers["location"] + "&" + urlencode({"login_hint": login_hint})
    )
    assert back.status_code == 302
    callback = urlsplit(back.headers["location"])
    return await sso.bff.get(f"{callback.path}?{callback.query}")


async def test_sso_logs_in_the_account_with_the_providers_email(
    sso: Sso, demo: dict[str, Any]
) -> None:
    response = await _sign_in(sso, demo["teacher"].email)
    assert response.status_code == 200, response.text
    token = response.json()["access_token"]
    me = await sso.bff.get("/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["email"] == demo["teacher"].email
    assert me.json()["role"] == "teacher"


async def test_sso_without_a_matching_account_is_refused(
    sso: Sso, demo: dict[str, Any], settings: Settings
) -> None:
    sandbox = settings.sandbox
    population = build_population(sandbox.seed, users=sandbox.users, classes=sandbox.classes)
    no_account = next(
        p for p in population.with_role("student") if p.email != demo["student"].email
    )
    response = await _sign_in(sso, no_account.email)  # known to the provider, not to the BFF
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert "No active BFF account" in response.json()["detail"]


async def test_a_provider_refusal_is_a_401_problem(sso: Sso) -> None:
    response = await _sign_in(sso, "no-such-user@idp.example")
    assert response.status_code == 401
    assert "access_denied" in response.json()["detail"]


async def test_a_forged_state_is_refused(sso: Sso, demo: dict[str, Any]) -> None:
    start = await sso.bff.get("/v1/auth/sso/login")
    back = await sso.bff.get(
        start.headers["location"] + "&" + urlencode({"login_hint": demo["student"].email})
    )
    callback = urlsplit(back.headers["location"])
    code = parse_qs(callback.query)["code"][0]
    response = await sso.bff.get(callback.path, params={"code": code, "state": "forged"})
    assert response.status_code == 401
    assert "does not belong" in response.json()["detail"]


async def test_a_callback_without_the_pending_cookie_is_refused(sso: Sso) -> None:
    sso.bff.cookies.clear()
    response = await sso.bff.get("/v1/auth/sso/callback", params={"code": "abc", "state": "xyz"})
    assert response.status_code == 401
    assert "No login attempt" in response.json()["detail"]
