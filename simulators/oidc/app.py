"""An OpenID Connect provider, small but strict, for tests and sandbox mode.

It serves discovery, JWKS, an authorize endpoint without a login page, a token endpoint
(authorization code + PKCE S256 only) and userinfo. Who logs in is chosen by ``login_hint`` (email
or subject) or scripted with :meth:`OidcProviderSimulator.next_login`. Errors follow RFC 6749:
authorize errors go back to a valid redirect URI as ``?error=``; otherwise they are JSON.
"""

from __future__ import annotations

import hmac
import secrets
from typing import ClassVar
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from simulators.kit.simulator import SeedSpec, Simulator
from simulators.kit.tokens import TokenStatus
from simulators.oidc.pages import sign_in_page
from simulators.oidc.state import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_REDIRECT_PREFIXES,
    DEFAULT_REDIRECT_URIS,
    TAMPER_KINDS,
    IssuedCode,
    OidcState,
    SimClient,
    SimUser,
    TamperKind,
    is_s256_challenge,
    mint_id_token,
    new_signing_key,
    seeded_users,
    verifier_matches,
)
from simulators.oidc.wire import (
    NO_STORE,
    client_credentials,
    discovery_document,
    oauth_error,
    redirect,
    request_params,
)


class OidcProviderSimulator(Simulator[OidcState]):
    system: ClassVar[str] = "oidc"
    hosts: ClassVar[tuple[str, ...]] = ("idp.sim",)

    def __init__(
        self,
        issuer: str = "http://idp.sim",
        *,
        seed: int = 42,
        users: int = 60,
        classes: int = 6,
        code_ttl: int = 60,
        id_token_ttl: int = 300,
        token_ttl: int | None = None,
        hang_seconds: float = 300.0,
        public_url: str | None = None,
        demo_data: bool = False,
    ) -> None:
        # the kit's builders pass public_url; for an identity provider that URL is the issuer
        self.issuer = public_url or issuer
        self.code_ttl = code_ttl
        self.id_token_ttl = id_token_ttl
        # one key per simulator, made before build_state reads it: RSA generation cannot be seeded,
        # and a reset must not silently change the key a BFF has cached
        self._first_key = new_signing_key()
        super().__init__(
            seed=seed,
            users=users,
            classes=classes,
            public_url=self.issuer,
            token_ttl=token_ttl,
            hang_seconds=hang_seconds,
            demo_data=demo_data,
        )

    # -- state and scripting ------------------------------------------------------------------

    def build_state(self, spec: SeedSpec) -> OidcState:
        client = SimClient(
            DEFAULT_CLIENT_ID,
            DEFAULT_CLIENT_SECRET,
            DEFAULT_REDIRECT_URIS,
            DEFAULT_REDIRECT_PREFIXES,
            loopback_any_port=True,
        )
        users = seeded_users(spec.seed, users=spec.users, classes=spec.classes)
        return OidcState(clients={client.client_id: client}, users=users, keys=[self._first_key])

    @property
    def clients(self) -> dict[str, SimClient]:
        return self.state.clients

    @property
    def users(self) -> dict[str, SimUser]:
        return self.state.users

    @property
    def codes(self) -> dict[str, IssuedCode]:
        return self.state.codes

    @property
    def active_kid(self) -> str:
        return str(self.state.active_key.kid)

    def add_user(
        self,
        subject: str,
        email: str | None = None,
        *,
        email_verified: bool = True,
        name: str | None = None,
    ) -> SimUser:
        user = SimUser(subject=subject, email=email, email_verified=email_verified, name=name)
        self.state.users[subject] = user
        return user

    def next_login(self, who: str) -> None:
        """The next authorize request logs in as ``who`` (subject or email), whatever its hint."""
        if self.state.find_user(who) is None:
            raise KeyError(f"no simulated user {who!r}")
        self.state.next_logins.append(who)

    def rotate_key(self) -> str:
        """Sign with a new key from now on; the old ones stay published. Returns the new kid."""
        self.state.keys.append(new_signing_key())
        return self.active_kid

    def tamper_next_id_token(self, kind: TamperKind) -> None:
        if kind not in TAMPER_KINDS:
            raise ValueError(f"unknown tamper kind {kind!r}; one of {', '.join(TAMPER_KINDS)}")
        self.state.tampers.append(kind)

    def summarize(self) -> dict[str, object]:
        return {
            "issuer": self.issuer,
            "clients": sorted(self.state.clients),
            "users": len(self.state.users),
            "codes": {
                "issued": len(self.state.codes),
                "used": sum(c.used for c in self.state.codes.values()),
            },
            "keys": [k.kid for k in self.state.keys],
            "next_logins": list(self.state.next_logins),
            "tampers": list(self.state.tampers),
        }

    def error_response(self, status: int, detail: str | None = None) -> Response:
        error = "server_error" if status >= 500 else "invalid_request"
        if status in (429, 503):
            error = "temporarily_unavailable"
        return oauth_error(status, error, detail or f"simulated HTTP {status}")

    # -- the wire API -------------------------------------------------------------------------

    def routes(self) -> list[BaseRoute]:
        routes: list[BaseRoute] = [
            Route("/.well-known/openid-configuration", self._discovery, methods=["GET"]),
            Route("/jwks", self._jwks, methods=["GET"]),
            Route("/authorize", self._authorize, methods=["GET", "POST"]),
            Route("/token", self._token, methods=["POST"]),
            Route("/userinfo", self._userinfo, methods=["GET", "POST"]),
        ]
        prefix = urlsplit(self.issuer).path.rstrip("/")
        # an issuer with a path (Keycloak's /realms/x) serves everything below that path
        return [Mount(prefix, routes=routes)] if prefix else routes

    async def _discovery(self, _: Request) -> Response:
        return JSONResponse(discovery_document(self.issuer))

    async def _jwks(self, _: Request) -> Response:
        return JSONResponse({"keys": [k.as_dict(private=False) for k in self.state.keys]})

    async def _authorize(self, request: Request) -> Response:
        pairs = await request_params(request)
        params = dict(pairs)
        client = self.state.clients.get(params.get("client_id", ""))
        if client is None:
            return oauth_error(400, "invalid_request", "Unknown or missing client_id.")
        redirect_uri = params.get("redirect_uri", "")
        if not client.allows(redirect_uri):
            # never redirect to an unregistered URI: that is how codes get stolen
            return oauth_error(400, "invalid_request", "redirect_uri is not registered.")

        def fail(error: str, description: str) -> Response:
            answer = {"error": error, "error_description": description}
            return redirect(redirect_uri, answer, params.get("state"))

        if len(params) != len(pairs):
            return fail("invalid_request", "A parameter was given more than once.")
        if params.get("response_type") != "code":
            return fail("unsupported_response_type", "Only response_type=code is supported.")
        scope = params.get("scope", "")
        if "openid" not in scope.split():
            return fail("invalid_scope", "The scope must include openid.")
        challenge = params.get("code_challenge")
        if not challenge:
            return fail("invalid_request", "PKCE is required: send code_challenge.")
        if params.get("code_challenge_method") != "S256" or not is_s256_challenge(challenge):
            return fail("invalid_request", "Only an S256 code_challenge is supported.")
        if not params.get("login_hint") and not self.state.next_logins:
            if params.get("prompt") == "none":
                return fail("login_required", "Send login_hint, or script next_login().")
            return sign_in_page(pairs, sorted(self.state.users.values(), key=_by_email))
        user = self._who_logs_in(params.get("login_hint"))
        if user is None:
            return fail("access_denied", "No such user at this provider.")

        code = IssuedCode(
            value=secrets.token_urlsafe(32),
            client_id=client.client_id,
            redirect_uri=redirect_uri,
            subject=user.subject,
            scope=scope,
            nonce=params.get("nonce"),
            code_challenge=challenge,
            expires_at=self.clock.now() + self.code_ttl,
        )
        self.state.codes[code.value] = code
        return redirect(redirect_uri, {"code": code.value}, params.get("state"))

    def _who_logs_in(self, hint: str | None) -> SimUser | None:
        if self.state.next_logins:
            return self.state.find_user(self.state.next_logins.pop(0))
        return self.state.find_user(hint) if hint else None

    async def _token(self, request: Request) -> Response:
        pairs = [(k, v) for k, v in (await request.form()).multi_items() if isinstance(v, str)]
        form = dict(pairs)
        if len(form) != len(pairs):
            return oauth_error(400, "invalid_request", "A parameter was given more than once.")
        credentials = client_credentials(request, form)
        if isinstance(credentials, Response):
            return credentials
        client_id, secret, used_basic = credentials
        client = self.state.clients.get(client_id)
        if client is None or not hmac.compare_digest(client.secret.encode(), secret.encode()):
            # RFC 6749 §5.2: 401, and a challenge for the scheme the client tried
            headers = {"WWW-Authenticate": 'Basic realm="oidc"'} if used_basic else {}
            return oauth_error(401, "invalid_client", "Client authentication failed.", headers)
        if form.get("grant_type") != "authorization_code":
            return oauth_error(400, "unsupported_grant_type", "Only authorization_code.")
        code = self.state.codes.get(form.get("code", ""))
        if code is None or code.client_id != client_id:
            return oauth_error(400, "invalid_grant", "Unknown authorization code.")
        if code.used:
            return oauth_error(400, "invalid_grant", "The authorization code was already used.")
        # burnt by any redemption attempt, so a failed guess at the verifier cannot be retried
        code.used = True
        if self.clock.now() > code.expires_at:
            return oauth_error(400, "invalid_grant", "The authorization code has expired.")
        if form.get("redirect_uri") != code.redirect_uri:
            return oauth_error(400, "invalid_grant", "redirect_uri does not match the request.")
        if not verifier_matches(form.get("code_verifier", ""), code.code_challenge):
            return oauth_error(400, "invalid_grant", "code_verifier does not match the challenge.")
        user = self.state.users.get(code.subject)
        if user is None:
            return oauth_error(400, "invalid_grant", "The user no longer exists.")

        tamper = self.state.tampers.pop(0) if self.state.tampers else None
        now = self.clock.now()
        id_token = mint_id_token(
            self.state,
            issuer=self.issuer,
            code=code,
            user=user,
            now=now,
            ttl=self.id_token_ttl,
            tamper=tamper,
        )
        access = self.tokens.issue(user.subject, scope=code.scope)
        body = {
            "access_token": access.value,
            "token_type": "Bearer",
            "expires_in": self.tokens.ttl,
            "scope": code.scope,
            "id_token": id_token,
        }
        return JSONResponse(body, headers=NO_STORE)

    async def _userinfo(self, request: Request) -> Response:
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        status, token = self.tokens.check(value) if scheme.lower() == "bearer" else (None, None)
        user = self.state.users.get(token.subject) if token is not None else None
        if status is not TokenStatus.VALID or token is None or user is None:
            challenge = 'Bearer error="invalid_token"'
            return oauth_error(401, "invalid_token", "", {"WWW-Authenticate": challenge})
        scopes = set(token.scope.split())
        claims: dict[str, object] = {"sub": user.subject}
        if "email" in scopes and user.email is not None:
            claims |= {"email": user.email, "email_verified": user.email_verified}
        if "profile" in scopes and user.name is not None:
            claims["name"] = user.name
        return JSONResponse(claims)


def _by_email(user: SimUser) -> str:
    return user.email or user.subject
