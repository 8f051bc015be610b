"""OidcIdentityProvider against the in-tree OIDC provider simulator, over httpx transports.

The "browser" leg (following the authorize URL) is a plain httpx client on the same simulator, so
every request crosses a real ASGI boundary and the simulator's request log sees it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from authlib.common.security import generate_token  # type: ignore[import-untyped]
from authlib.oauth2.rfc7636 import create_s256_code_challenge  # type: ignore[import-untyped]

from adapters.oidc.provider import OidcIdentityProvider
from domain.errors import Unauthenticated, UpstreamRateLimited, UpstreamUnavailable
from domain.ports.sso import AuthorizationRequest
from simulators.kit.transport import HostRouter, SimulatorTransport
from simulators.oidc import OidcProviderSimulator
from simulators.oidc.state import DEFAULT_CLIENT_SECRET, TAMPER_KINDS

ISSUER = "http://idp.sim"
REDIRECT = "http://bff.test/v1/auth/sso/callback"


@pytest.fixture
def sim() -> OidcProviderSimulator:
    sim = OidcProviderSimulator(ISSUER, seed=7, users=3, classes=1)
    sim.add_user("alice-sub", "alice@example.test", name="Alice Liddell")
    return sim


def make_provider(
    transport: httpx.AsyncBaseTransport,
    *,
    issuer: str = ISSUER,
    secret: str = DEFAULT_CLIENT_SECRET,
) -> OidcIdentityProvider:
    return OidcIdentityProvider(
        issuer=issuer,
        client_id="learning-bff",
        client_secret=secret,
        scopes="openid email profile",
        timeout=2.0,
        transport=transport,
    )


@pytest.fixture
async def provider(sim: OidcProviderSimulator) -> AsyncIterator[OidcIdentityProvider]:
    provider = make_provider(SimulatorTransport(sim.app))
    yield provider
    await provider.aclose()


async def authorize(
    sim: OidcProviderSimulator, provider: OidcIdentityProvider, hint: str = "alice@example.test"
) -> tuple[str, AuthorizationRequest]:
    """Start a login and play the browser: follow the authorize URL, read the code off the 302."""
    request = await provider.authorization_request(redirect_url=REDIRECT)
    async with httpx.AsyncClient(transport=SimulatorTransport(sim.app)) as browser:
        response = await browser.get(f"{request.url}&{urlencode({'login_hint': hint})}")
    assert response.status_code == 302, response.text
    location = urlsplit(response.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    query = parse_qs(location.query)
    assert query["state"] == [request.state]
    return query["code"][0], request


async def test_full_login_returns_the_identity_from_the_id_token(
    sim: OidcProviderSimulator, provider: OidcIdentityProvider
) -> None:
    code, request = await authorize(sim, provider)

    identity = await provider.complete(code=code, request=request, redirect_url=REDIRECT)

    assert identity.issuer == ISSUER
    assert identity.subject == "alice-sub"
    assert identity.email == "alice@example.test"
    assert identity.email_verified is True
    assert identity.name == "Alice Liddell"
    token_calls = sim.log.entries(path="/token")
    assert [c.status for c in token_calls] == [200]
    assert token_calls[0].headers["authorization"].startswith("Basic ")  # client_secret_basic


async def test_authorization_url_carries_pkce_s256_nonce_and_scopes(
    provider: OidcIdentityProvider,
) -> None:
    request = await provider.authorization_request(redirect_url=REDIRECT)

    url = urlsplit(request.url)
    params = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert f"{url.scheme}://{url.netloc}{url.path}" == f"{ISSUER}/authorize"
    assert params["client_id"] == "learning-bff"
    assert params["response_type"] == "code"
    assert params["redirect_uri"] == REDIRECT
    assert params["scope"] == "openid email profile"
    assert params["state"] == request.state
    assert params["nonce"] == request.nonce
    assert params["code_challenge_method"] == "S256"
    assert params["code_challenge"] == create_s256_code_challenge(request.code_verifier)
    assert "code_verifier" not in params
    again = await provider.authorization_request(redirect_url=REDIRECT)
    assert {again.state, again.nonce, again.code_verifier}.isdisjoint(
        {request.state, request.nonce, request.code_verifier}
    )


async def test_a_seeded_demo_user_logs_in_by_email(
    sim: OidcProviderSimulator, provider: OidcIdentityProvider
) -> None:
    demo = next(u for u in sim.users.values() if u.subject != "alice-sub")
    assert demo.email is not None

    code, request = await authorize(sim, provider, hint=demo.email)
    identity = await provider.complete(code=code, request=request, redirect_url=REDIRECT)

    assert (identity.subject, identity.email, identity.name) == (
        demo.subject,
        demo.email,
        demo.name,
    )


async def test_a_wrong_pkce_verifier_is_refused(
    sim: OidcProviderSimulator, provider: OidcIdentityProvider
) -> None:
    code, request = await authorize(sim, provider)
    forged = dataclasses.replace(request, code_verifier=generate_token(64))

    with pytest.raises(Unauthenticated, match="invalid_grant"):
        await provider.complete(code=code, request=forged, redirect_url=REDIRECT)


async def test_a_code_is_redeemed_only_once(
    sim: OidcProviderSimulator, provider: OidcIdentityProvider
) -> None:
    code, request = await authorize(sim, provider)
    await provider.complete(code=code, request=request, redirect_url=REDIRECT)

    with pytest.raises(Unauthenticated, match="invalid_grant"):
        await provider.complete(code=code, request=request, redirect_url=REDIRECT)


async def test_an_expired_code_is_refused(
    sim: OidcProviderSimulator, provider: OidcIdentityProvider
) -> None:
    code, request = await authorize(sim, provider)
    sim.clock.advance(sim.code_ttl + 1)

    with pytest.raises(Unauthenticated, match="invalid_grant"):
        await provider.complete(code=code, request=request, redirect_url=REDIRECT)


async def test_a_different_redirect_url_at_the_token_endpoint_is_refused(
    sim: OidcProviderSimulator, provider: OidcIdentityProvider
) -> None:
    code, request = await authorize(sim, provider)

    with pytest.raises(Unauthenticated, match="invalid_grant"):
        await provider.complete(code=code, request=request, redirect_url=REDIRECT + "/other")


async def test_a_wrong_client_secret_is_refused(sim: OidcProviderSimulator) -> None:
    provider = make_provider(SimulatorTransport(sim.app), secret="not-the-secret")
    try:
        code, request = await authorize(sim, provider)
        with pytest.raises(Unauthenticated, match="invalid_client") as caught:
            await provider.complete(code=code, request=request, redirect_url=REDIRECT)
    finally:
        await provider.aclose()
    assert "not-the-secret" not in str(caught.value)
    assert sim.log.entries(path="/token")[-1].status == 401


MESSAGES = {
    "bad_signature": "signature does not verify",
    "wrong_audience": "different client",
    "wrong_nonce": "nonce mismatch",
    "expired": "has expired",
    "wrong_issuer": "different provider",
    "unknown_kid": "does not publish",
}


@pytest.mark.parametrize("kind", TAMPER_KINDS)
async def test_a_tampered_id_token_is_refused(
    sim: OidcProviderSimulator, provider: OidcIdentityProvider, kind: str
) -> None:
    code, request = await authorize(sim, provider)
    sim.tamper_next_id_token(kind)  # type: ignore[arg-type]  # the kinds come from TAMPER_KINDS

    with pytest.raises(Unauthenticated, match=MESSAGES[kind]) as caught:
        await provider.complete(code=code, request=request, redirect_url=REDIRECT)

    assert "eyJ" not in caught.value.detail  # no JWT in the message
    # the next, untampered login still works: nothing bad was cached
    code, request = await authorize(sim, provider)
    assert (await provider.complete(code=code, request=request, redirect_url=REDIRECT)).subject


async def test_a_rotated_signing_key_is_fetched_once_and_accepted(
    sim: OidcProviderSimulator, provider: OidcIdentityProvider
) -> None:
    code, request = await authorize(sim, provider)
    await provider.complete(code=code, request=request, redirect_url=REDIRECT)
    old_kid = sim.active_kid

    new_kid = sim.rotate_key()
    code, request = await authorize(sim, provider)
    identity = await provider.complete(code=code, request=request, redirect_url=REDIRECT)
    code, request = await authorize(sim, provider)
    await provider.complete(code=code, request=request, redirect_url=REDIRECT)

    assert identity.subject == "alice-sub"
    assert new_kid != old_kid
    # one fetch at start, one on meeting the new kid, none for the third login
    assert len(sim.log.entries(path="/jwks")) == 2
    assert len(sim.log.entries(path="/.well-known/openid-configuration")) == 1
    jwks = await _get_json(sim, "/jwks")
    assert {k["kid"] for k in jwks["keys"]} == {old_kid, new_kid}  # the old key stays published


async def test_an_unreachable_provider_is_unavailable() -> None:
    provider = make_provider(HostRouter({}))  # no simulator serves idp.sim: connection refused
    try:
        with pytest.raises(UpstreamUnavailable, match="could not be reached") as caught:
            await provider.authorization_request(redirect_url=REDIRECT)
    finally:
        await provider.aclose()
    assert caught.value.upstream == "oidc"


async def test_a_hanging_discovery_endpoint_times_out_as_unavailable(
    sim: OidcProviderSimulator,
) -> None:
    provider = OidcIdentityProvider(
        issuer=ISSUER,
        client_id="learning-bff",
        client_secret="sandbox-secret",
        scopes="openid",
        timeout=0.2,
        transport=SimulatorTransport(sim.app),
    )
    sim.timeout_next(path="/.well-known")
    try:
        with pytest.raises(UpstreamUnavailable, match="timed out"):
            await provider.authorization_request(redirect_url=REDIRECT)
        # and once the provider answers again, so do we
        assert (await provider.authorization_request(redirect_url=REDIRECT)).url
    finally:
        await provider.aclose()


async def test_a_failing_token_endpoint_is_unavailable(
    sim: OidcProviderSimulator, provider: OidcIdentityProvider
) -> None:
    code, request = await authorize(sim, provider)
    sim.fail_next(503, path="/token")

    with pytest.raises(UpstreamUnavailable, match="HTTP 503") as caught:
        await provider.complete(code=code, request=request, redirect_url=REDIRECT)
    assert caught.value.upstream == "oidc"


async def test_a_rate_limited_token_endpoint_says_when_to_retry(
    sim: OidcProviderSimulator, provider: OidcIdentityProvider
) -> None:
    code, request = await authorize(sim, provider)
    sim.fail_next(429, path="/token", headers={"Retry-After": "7"})

    with pytest.raises(UpstreamRateLimited) as caught:
        await provider.complete(code=code, request=request, redirect_url=REDIRECT)
    assert caught.value.retry_after == 7.0


async def test_a_failing_jwks_endpoint_is_unavailable(
    sim: OidcProviderSimulator, provider: OidcIdentityProvider
) -> None:
    code, request = await authorize(sim, provider)
    sim.fail_next(500, path="/jwks")

    with pytest.raises(UpstreamUnavailable, match="JWKS"):
        await provider.complete(code=code, request=request, redirect_url=REDIRECT)


async def test_a_discovery_document_for_another_issuer_is_not_used(
    sim: OidcProviderSimulator,
) -> None:
    # same host, so the document is found, but it names http://idp.sim, not http://idp.sim/
    provider = make_provider(SimulatorTransport(sim.app), issuer=ISSUER + "/")
    try:
        with pytest.raises(UpstreamUnavailable, match="different issuer"):
            await provider.authorization_request(redirect_url=REDIRECT)
    finally:
        await provider.aclose()


async def _get_json(sim: OidcProviderSimulator, path: str) -> dict[str, list[dict[str, str]]]:
    async with httpx.AsyncClient(transport=SimulatorTransport(sim.app), base_url=ISSUER) as client:
        response = await client.get(path)
    assert response.status_code == 200
    body: dict[str, list[dict[str, str]]] = response.json()
    return body
