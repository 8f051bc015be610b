"""An OAuth 2 client-credentials ``httpx.AsyncClient`` built on authlib's ``AsyncOAuth2Client``.

What it adds to authlib: the first request fetches a token (authlib raises instead), every re-fetch
sends the same extra token parameters, a non-2xx token response raises ``httpx.HTTPStatusError``
(authlib would store a gateway's JSON error page as a token), and a 401 from the API drops the token
and retries once, for tokens the upstream revoked or a clock that disagrees with ours.

Several clients may share one :class:`SharedToken` (one per token URL and client id): TimeBack's
services live on several hosts (OneRoster and PowerPath on one, QTI and Caliper on others) but accept
the same token, so one fetch serves them all and a refusal seen by one client renews it for all.

Used by the TimeBack and Appsembler adapters.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import httpx
from authlib.integrations.httpx_client import AsyncOAuth2Client  # type: ignore[import-untyped]


class SharedToken:
    """The current token of one token URL and client id, and the lock that serialises fetching it."""

    def __init__(self) -> None:
        self.token: Any = None  # authlib's OAuth2Token (a dict) once fetched
        self.lock = asyncio.Lock()
        #: how many tokens were fetched (for tests and diagnostics)
        self.fetches = 0


class TokenRegistry:
    """One :class:`SharedToken` per (token URL, client id), for one process's connections: every
    client built from the same registry with the same token URL and client id shares a token."""

    def __init__(self) -> None:
        self._tokens: dict[tuple[str, str], SharedToken] = {}

    def for_url(self, token_url: str, client_id: str = "") -> SharedToken:
        return self._tokens.setdefault((token_url, client_id), SharedToken())

    def __len__(self) -> int:
        return len(self._tokens)


class ClientCredentialsClient(AsyncOAuth2Client):  # type: ignore[misc]  # authlib ships no types
    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        token_endpoint: str,
        auth_method: str,
        token_params: Mapping[str, str] | None = None,
        shared_token: SharedToken | None = None,
        **httpx_kwargs: Any,
    ) -> None:
        super().__init__(
            client_id=client_id,
            client_secret=client_secret,
            token_endpoint=token_endpoint,
            token_endpoint_auth_method=auth_method,
            grant_type="client_credentials",
            **httpx_kwargs,
        )
        self._token_params = dict(token_params or {})
        self.shared_token = shared_token or SharedToken()
        self.register_compliance_hook("access_token_response", _raise_for_status)

    @property
    def token_endpoint(self) -> str:
        return str(self.metadata.get("token_endpoint") or "")

    async def request(
        self,
        method: str,
        url: httpx.URL | str,
        withhold_token: bool = False,
        auth: Any = httpx.USE_CLIENT_DEFAULT,
        **kwargs: Any,
    ) -> httpx.Response:
        if withhold_token or auth is not httpx.USE_CLIENT_DEFAULT:
            # the token request itself, or a caller that manages auth on its own
            response: httpx.Response = await super().request(
                method, url, withhold_token=withhold_token, auth=auth, **kwargs
            )
            return response
        # passing our token auth explicitly skips authlib's own expiry check: one check, one fetch
        used = await self._active_token()
        response = await super().request(method, url, auth=self.token_auth, **kwargs)
        if response.status_code == 401:
            await self._active_token(refuse=used)
            response = await super().request(method, url, auth=self.token_auth, **kwargs)
        return response

    async def ensure_active_token(self, token: Any = None) -> None:
        # authlib's stream() still calls this
        await self._active_token()

    async def _active_token(self, *, refuse: str | None = None) -> str:
        """The current access token, fetched first if missing, expiring (``leeway`` seconds early),
        or the one refused; shared with every client holding the same :class:`SharedToken`."""
        shared = self.shared_token
        async with shared.lock:
            token = shared.token
            if (
                token is None
                or token.is_expired(leeway=self.leeway)
                or token.get("access_token") == refuse
            ):
                token = await self.fetch_token(
                    self.token_endpoint, grant_type="client_credentials", **self._token_params
                )
                shared.token = token
                shared.fetches += 1
            else:
                self.token = token  # another client may have renewed it
            return str(token["access_token"])


def _raise_for_status(response: httpx.Response) -> httpx.Response:
    return response.raise_for_status()
