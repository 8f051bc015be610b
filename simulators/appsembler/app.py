"""The Appsembler simulator: Open edX's DOT token endpoint and the Appsembler API.

Faithful to the LMS: DRF auth errors (``detail`` for a missing header, ``error_code`` plus
``developer_message`` for bad tokens, ``WWW-Authenticate: Bearer realm="api"`` on every 401),
prefix-matched routes, unpaginated analytics arrays, and a bare Django 500 page for an unparsable
date filter.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from http import HTTPStatus

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from simulators.appsembler.seed import build_lms
from simulators.appsembler.state import Account, LmsState
from simulators.kit.credentials import authenticate_client
from simulators.kit.simulator import SeedSpec, Simulator
from simulators.kit.tokens import TokenStatus

TOKEN_PATH = "/oauth2/access_token"  # noqa: S105 (a path, not a secret)
API = "/appsembler_api/v0"
SCOPE = "read write email profile"
WWW_AUTHENTICATE = {"WWW-Authenticate": 'Bearer realm="api"'}
TOKEN_ALPHABET = string.ascii_letters + string.digits


class AppsemblerSimulator(Simulator[LmsState]):
    system = "appsembler"
    hosts = ("appsembler.sim",)
    default_token_ttl = 36000  # Open edX's default

    def build_state(self, spec: SeedSpec) -> LmsState:
        return build_lms(spec)

    def summarize(self) -> dict[str, object]:
        return {"accounts": len(self.state.accounts), "apps": len(self.state.apps)}

    def error_response(self, status: int, detail: str | None = None) -> Response:
        if status >= 500:  # Django's bare page, not JSON
            return HTMLResponse(f"<h1>Server Error ({status})</h1>", status_code=status)
        return JSONResponse({"detail": detail or _phrase(status)}, status_code=status)

    def routes(self) -> list[BaseRoute]:
        return [
            Route(TOKEN_PATH, self._token, methods=["POST"]),
            # Appsembler's URL regexes have no `$`: `batch/` and `batchXYZ` match too
            Route(
                f"{API}/analytics/accounts/batch{{rest:path}}",
                self._guarded(self._accounts_batch),
                methods=["GET"],
            ),
        ]

    async def _token(self, request: Request) -> Response:
        form = await request.form()
        # oauthlib checks the grant type before it authenticates the client
        if form.get("grant_type") != "client_credentials":
            return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
        authorization = request.headers.get("authorization", "")
        client_id = authenticate_client(authorization, form, self._client_secret)
        if client_id is None:
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        app = self.state.apps[client_id]
        value = "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(30))
        token = self.tokens.issue(str(app.user_id), value=value, scope=SCOPE)
        return JSONResponse(
            {
                "access_token": token.value,
                "expires_in": self.tokens.ttl,
                "token_type": "Bearer",
                "scope": SCOPE,
            },
            headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
        )

    def _client_secret(self, client_id: str) -> str | None:
        app = self.state.apps.get(client_id)
        return app.client_secret if app is not None else None

    def _guarded(
        self, view: Callable[[Request, Account], Response]
    ) -> Callable[[Request], Awaitable[Response]]:
        """DRF's BearerAuthentication plus Appsembler's IsStaffOrOwner, in that order."""

        async def endpoint(request: Request) -> Response:
            user = self._authenticate(request)
            if isinstance(user, Response):
                return user
            if not user.is_staff and request.query_params.get("username") != user.username:
                return JSONResponse(
                    {"detail": "You do not have permission to perform this action."},
                    status_code=403,
                )
            return view(request, user)

        return endpoint

    def _authenticate(self, request: Request) -> Account | Response:
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer":
            return _unauthorized({"detail": "Authentication credentials were not provided."})
        if not value:
            return _token_error(
                "token_not_provided", "Invalid token header. No credentials provided."
            )
        if " " in value:
            return _token_error(
                "token_malformed", "Invalid token header. Token string should not contain spaces."
            )
        status, token = self.tokens.check(value)
        if status is TokenStatus.UNKNOWN or token is None:
            return _token_error(
                "token_nonexistent", "The provided access token does not match any valid tokens."
            )
        if status is TokenStatus.EXPIRED:
            return _token_error(
                "token_expired", "The provided access token has expired and is no longer valid."
            )
        user = self.state.account(int(token.subject))
        if user is None:
            return _token_error(
                "token_nonexistent", "The provided access token does not match any valid tokens."
            )
        return user

    def _accounts_batch(self, request: Request, _: Account) -> Response:
        try:
            after = _parse_date(request.query_params.get("updated_min"))
            before = _parse_date(request.query_params.get("updated_max"))
        except ValueError:
            return self.error_response(500)  # the real view lets the parse error escape
        # the filters are exclusive and apply to date_joined, whatever their names say
        rows = [
            a
            for a in self.state.accounts.values()
            if (after is None or a.date_joined > after)
            and (before is None or a.date_joined < before)
        ]
        return JSONResponse([_account_json(a) for a in rows])


def _account_json(account: Account) -> dict[str, object]:
    return {
        "id": account.id,
        "username": account.username,
        "email": account.email,
        "is_active": account.is_active,
        "date_joined": account.date_joined.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
    }


def _parse_date(value: str | None) -> datetime | None:
    if value is None:
        return None
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _unauthorized(body: dict[str, str]) -> Response:
    return JSONResponse(body, status_code=401, headers=WWW_AUTHENTICATE)


def _token_error(code: str, message: str) -> Response:
    return _unauthorized({"error_code": code, "developer_message": message})


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase + "."
    except ValueError:
        return "Error."
