"""The IdentityProvider port over a real OpenID Connect provider: authorization code with PKCE.

authlib builds the authorize URL and redeems the code; joserfc checks the id_token against the
provider's JWKS. Discovery and JWKS are cached; an id_token signed under a kid we have not seen
makes us fetch the JWKS again, once, because that is what a key rotation looks like from here.

Failures reach the domain as two kinds: the provider said no, or the token does not check out
(``Unauthenticated``: the user may try again), and the provider could not be used at all
(``UpstreamUnavailable`` / ``UpstreamRateLimited``: try later). Messages never contain tokens.
"""

from __future__ import annotations

import time
from typing import Any, NoReturn, cast

import httpx
from authlib.common.security import generate_token  # type: ignore[import-untyped]
from authlib.integrations.base_client import OAuthError  # type: ignore[import-untyped]
from authlib.integrations.httpx_client import AsyncOAuth2Client  # type: ignore[import-untyped]
from joserfc import jwt
from joserfc.errors import (
    BadSignatureError,
    ClaimError,
    ExpiredTokenError,
    InvalidClaimError,
    InvalidKeyIdError,
    JoseError,
    UnsupportedAlgorithmError,
)
from joserfc.jwk import KeySet, RSAKey

from domain.errors import Unauthenticated, UpstreamRateLimited, UpstreamUnavailable
from domain.ports.sso import AuthorizationRequest, ExternalIdentity, IdentityProvider

UPSTREAM = "oidc"
DISCOVERY_MAX_AGE = 3600.0
#: Clock skew tolerated on exp and iat, in seconds.
LEEWAY = 30
_ALGORITHMS = ["RS256"]
_CLAIM_PROBLEMS = {
    "iss": "was issued by a different provider",
    "aud": "was issued to a different client",
    "azp": "was issued to a different client",
    "nonce": "does not belong to this login attempt (nonce mismatch)",
    "iat": "claims to be issued in the future",
    "nbf": "is not valid yet",
    "sub": "names no subject",
}


class _Unusable(Exception):
    """The provider answered, but not with anything we can work with (status None: no answer)."""

    def __init__(self, what: str, status: int | None = None, retry_after: float | None = None):
        super().__init__(what)
        self.what = what
        self.status = status
        self.retry_after = retry_after


class OidcIdentityProvider(IdentityProvider):
    def __init__(
        self,
        *,
        issuer: str,
        client_id: str,
        client_secret: str,
        scopes: str,
        timeout: float,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._issuer = issuer
        self._client_id = client_id
        self._client = AsyncOAuth2Client(
            client_id=client_id,
            client_secret=client_secret,
            token_endpoint_auth_method="client_secret_basic",  # noqa: S106 - a method name
            code_challenge_method="S256",
            scope=scopes,
            timeout=httpx.Timeout(timeout),
            transport=transport,
        )
        self._client.register_compliance_hook("access_token_response", _refuse_unavailable)
        self._metadata: dict[str, Any] | None = None
        self._metadata_at = 0.0
        self._keys: KeySet | None = None

    async def aclose(self) -> None:
        await self._client.aclose()

    async def authorization_request(self, *, redirect_url: str) -> AuthorizationRequest:
        endpoint = (await self._discovery())["authorization_endpoint"]
        state, nonce, verifier = generate_token(32), generate_token(32), generate_token(64)
        url, _ = self._client.create_authorization_url(
            endpoint, state=state, code_verifier=verifier, nonce=nonce, redirect_uri=redirect_url
        )
        return AuthorizationRequest(url=str(url), state=state, nonce=nonce, code_verifier=verifier)

    async def complete(
        self, *, code: str, request: AuthorizationRequest, redirect_url: str
    ) -> ExternalIdentity:
        token_endpoint = (await self._discovery())["token_endpoint"]
        try:
            token = await self._client.fetch_token(
                token_endpoint,
                grant_type="authorization_code",
                code=code,
                redirect_uri=redirect_url,
                code_verifier=request.code_verifier,
            )
        except OAuthError as exc:
            raise Unauthenticated(
                f"The identity provider refused the sign-in ({_error_code(exc)})."
            ) from exc
        except (_Unusable, httpx.HTTPError, ValueError) as exc:
            _unavailable("token endpoint", exc)
        finally:
            # the client is shared by every login; keep no one's tokens on it
            self._client.token = None
        id_token = token.get("id_token") if isinstance(token, dict) else None
        if not isinstance(id_token, str) or not id_token:
            raise Unauthenticated("The identity provider returned no id_token.")
        claims = await self._verified_claims(id_token, nonce=request.nonce)
        email, name = claims.get("email"), claims.get("name")
        verified = claims.get("email_verified")
        return ExternalIdentity(
            issuer=self._issuer,
            subject=str(claims["sub"]),
            email=email if isinstance(email, str) and email else None,
            # some providers send the string "true"; anything else (1 included) is not a yes
            email_verified=verified is True or verified == "true",
            name=name if isinstance(name, str) and name else None,
        )

    # -- id_token ---------------------------------------------------------------------------------

    async def _verified_claims(self, id_token: str, *, nonce: str) -> dict[str, Any]:
        try:
            try:
                decoded = jwt.decode(id_token, await self._jwks(), algorithms=_ALGORITHMS)
            except InvalidKeyIdError:
                decoded = jwt.decode(
                    id_token, await self._jwks(refresh=True), algorithms=_ALGORITHMS
                )
            claims = decoded.claims
            jwt.JWTClaimsRegistry(
                leeway=LEEWAY,
                iss={"essential": True, "value": self._issuer},
                sub={"essential": True},
                aud={"essential": True, "value": self._client_id},
                exp={"essential": True},
                iat={"essential": True},
                nonce={"essential": True, "value": nonce},
            ).validate(claims)
            # OIDC Core §3.1.3.7: an authorized party, when named, must be us
            if "azp" in claims and claims["azp"] != self._client_id:
                raise InvalidClaimError("azp")
        except InvalidKeyIdError as exc:
            raise Unauthenticated(
                "The id_token is signed with a key the identity provider does not publish."
            ) from exc
        except BadSignatureError as exc:
            raise Unauthenticated("The id_token's signature does not verify.") from exc
        except UnsupportedAlgorithmError as exc:
            raise Unauthenticated("The id_token is not signed with RS256.") from exc
        except ExpiredTokenError as exc:
            raise Unauthenticated("The id_token has expired.") from exc
        except ClaimError as exc:
            problem = _CLAIM_PROBLEMS.get(exc.claim, f"has a missing or invalid '{exc.claim}'")
            raise Unauthenticated(f"The id_token {problem}.") from exc
        except (JoseError, ValueError) as exc:
            raise Unauthenticated("The id_token could not be read.") from exc
        return claims

    # -- provider metadata ------------------------------------------------------------------------

    async def _discovery(self) -> dict[str, Any]:
        if self._metadata is not None and time.monotonic() - self._metadata_at < DISCOVERY_MAX_AGE:
            return self._metadata
        url = self._issuer.rstrip("/") + "/.well-known/openid-configuration"
        document = await self._get_json(url, "discovery document")
        # OIDC Discovery §4.3: a document for another issuer must not be used
        if document.get("issuer") != self._issuer:
            _unavailable("discovery document", _Unusable("names a different issuer"))
        for field in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            if not isinstance(document.get(field), str):
                _unavailable("discovery document", _Unusable(f"has no {field}"))
        self._metadata, self._metadata_at = document, time.monotonic()
        return document

    async def _jwks(self, *, refresh: bool = False) -> KeySet:
        if self._keys is not None and not refresh:
            return self._keys
        document = await self._get_json((await self._discovery())["jwks_uri"], "JWKS")
        raw = document.get("keys")
        keys: list[RSAKey] = []
        for item in raw if isinstance(raw, list) else []:
            if not isinstance(item, dict) or item.get("kty") != "RSA" or item.get("use") == "enc":
                continue
            try:
                keys.append(RSAKey.import_key(item))
            except (JoseError, ValueError):
                continue  # one unreadable key must not hide the others
        if not keys:
            _unavailable("JWKS", _Unusable("holds no RSA signing key"))
        self._keys = KeySet(list(keys))
        return self._keys

    async def _get_json(self, url: str, what: str) -> dict[str, Any]:
        try:
            response = await self._client.request("GET", url, withhold_token=True)
            response = _refuse_unavailable(response)
            if response.status_code != 200:
                raise _Unusable(f"answered HTTP {response.status_code}", response.status_code)
            body = response.json()
        except (_Unusable, httpx.HTTPError, ValueError) as exc:
            _unavailable(what, exc)
        if not isinstance(body, dict):
            _unavailable(what, _Unusable("is not a JSON object"))
        return cast(dict[str, Any], body)


def _refuse_unavailable(response: httpx.Response) -> httpx.Response:
    """Turn "come back later" answers into _Unusable before authlib reads them as OAuth errors."""
    if response.status_code == 429 or response.status_code >= 500:
        retry_after = response.headers.get("retry-after", "")
        raise _Unusable(
            f"answered HTTP {response.status_code}",
            response.status_code,
            float(retry_after) if retry_after.isdigit() else None,
        )
    return response


def _unavailable(what: str, exc: Exception) -> NoReturn:
    if isinstance(exc, _Unusable) and exc.status == 429:
        raise UpstreamRateLimited(
            f"The identity provider's {what} is rate limiting us.",
            upstream=UPSTREAM,
            retry_after=exc.retry_after,
        ) from exc
    if isinstance(exc, _Unusable):
        reason = exc.what
    elif isinstance(exc, httpx.HTTPStatusError):
        reason = f"answered HTTP {exc.response.status_code} without an OAuth error"
    elif isinstance(exc, httpx.TimeoutException):
        reason = "timed out"
    elif isinstance(exc, httpx.HTTPError):
        reason = f"could not be reached ({type(exc).__name__})"
    else:
        reason = "answered with something unreadable"
    raise UpstreamUnavailable(
        f"The identity provider's {what} {reason}.", upstream=UPSTREAM
    ) from exc


def _error_code(exc: Exception) -> str:
    code = getattr(exc, "error", None)
    # the provider chooses this text; keep it to an RFC 6749 error code, never free text
    if isinstance(code, str) and code.replace("_", "").isalpha() and len(code) <= 40:
        return code
    return "unknown error"
