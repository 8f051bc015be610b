"""The Zoho accounts server: authorization-code grant, refresh, revoke, and Zoho's token limits.

Quirks kept (reference section 3 and 7 item 21):

- every refusal from the token endpoint is **HTTP 200** with an ``error`` body: ``invalid_code``
  for a bad, used, expired or revoked code or refresh token, ``invalid_client`` for a wrong client;
- a refresh answers a new access token and **no** refresh token;
- a refresh token mints at most 10 access tokens per 10 minutes; beyond that the endpoint answers
  200 ``{"error": "Access Denied", "error_description": "You have made too many requests
  continuously...", "status": "failure"}`` for the rest of the window. Source for the 200 and the
  "Access Denied" wording: Zoho CRM's developer post "Kaizen #43 - Tokens and limitations"
  (help.zoho.com community), which says the status stays 200 and the message is "Access Denied";
- at most 30 live access tokens per refresh token (the 31st evicts the oldest) and 20 refresh
  tokens per user and client (the 21st deletes the oldest, with its access tokens).

The authorize endpoint has no login page: it approves at once as the user named by ``login_hint``
(email or ZUID), else the next scripted login, else the seeded default user, and redirects with
``code``, ``state``, ``location`` (the user's data centre) and ``accounts-server``.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from simulators.zoho.state import AuthCode, RefreshGrant, ZohoUser
from simulators.zoho.wire import request_params

if TYPE_CHECKING:
    from simulators.zoho.app import ZohoSimulator

CODE_TTL = 180  # Zoho: a grant token is valid for three minutes
MINT_LIMIT, MINT_WINDOW = 10, 600
LIVE_ACCESS_TOKENS = 30
REFRESH_TOKENS_PER_APP = 20
#: the API domain each data centre's tokens name
API_DOMAINS = {
    "us": "https://www.zohoapis.com",
    "eu": "https://www.zohoapis.eu",
    "in": "https://www.zohoapis.in",
    "au": "https://www.zohoapis.com.au",
    "jp": "https://www.zohoapis.jp",
    "uk": "https://www.zohoapis.uk",
    "ca": "https://www.zohoapis.ca",
    "sa": "https://www.zohoapis.sa",
    "cn": "https://www.zohoapis.com.cn",
}
TOO_MANY = {
    "error_description": "You have made too many requests continuously. "
    "Please try again after some time.",
    "error": "Access Denied",
    "status": "failure",
}


class AccountsServer:
    def __init__(self, sim: ZohoSimulator) -> None:
        self.sim = sim
        self.next_logins: list[str] = []

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/oauth/serverinfo", self._serverinfo, methods=["GET"]),
            Route("/oauth/v2/auth", self._authorize, methods=["GET"]),
            Route("/oauth/v2/token", self._token, methods=["POST"]),
            Route("/oauth/v2/token/revoke", self._revoke, methods=["POST"]),
        ]

    # -- what tests and harnesses script -------------------------------------------------------

    def next_login(self, who: str) -> None:
        """The next authorize request signs in as ``who`` (email or ZUID), whatever its hint."""
        if self._find(who) is None:
            raise KeyError(f"no simulated Zoho user {who!r}")
        self.next_logins.append(who)

    def grant(self, zuid: str, client_id: str, scope: str) -> RefreshGrant:
        """A new refresh token, keeping at most 20 per user and client (the oldest goes first)."""
        state = self.sim.state
        token = f"1000.{secrets.token_hex(16)}.{secrets.token_hex(16)}"
        grant = RefreshGrant(token, client_id, zuid, scope, created_at=self.sim.clock.now())
        state.refresh_tokens[token] = grant
        mine = [
            g for g in state.refresh_tokens.values() if (g.zuid, g.client_id) == (zuid, client_id)
        ]
        for old in sorted(mine, key=lambda g: g.created_at)[
            : max(0, len(mine) - REFRESH_TOKENS_PER_APP)
        ]:
            self.revoke_grant(old)
        return grant

    def revoke_grant(self, grant: RefreshGrant) -> None:
        self.sim.state.refresh_tokens.pop(grant.token, None)
        self.sim.state.revoked.update(grant.access_tokens)
        grant.access_tokens.clear()

    # -- routes ----------------------------------------------------------------------------------

    async def _serverinfo(self, _: Request) -> Response:
        return JSONResponse({"result": "success", "locations": self.sim.locations})

    async def _authorize(self, request: Request) -> Response:
        params = dict(request.query_params)
        client = self.sim.state.clients.get(params.get("client_id", ""))
        redirect_uri = params.get("redirect_uri", "")
        # without a known client and its redirect URI there is nowhere safe to send an error
        if client is None:
            return JSONResponse({"error": "invalid_client"}, status_code=400)
        if not client.accepts(redirect_uri):
            return JSONResponse({"error": "invalid_redirect_uri"}, status_code=400)
        back: dict[str, str] = {}
        if "state" in params:
            back["state"] = params["state"]
        if params.get("response_type") != "code":
            return _redirect(redirect_uri, {"error": "unsupported_response_type", **back})
        if not params.get("scope"):
            return _redirect(redirect_uri, {"error": "invalid_scope", **back})
        user = self._who_signs_in(params.get("login_hint"))
        if user is None:
            return _redirect(redirect_uri, {"error": "access_denied", **back})
        code = AuthCode(
            code=f"1000.{secrets.token_hex(16)}.{secrets.token_hex(16)}",
            client_id=client.client_id,
            redirect_uri=redirect_uri,
            zuid=user.zuid,
            scope=params["scope"],
            offline=params.get("access_type") == "offline",
            expires_at=self.sim.clock.now() + CODE_TTL,
        )
        self.sim.state.codes[code.code] = code
        server = self.sim.locations.get(user.location, self.sim.public_url)
        return _redirect(
            redirect_uri,
            {"code": code.code, **back, "location": user.location, "accounts-server": server},
        )

    async def _token(self, request: Request) -> Response:
        params = await request_params(request)
        client = self.sim.state.clients.get(params.get("client_id", ""))
        if client is None or not secrets.compare_digest(
            client.secret.encode(), params.get("client_secret", "").encode()
        ):
            return JSONResponse({"error": "invalid_client"})
        grant_type = params.get("grant_type")
        if grant_type == "authorization_code":
            return self._exchange_code(params)
        if grant_type == "refresh_token":
            return self._refresh(params)
        return JSONResponse({"error": "unsupported_grant_type"})

    async def _revoke(self, request: Request) -> Response:
        token = (await request_params(request)).get("token", "")
        grant = self.sim.state.refresh_tokens.get(token)
        if grant is not None:
            self.revoke_grant(grant)
        elif token:
            self.sim.state.revoked.add(token)
        # like RFC 7009: an unknown token is not an error, so revoking twice is harmless
        return JSONResponse({"status": "success"})

    # -- grants ----------------------------------------------------------------------------------

    def _exchange_code(self, params: Mapping[str, str]) -> Response:
        # single use: a code is spent by its first presentation, even a refused one
        code = self.sim.state.codes.pop(params.get("code", ""), None)
        if (
            code is None
            or code.expires_at <= self.sim.clock.now()
            or code.client_id != params.get("client_id")
            or code.redirect_uri != params.get("redirect_uri")
        ):
            return JSONResponse({"error": "invalid_code"})
        if not code.offline:  # online access: an access token and nothing to refresh it with
            return JSONResponse(self.mint(RefreshGrant("", code.client_id, code.zuid, code.scope)))
        grant = self.grant(code.zuid, code.client_id, code.scope)
        body = self.mint(grant)
        return JSONResponse(
            {"access_token": body.pop("access_token"), "refresh_token": grant.token, **body}
        )

    def _refresh(self, params: Mapping[str, str]) -> Response:
        grant = self.sim.state.refresh_tokens.get(params.get("refresh_token", ""))
        if grant is None or grant.client_id != params.get("client_id"):
            return JSONResponse({"error": "invalid_code"})  # yes, with HTTP 200
        now = self.sim.clock.now()
        while grant.minted and grant.minted[0] <= now - MINT_WINDOW:
            grant.minted.popleft()
        if len(grant.minted) >= MINT_LIMIT:
            return JSONResponse(TOO_MANY)
        # no new refresh token: the one the client holds stays valid
        return JSONResponse(self.mint(grant))

    def mint(self, grant: RefreshGrant) -> dict[str, object]:
        user = self.sim.state.users.get(grant.zuid)
        token = self.sim.tokens.issue(
            grant.zuid,
            value=f"1000.{secrets.token_hex(16)}.{secrets.token_hex(16)}",
            scope=grant.scope,
        )
        grant.minted.append(token.issued_at)
        grant.access_tokens.append(token.value)
        while len(grant.access_tokens) > LIVE_ACCESS_TOKENS:
            self.sim.state.revoked.add(grant.access_tokens.popleft())
        location = user.location if user is not None else "us"
        return {
            "access_token": token.value,
            "scope": grant.scope,
            "api_domain": API_DOMAINS.get(location, API_DOMAINS["us"]),
            "token_type": "Bearer",
            "expires_in": self.sim.tokens.ttl,
        }

    def _who_signs_in(self, hint: str | None) -> ZohoUser | None:
        if self.next_logins:
            return self._find(self.next_logins.pop(0))
        if hint:
            return self._find(hint)
        return self.sim.state.users.get(self.sim.state.default_login)

    def _find(self, who: str) -> ZohoUser | None:
        return self.sim.state.users.get(who) or self.sim.state.user_by_email(who)


def _redirect(uri: str, params: Mapping[str, str]) -> Response:
    separator = "&" if "?" in uri else "?"
    return RedirectResponse(f"{uri}{separator}{urlencode(params)}", status_code=302)
