"""Errors of the Zoho adapter, decided once from a status code, a body, or a transport failure.

    ZohoError                       base: message, HTTP status, Zoho error code, retry_after
    ├── ZohoUnavailable             no usable answer: connection failure, 5xx, unreadable body
    │   └── ZohoTimeout             no answer in time
    ├── ZohoAuthError               401/403, and the accounts server's HTTP-200 ``{"error": ...}``
    │                               (``invalid_code``: refresh token refused; ``invalid_client``)
    ├── ZohoNotFound                404
    ├── ZohoRejected                400/409/422 and any other 4xx: the request itself was refused
    └── ZohoRateLimited             429, ``retry_after`` from ``Retry-After``

Zoho has three error shapes: accounts ``{"error": "invalid_code"}``, Projects
``{"error": {"code": 6401, "message": ...}}``, Desk ``{"errorCode": ..., "message": ...}``. A
refused token or a throttle is recognised by its code as well as by its status, because Zoho's APIs
disagree on the status they send with them.

Domain errors, in two contexts:

* :func:`tracker_error` for Projects/Desk calls. A refused access token becomes
  ``AccessTokenRefused`` (domain): the caller forgets the cached token
  (``TrackerSessions.invalidate``) and retries **once** with a freshly refreshed one; only a refused
  *refresh* means the grant is dead.
* :func:`grant_error` for the accounts server: a refused code or refresh token (HTTP 200
  ``invalid_code`` included) is ``ReconnectNeeded``; the refresh-rate limit is
  ``UpstreamRateLimited``.
"""

from __future__ import annotations

from typing import Any, Literal

import httpx

from adapters.http import errors as http_errors
from adapters.http.retry_after import retry_after_seconds
from domain.errors import (
    AccessTokenRefused,
    DomainError,
    NotFound,
    ReconnectNeeded,
    UpstreamRateLimited,
    UpstreamRejected,
    UpstreamUnavailable,
)

UPSTREAM = "zoho"


class ZohoError(http_errors.UpstreamError):
    upstream = UPSTREAM


class ZohoUnavailable(ZohoError, http_errors.Unavailable): ...


class ZohoTimeout(ZohoUnavailable, http_errors.TimedOut): ...


class ZohoAuthError(ZohoError, http_errors.AuthRefused): ...


class ZohoNotFound(ZohoError, http_errors.Missing): ...


class ZohoRejected(ZohoError, http_errors.Rejected): ...


class ZohoRateLimited(ZohoError, http_errors.RateLimited): ...


def oauth_error(body: Any) -> ZohoAuthError | None:
    """The accounts server's refusal hidden in a 200 body, if there is one."""
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        reason = body.get("error_description") or body["error"]
        return ZohoAuthError(f"Zoho accounts refused the grant: {reason}", code=body["error"])
    return None


def _describe(response: httpx.Response) -> tuple[str, str | None]:
    try:
        text = response.text.strip()
    except httpx.ResponseNotRead:
        return response.reason_phrase, None
    try:
        body = response.json()
    except ValueError:
        # HTML error pages: the status line says as much in fewer bytes
        return (response.reason_phrase or text[:120]), None
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):  # Projects
            return str(error.get("message") or error.get("title") or text[:120]), _str(
                error.get("code")
            )
        if isinstance(error, str):  # accounts
            return str(body.get("error_description") or error), error
        if isinstance(body.get("message"), str):  # Desk and the CRM-style APIs
            return body["message"], _str(body.get("errorCode") or body.get("code"))
    return text[:120] or response.reason_phrase, None


def _str(value: object) -> str | None:
    return None if value is None else str(value)


FAMILY = http_errors.ErrorFamily(
    name="Zoho",
    base=ZohoError,
    describe=_describe,
    oauth_server=None,
)
as_zoho_error = FAMILY.wrap
to_domain_error = http_errors.to_domain_error

#: Codes that refuse the access token itself: Projects 6890 ("Invalid Ticket"), Desk
#: ``INVALID_OAUTH``, the CRM-style ``INVALID_TOKEN`` (seen with HTTP 400 on one Zoho API).
TOKEN_REFUSED_CODES = frozenset({"6890", "INVALID_OAUTH", "INVALID_TOKEN"})
#: Desk's throttles: per-minute (``TOO_MANY_REQUESTS``) and the edition's daily credits.
THROTTLE_CODES = frozenset({"TOO_MANY_REQUESTS", "RATE_LIMIT_EXCEEDED"})


def error_from_response(response: httpx.Response) -> ZohoError:
    error = FAMILY.from_response(response)
    if error.code in THROTTLE_CODES and not isinstance(error, ZohoRateLimited):
        after = retry_after_seconds(response.headers.get("retry-after"))
        return ZohoRateLimited(
            error.message, status=error.status, code=error.code, retry_after=after
        )
    if error.code in TOKEN_REFUSED_CODES and not isinstance(error, ZohoAuthError):
        return ZohoAuthError(error.message, status=error.status, code=error.code)
    return error


def raise_for_status(response: httpx.Response) -> httpx.Response:
    if response.is_success:
        return response
    raise error_from_response(response)


def tracker_error(
    error: ZohoError, *, missing: Literal["not_found", "rejected"] = "not_found"
) -> DomainError:
    """A Projects/Desk call's failure for the domain; ``missing`` says what a 404 means there:
    the log is gone (``NotFound``) or what it is booked to was deleted (refused for good)."""
    upstream = error.upstream
    if isinstance(error, ZohoRateLimited):
        return UpstreamRateLimited(error.message, upstream=upstream, retry_after=error.retry_after)
    if isinstance(error, ZohoAuthError) and (
        error.status == 401 or error.code in TOKEN_REFUSED_CODES
    ):
        return AccessTokenRefused(error.message, upstream=upstream)
    if isinstance(error, ZohoNotFound):
        if missing == "rejected":
            return UpstreamRejected(error.message, upstream=upstream)
        return NotFound(error.message)
    if isinstance(error, ZohoAuthError | ZohoRejected):
        # 403 (no permission on this portal or ticket), validation, locked or approved logs
        return UpstreamRejected(error.message, upstream=upstream)
    return UpstreamUnavailable(error.message, upstream=upstream)


def is_refresh_throttle(error: ZohoError) -> bool:
    """Zoho's refresh-rate limit (10 access tokens per refresh token per 10 minutes) answers
    ``{"error": "Access Denied", "error_description": "You have made too many requests
    continuously..."}``, not a 429."""
    if isinstance(error, ZohoRateLimited):
        return True
    return (error.code or "").lower() == "access denied" and "too many" in error.message.lower()


def grant_error(error: ZohoError) -> DomainError:
    """An accounts-server failure (code exchange, refresh) for the domain."""
    upstream = error.upstream
    if is_refresh_throttle(error):
        return UpstreamRateLimited(error.message, upstream=upstream, retry_after=error.retry_after)
    if isinstance(error, ZohoAuthError | ZohoRejected | ZohoNotFound):
        return ReconnectNeeded(error.message, upstream=upstream)
    return UpstreamUnavailable(error.message, upstream=upstream)
