"""The OpenID Connect identity provider, declared once for the composition root
(``adapters/upstream.py``). ``BFF_OIDC_ENABLED=false`` leaves it out entirely: no provider, no
probe, no simulator, and production does not ask for its secret or issuer."""

from __future__ import annotations

from typing import TYPE_CHECKING

from adapters.oidc.settings import OidcSettings
from adapters.upstream import Close, Upstream

if TYPE_CHECKING:
    import httpx

    from adapters.http.oauth import TokenRegistry
    from domain.ports import UpstreamProbe
    from domain.ports.sso import IdentityProvider


def _enabled(s: OidcSettings) -> bool:
    return s.enabled


def _client(
    s: OidcSettings, transport: httpx.AsyncBaseTransport | None, tokens: TokenRegistry
) -> httpx.AsyncClient:
    """The probe's client; sign-in uses the provider's own (authlib) client."""
    import httpx

    from adapters.http.options import client_options

    return httpx.AsyncClient(
        **client_options(base_url=s.issuer, timeout=s.timeout_seconds, transport=transport)
    )


def _probe(s: OidcSettings, client: httpx.AsyncClient) -> UpstreamProbe:
    from adapters.oidc.probe import OidcProbe

    secret_set = bool(s.client_secret.get_secret_value())
    return OidcProbe(client, issuer=s.issuer, client_id=s.client_id, secret_set=secret_set)


def _identity_provider(
    s: OidcSettings, transport: httpx.AsyncBaseTransport | None
) -> tuple[IdentityProvider, Close]:
    from adapters.oidc.provider import OidcIdentityProvider

    provider = OidcIdentityProvider(
        issuer=s.issuer,
        client_id=s.client_id,
        client_secret=s.client_secret.get_secret_value(),
        scopes=s.scopes,
        timeout=s.timeout_seconds,
        transport=transport,
    )
    return provider, provider.aclose


OIDC = Upstream(
    name="oidc",
    settings=OidcSettings,
    enabled=_enabled,
    client=_client,
    probe=_probe,
    identity_provider=_identity_provider,
    simulator="simulators.oidc:OidcProviderSimulator",
    hosts=("idp.sim",),
    cli_name="oidc",
    compose=("enabled", "client_id", "redirect_url"),
)

__all__ = ["OIDC", "OidcSettings"]
