"""Wire details of the OIDC provider simulator: its discovery document, parameter parsing, client
authentication, and RFC 6749 error and redirect responses."""

from __future__ import annotations

import base64
import binascii
from urllib.parse import parse_qsl, unquote_plus, urlencode, urlsplit, urlunsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
SCOPES = ("openid", "email", "profile")
CLAIMS = (
    "iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "email", "email_verified", "name",
)  # fmt: skip


def discovery_document(issuer: str) -> dict[str, object]:
    """OpenID Connect Discovery 1.0 §3, limited to what this simulator really supports."""
    base = issuer.rstrip("/")
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{base}/authorize",
        "token_endpoint": f"{base}/token",
        "jwks_uri": f"{base}/jwks",
        "userinfo_endpoint": f"{base}/userinfo",
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code"],
        "subject_types_supported": ["public"],
        "code_challenge_methods_supported": ["S256"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "scopes_supported": list(SCOPES),
        "claims_supported": list(CLAIMS),
    }


async def request_params(request: Request) -> list[tuple[str, str]]:
    """OIDC Core §3.1.2.1: authorize takes GET query parameters or a POSTed form."""
    pairs = list(request.query_params.multi_items())
    if request.method == "POST":
        pairs += [(k, v) for k, v in (await request.form()).multi_items() if isinstance(v, str)]
    return pairs


def client_credentials(request: Request, form: dict[str, str]) -> tuple[str, str, bool] | Response:
    header = request.headers.get("authorization")
    in_body = "client_secret" in form
    if header and in_body:
        return oauth_error(400, "invalid_request", "Use one client authentication method.")
    if header:
        scheme, _, encoded = header.partition(" ")
        try:
            decoded = base64.b64decode(encoded, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            decoded = ""
        client_id, colon, secret = decoded.partition(":")
        if scheme.lower() != "basic" or not colon:
            return oauth_error(401, "invalid_client", "Malformed Basic credentials.")
        # RFC 6749 §2.3.1: both parts are form-urlencoded before they are joined
        return unquote_plus(client_id), unquote_plus(secret), True
    if in_body:
        return form.get("client_id", ""), form["client_secret"], False
    return oauth_error(401, "invalid_client", "Client authentication is required.")


def redirect(uri: str, params: dict[str, str], state: str | None) -> Response:
    if state is not None:
        params = {**params, "state": state}
    parts = urlsplit(uri)
    query = urlencode([*parse_qsl(parts.query, keep_blank_values=True), *params.items()])
    return RedirectResponse(urlunsplit(parts._replace(query=query)), status_code=302)


def oauth_error(
    status: int, error: str, description: str, headers: dict[str, str] | None = None
) -> Response:
    body = {"error": error} | ({"error_description": description} if description else {})
    return JSONResponse(body, status_code=status, headers=NO_STORE | (headers or {}))
