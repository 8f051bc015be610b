"""Zoho's per-user OAuth: the authorization-code flow, refresh and revoke, per data centre.

Zoho answers a refused code or refresh token with HTTP 200 and ``{"error": "invalid_code"}`` (and
its refresh-rate limit with 200 ``{"error": "Access Denied", ...}``), so success is judged by the
body, never by the status alone. API calls then send ``Authorization: Zoho-oauthtoken <t>``.

authlib builds the authorization URL and performs the code exchange; refresh and revoke are one
form POST each and go through a plain client, so no OAuth client holds per-user token state.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from authlib.integrations.httpx_client import AsyncOAuth2Client  # type: ignore[import-untyped]
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri  # type: ignore[import-untyped]

from adapters.zoho.data_centres import DataCentres
from adapters.zoho.errors import (
    ZohoError,
    ZohoUnavailable,
    as_zoho_error,
    grant_error,
    oauth_error,
    raise_for_status,
)
from domain.errors import ReconnectNeeded
from domain.models.timesheets import AccessGrant, OAuthGrant
from domain.ports.time_tracker import TrackerAuth

AUTHORIZE_PATH = "/oauth/v2/auth"
TOKEN_PATH = "/oauth/v2/token"  # noqa: S105 (a path, not a secret)
REVOKE_PATH = "/oauth/v2/token/revoke"

log = logging.getLogger(__name__)
#: what a token call may fail with: Zoho's answer, the network, or a reply we cannot read
_FAILURES = (ZohoError, httpx.HTTPError, ValueError, KeyError, TypeError)


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
    accounts: httpx.AsyncClient,
    *,
    client_id: str,
    client_secret: str,
    refresh_token: str,
    token_url: str = TOKEN_PATH,
) -> ZohoAccessToken:
    """Raises ``ZohoAuthError`` when Zoho refuses the grant (even with a 200), other
    ``ZohoError``s for HTTP failures; transport errors propagate for ``as_zoho_error``."""
    response = await accounts.post(
        token_url,
        data={
            "grant_type": "refresh_token",
            "client_id": client_id,
            "client_secret": client_secret,
            "refresh_token": refresh_token,
        },
    )
    body = _judged(response)
    return ZohoAccessToken(
        access_token=body["access_token"],
        expires_in=int(body.get("expires_in", 3600)),
        api_domain=str(body.get("api_domain", "")),
        scope=str(body.get("scope", "")),
    )


def _judged(response: httpx.Response) -> dict[str, Any]:
    """A token reply's body if it holds an access token; the refusal it holds otherwise."""
    body = raise_for_status(response).json()
    if refused := oauth_error(body):
        raise refused
    if not isinstance(body, dict) or not isinstance(body.get("access_token"), str):
        raise ZohoUnavailable("Zoho accounts answered without an access token")
    return body


def _judge_token_reply(response: httpx.Response) -> httpx.Response:
    """authlib compliance hook: judge the reply before authlib parses it as a token."""
    _judged(response)
    return response


class ZohoOAuth(TrackerAuth):
    """:class:`~domain.ports.time_tracker.TrackerAuth` for one Zoho product's scopes."""

    def __init__(
        self,
        *,
        oauth: AsyncOAuth2Client,
        accounts: httpx.AsyncClient,
        data_centres: DataCentres,
        client_id: str,
        client_secret: str,
        scopes: Sequence[str],
    ) -> None:
        self._oauth = oauth
        self._accounts = accounts
        self._dcs = data_centres
        self._client_id = client_id
        self._client_secret = client_secret
        self._scope = ",".join(scopes)  # Zoho separates scopes with commas, not spaces

    @staticmethod
    def make_oauth_client(
        *, client_id: str, client_secret: str, **httpx_options: object
    ) -> AsyncOAuth2Client:
        client = AsyncOAuth2Client(
            client_id=client_id,
            client_secret=client_secret,
            token_endpoint_auth_method="client_secret_post",  # noqa: S106 (Zoho reads the form)
            **httpx_options,
        )
        client.register_compliance_hook("access_token_response", _judge_token_reply)
        return client

    def data_centres(self) -> Sequence[str]:
        return self._dcs.keys()

    def authorization_url(self, *, data_centre: str, state: str, redirect_url: str) -> str:
        accounts = self._dcs[data_centre].accounts_url
        url: str = prepare_grant_uri(
            accounts + AUTHORIZE_PATH,
            client_id=self._client_id,
            response_type="code",
            redirect_uri=redirect_url,
            scope=self._scope,
            state=state,
            # offline: a refresh token comes back; consent: it comes back on a reconnect too
            access_type="offline",
            prompt="consent",
        )
        return url

    async def exchange_code(self, *, data_centre: str, code: str, redirect_url: str) -> OAuthGrant:
        token_url = self._dcs[data_centre].accounts_url + TOKEN_PATH
        try:
            token = await self._oauth.fetch_token(
                token_url, grant_type="authorization_code", code=code, redirect_uri=redirect_url
            )
        except _FAILURES as exc:
            raise grant_error(as_zoho_error(exc)) from exc
        refresh_token = token.get("refresh_token")
        if not isinstance(refresh_token, str) or not refresh_token:
            raise ReconnectNeeded(
                "Zoho granted no refresh token (offline access refused); connect again",
                upstream="zoho",
            )
        return OAuthGrant(
            refresh_token=refresh_token,
            access_token=str(token["access_token"]),
            expires_in=int(token.get("expires_in", 3600)),
            api_domain=str(token.get("api_domain", "")),
        )

    async def refresh(self, *, data_centre: str, refresh_token: str) -> AccessGrant:
        token_url = self._dcs[data_centre].accounts_url + TOKEN_PATH
        try:
            token = await refresh_access_token(
                self._accounts,
                client_id=self._client_id,
                client_secret=self._client_secret,
                refresh_token=refresh_token,
                token_url=token_url,
            )
        except _FAILURES as exc:
            raise grant_error(as_zoho_error(exc)) from exc
        return AccessGrant(
            access_token=token.access_token,
            expires_in=token.expires_in,
            api_domain=token.api_domain,
        )

    async def revoke(self, *, data_centre: str, refresh_token: str) -> None:
        url = self._dcs[data_centre].accounts_url + REVOKE_PATH
        try:
            raise_for_status(await self._accounts.post(url, params={"token": refresh_token}))
        except _FAILURES as exc:  # best effort: disconnecting must not depend on Zoho answering
            log.warning("zoho revoke failed: %s", as_zoho_error(exc))
