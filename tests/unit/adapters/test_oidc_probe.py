"""The identity provider's health probe: against the simulator, and what it reports when not."""

from __future__ import annotations

import httpx

from adapters.oidc.probe import OidcProbe
from simulators.kit.transport import SimulatorTransport
from simulators.oidc import OidcProviderSimulator

ISSUER = "http://idp.sim"


def probe(transport: httpx.AsyncBaseTransport, *, issuer: str = ISSUER) -> OidcProbe:
    client = httpx.AsyncClient(base_url=issuer, transport=transport)
    return OidcProbe(client, issuer=issuer, client_id="learning-bff", secret_set=True)


def discovery(body: object, status: int = 200) -> httpx.MockTransport:
    return httpx.MockTransport(lambda _: httpx.Response(status, json=body))


async def test_the_simulators_discovery_document_passes() -> None:
    check = await probe(SimulatorTransport(OidcProviderSimulator(ISSUER).app)).check()
    assert (check.upstream, check.ok) == ("oidc", True), check.detail


async def test_a_document_for_another_issuer_fails() -> None:
    sim = OidcProviderSimulator("http://other.sim")
    check = await probe(SimulatorTransport(sim.app)).check()
    assert check.ok is False
    assert "different issuer" in check.detail


async def test_a_document_without_endpoints_fails_and_says_which() -> None:
    check = await probe(discovery({"issuer": ISSUER, "token_endpoint": "x"})).check()
    assert check.ok is False
    assert check.detail.endswith("has no authorization_endpoint, jwks_uri")


async def test_an_outage_is_reported_not_raised() -> None:
    check = await probe(discovery({"error": "temporarily_unavailable"}, 503)).check()
    assert check.ok is False
    assert check.detail == "HTTP 503 from the identity provider: temporarily_unavailable"


def test_a_missing_issuer_or_secret_is_not_configured() -> None:
    client = httpx.AsyncClient(base_url="")
    status = OidcProbe(client, issuer="", client_id="bff", secret_set=False).configured()
    assert status.ok is False
    assert status.detail == "missing client secret, issuer"
