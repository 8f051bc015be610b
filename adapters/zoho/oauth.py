"""Zoho's per-user OAuth, client side: trading a stored refresh token for an access token.

Zoho answers a refused refresh with HTTP 200 and ``{"error": "invalid_code"}``, so success is judged
by the body, never by the status alone. API calls then send ``Authorization: Zoho-oauthtoken <t>``.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from adapters.zoho.errors import ZohoUnavailable, oauth_error, raise_for_status

TOKEN_PATH = "/oauth/v2/token"  # noqa: S105 (a path, not a secret)


@dataclass(frozen=True, slots=True)
class ZohoAccessToken:
    access_token: str
    expires_in: int
    api_domain: str
    scope: str

    @property
    def header(self) -> dict[str, str]:
        return {"Authorization": f"Zoho-oauthtoken {self.access_token}"}


async def refresh_access_token(
    accounts: httpx.AsyncClient, *, client_id: str, client_secret: str, refresh_token: str
) -> ZohoAccessToken:
    """Raises ``ZohoAuthError`` when Zoho refuses the grant (even with a 200), other
    ``ZohoError``s for HTTP failures; transport errors propagate for ``as_zoho_error``."""
    response = await accounts.post(
        TOKEN_PATH,
        data={
            "grant_type": "refresh_token",
            "client_id": client_id,
            "client_secret": client_secret,
            "refresh_token": refresh_token,
        },
    )
    body = raise_for_status(response).json()
    if refused := oauth_error(body):
        raise refused
    if not isinstance(body, dict) or not isinstance(body.get("access_token"), str):
        raise ZohoUnavailable("Zoho accounts answered without an access token")
    return ZohoAccessToken(
        access_token=body["access_token"],
        expires_in=int(body.get("expires_in", 3600)),
        api_domain=str(body.get("api_domain", "")),
        scope=str(body.get("scope", "")),
    )
