from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True, kw_only=True)
class AuthorizationRequest:
    """Where to send the browser, and what must come back (kept by the BFF, never by the browser)."""

    url: str
    state: str
    nonce: str
    code_verifier: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ExternalIdentity:
    """Who the provider says logged in, from a validated id_token."""

    issuer: str
    subject: str
    email: str | None
    email_verified: bool
    name: str | None


class IdentityProvider(Protocol):
    """An OpenID Connect provider, used with the authorization-code flow and PKCE."""

    async def authorization_request(self, *, redirect_url: str) -> AuthorizationRequest:
        """A fresh state, nonce and PKCE verifier, and the provider's authorize URL carrying them."""
        ...

    async def complete(
        self, *, code: str, request: AuthorizationRequest, redirect_url: str
    ) -> ExternalIdentity:
        """Exchange the code (with the PKCE verifier) and validate the id_token (signature via JWKS,
        issuer, audience, expiry, nonce). Raises ``Unauthenticated`` when anything does not check out,
        ``UpstreamUnavailable`` when the provider cannot be reached."""
        ...
