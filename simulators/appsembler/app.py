"""The Appsembler simulator: Open edX's DOT token endpoint and the Appsembler API.

Faithful to the LMS: DRF auth errors (``detail`` for a missing header, ``error_code`` plus
``developer_message`` for bad tokens, ``WWW-Authenticate: Bearer realm="api"`` on every 401),
Appsembler's ``IsStaffOrOwner`` permission, prefix-matched routes (the URL regexes have no ``$``),
DRF's throttle on bulk enrollment (bypassed by ``X-Edx-Api-Key``), django-ratelimit's on redeeming
codes, and a bare Django 500 page wherever the real view lets an exception escape. The views
themselves are in :mod:`accounts`, :mod:`enrollments` and :mod:`analytics`.
"""

from __future__ import annotations

import math
import secrets
import string
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from simulators.appsembler import accounts, analytics, enrollments, roles
from simulators.appsembler.courses import search_courses
from simulators.appsembler.seed import build_lms
from simulators.appsembler.state import Account, LmsState
from simulators.appsembler.wire import BadRequestBody, body_of, phrase, server_error, text
from simulators.kit.credentials import authenticate_client
from simulators.kit.simulator import SeedSpec, Simulator
from simulators.kit.tokens import TokenStatus

TOKEN_PATH = "/oauth2/access_token"  # noqa: S105 (a path, not a secret)
API = "/appsembler_api/v0"
CSRF_PATH = "/csrf/api/v1/token"  # edx's CSRF token API: the cookie a session login needs
SCOPE = "read write email profile"
WWW_AUTHENTICATE = {"WWW-Authenticate": 'Bearer realm="api"'}
TOKEN_ALPHABET = string.ascii_letters + string.digits
NOT_ALLOWED = {"detail": "You do not have permission to perform this action."}
SANDBOX_EDX_API_KEY = "sandbox-edx-api-key"
Body = Mapping[str, object]
View = Callable[[Request, Account, Body], Response]


class AppsemblerSimulator(Simulator[LmsState]):
    system = "appsembler"
    hosts = ("appsembler.sim",)
    default_token_ttl = 36000  # Open edX's default
    #: the LMS's ``EDX_API_KEY``: a request carrying it in ``X-Edx-Api-Key`` is not throttled
    edx_api_key: str | None = SANDBOX_EDX_API_KEY
    #: EnrollmentUserThrottle: bulk enrollments per minute and user (staff get more)
    bulk_per_minute = 40
    bulk_per_minute_staff = 120
    #: django-ratelimit on enroll-user: invalid codes per minute and user
    invalid_codes_per_minute = 6
    #: Appsembler's Hawthorn fork has ``courses/{id}/roles``; the current plugin does not
    course_roles_api = True

    def __init__(self, **kwargs: Any) -> None:
        #: the JWT-typed tokens issued: only the ``JWT`` scheme takes them
        self._jwt: set[str] = set()
        super().__init__(**kwargs)

    def build_state(self, spec: SeedSpec) -> LmsState:
        return build_lms(spec, demo_data=self.demo_data)

    def summarize(self) -> dict[str, object]:
        return {
            "accounts": len(self.state.accounts),
            "apps": len(self.state.apps),
            "courses": len(self.state.courses),
            "enrollments": len(self.state.enrollments),
            "codes": len(self.state.codes),
        }

    def error_response(self, status: int, detail: str | None = None) -> Response:
        if status >= 500:  # Django's bare page, not JSON
            return server_error() if status == 500 else _html(status)
        return JSONResponse({"detail": detail or phrase(status)}, status_code=status)

    def routes(self) -> list[BaseRoute]:
        def post(path: str, view: View) -> Route:
            # Appsembler's URL regexes have no `$`: `create/` and `createXYZ` match too
            return Route(f"{API}/{path}{{rest:path}}", self._guarded(view), methods=["POST"])

        def get(path: str, view: View) -> Route:
            return Route(f"{API}/{path}{{rest:path}}", self._guarded(view), methods=["GET"])

        now = self._now
        return [
            Route(TOKEN_PATH, self._token, methods=["POST"]),
            post("accounts/create", lambda r, u, b: accounts.create(self.state, b, now())),
            post(
                "accounts/user_without_password",
                lambda r, u, b: accounts.create_without_password(self.state, b, now()),
            ),
            post("accounts/connect", lambda r, u, b: accounts.connect(self.state, b)),
            post("accounts/update_user", lambda r, u, b: accounts.update_user(self.state, b)),
            Route(
                f"{API}/accounts/get-user/{{rest:path}}",
                self._guarded(
                    lambda r, u, b: accounts.get_user(self.state, r.path_params["rest"]),
                    owner=lambda r: _get_user_kwarg(r.path_params["rest"]),
                ),
                methods=["GET"],
            ),
            Route(f"{API}/search_courses{{rest:path}}", self._search, methods=["GET"]),
            Route(CSRF_PATH, self._csrf, methods=["GET"]),
            Route(f"{API}/account/login_session{{rest:path}}", self._login, methods=["POST"]),
            Route(
                f"{API}/courses/{{course_id:path}}/roles{{rest:path}}",
                self._guarded(self._roles),
                methods=["GET", "PUT", "DELETE"],
            ),
            Route(
                f"{API}/bulk-enrollment/bulk-enroll{{rest:path}}",
                self._guarded(self._bulk_enroll, staff_or_owner=False),
                methods=["POST"],
            ),
            post(
                "enrollment-codes/generate",
                lambda r, u, b: enrollments.generate_codes(self.state, b, u, self.public_url),
            ),
            post("enrollment-codes/enroll-user", self._enroll_user),
            post("enrollment-codes/status", lambda r, u, b: enrollments.code_status(self.state, b)),
            get(
                "analytics/accounts/batch",
                lambda r, u, b: analytics.accounts_batch(self.state, r.query_params),
            ),
            get(
                "analytics/enrollment/batch",
                lambda r, u, b: analytics.enrollment_batch(
                    self.state, r.query_params, self.public_url
                ),
            ),
        ]

    def _now(self) -> datetime:
        return self.clock.utcnow()

    # -- tokens -------------------------------------------------------------------------------

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
        jwt = str(form.get("token_type", "")).lower() == "jwt"
        if jwt:  # an opaque stand-in with a JWT's three dotted parts
            value = ".".join(secrets.token_urlsafe(n) for n in (27, 120, 64))
            self._jwt.add(value)
        else:
            value = "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(30))
        token = self.tokens.issue(str(app.user_id), value=value, scope=SCOPE)
        return JSONResponse(
            {
                "access_token": token.value,
                "expires_in": self.tokens.ttl,
                "token_type": "JWT" if jwt else "Bearer",
                "scope": SCOPE,
            },
            headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
        )

    def _client_secret(self, client_id: str) -> str | None:
        app = self.state.apps.get(client_id)
        return app.client_secret if app is not None else None

    # -- authentication, permission, throttles -------------------------------------------------

    def _guarded(
        self,
        view: View,
        *,
        owner: Callable[[Request], str | None] | None = None,
        staff_or_owner: bool = True,
    ) -> Callable[[Request], Awaitable[Response]]:
        """DRF's authentication, then Appsembler's IsStaffOrOwner (bulk enrollment asks only for
        an authenticated user, and leaves the rest to the instructor API), then the view."""

        async def endpoint(request: Request) -> Response:
            user = self._authenticate(request)
            if isinstance(user, Response):
                return user
            body: Body = {}
            if request.method in ("POST", "PUT"):
                try:
                    body = await body_of(request)
                except BadRequestBody as exc:
                    return JSONResponse({"detail": str(exc)}, status_code=400)
            owners = {request.query_params.get("username"), text(body, "username") or None}
            if owner is not None:
                owners.add(owner(request))
            if staff_or_owner and not user.is_staff and user.username not in owners:
                return JSONResponse(NOT_ALLOWED, status_code=403)
            return view(request, user, body)

        return endpoint

    def _authenticate(self, request: Request) -> Account | Response:
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "jwt":
            if value in self._jwt:
                return self._token_user(value)
            return _unauthorized({"detail": "Error decoding token."})
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
        if value in self._jwt:  # a JWT sent as a Bearer token matches no DOT token
            return _nonexistent()
        return self._token_user(value)

    def _token_user(self, value: str) -> Account | Response:
        status, token = self.tokens.check(value)
        if status is TokenStatus.UNKNOWN or token is None:
            return _nonexistent()
        if status is TokenStatus.EXPIRED:
            return _token_error(
                "token_expired", "The provided access token has expired and is no longer valid."
            )
        user = self.state.account(int(token.subject))
        return user if user is not None else _nonexistent()

    def _throttled(self, name: str, user: Account, per_minute: int) -> float | None:
        """Seconds to wait when ``user`` already made ``per_minute`` calls in the last minute."""
        now = self.clock.now()
        hits = self.state.hits.setdefault((name, user.id), deque())
        while hits and hits[0] <= now - 60:
            hits.popleft()
        if len(hits) >= per_minute:
            return hits[0] + 60 - now if hits else 60.0
        return None

    def _hit(self, name: str, user: Account) -> None:
        self.state.hits.setdefault((name, user.id), deque()).append(self.clock.now())

    def _bulk_enroll(self, request: Request, user: Account, body: Body) -> Response:
        key = request.headers.get("x-edx-api-key")
        if self.edx_api_key is None or key != self.edx_api_key:
            limit = self.bulk_per_minute_staff if user.is_staff else self.bulk_per_minute
            wait = self._throttled("bulk-enroll", user, limit)
            if wait is not None:
                seconds = max(1, math.ceil(wait))
                return JSONResponse(
                    {"detail": f"Request was throttled. Expected available in {seconds} seconds."},
                    status_code=429,
                    headers={"Retry-After": str(seconds)},
                )
            self._hit("bulk-enroll", user)
        if not user.is_staff:  # the instructor API's own check on the course
            return JSONResponse(NOT_ALLOWED, status_code=403)
        return enrollments.bulk_enroll(self.state, body, self._now())

    def _enroll_user(self, request: Request, user: Account, body: Body) -> Response:
        if self._throttled("enroll-user", user, self.invalid_codes_per_minute) is not None:
            return JSONResponse(NOT_ALLOWED, status_code=403)  # Ratelimited is a PermissionDenied
        response, invalid_code = enrollments.enroll_user(self.state, body, self._now())
        if invalid_code:
            self._hit("enroll-user", user)
        return response

    def _roles(self, request: Request, user: Account, body: Body) -> Response:
        if not self.course_roles_api:  # the current plugin has no such route: Django's 404 page
            return _html(404)
        course_id = request.path_params["course_id"]
        return roles.course_roles(self.state, request.method, course_id, body, request.query_params)

    async def _csrf(self, request: Request) -> Response:
        token = secrets.token_urlsafe(32)
        response = JSONResponse({"csrfToken": token})
        response.set_cookie("csrftoken", token, samesite="lax")
        return response

    async def _login(self, request: Request) -> Response:
        return await roles.login_session(self.state, request)

    async def _search(self, request: Request) -> Response:
        return search_courses(self.state, request.query_params)


def _get_user_kwarg(rest: str) -> str | None:
    match = accounts.GET_USER_USERNAME.match(rest)
    return match.group(0) if match else None


def _html(status: int) -> Response:
    return HTMLResponse(f"<h1>{phrase(status).rstrip('.')}</h1>", status_code=status)


def _unauthorized(body: dict[str, str]) -> Response:
    return JSONResponse(body, status_code=401, headers=WWW_AUTHENTICATE)


def _token_error(code: str, message: str) -> Response:
    return _unauthorized({"error_code": code, "developer_message": message})


def _nonexistent() -> Response:
    return _token_error(
        "token_nonexistent", "The provided access token does not match any valid tokens."
    )
