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
``{"error": {"code": 6401, "message": ...}}``, Desk ``{"errorCode": ..., "message": ...}``.
"""

from __future__ import annotations

from typing import Any

import httpx

from adapters.timeback.errors import retry_after_seconds
from domain.errors import (
    DomainError,
    NotFound,
    UpstreamRateLimited,
    UpstreamRejected,
    UpstreamUnavailable,
)

UPSTREAM = "zoho"


class ZohoError(Exception):
    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.retry_after = retry_after


class ZohoUnavailable(ZohoError):
    pass


class ZohoTimeout(ZohoUnavailable):
    pass


class ZohoAuthError(ZohoError):
    pass


class ZohoNotFound(ZohoError):
    pass


class ZohoRejected(ZohoError):
    pass


class ZohoRateLimited(ZohoError):
    pass


def raise_for_status(response: httpx.Response) -> httpx.Response:
    if response.is_success:
        return response
    raise error_from_response(response)


def error_from_response(response: httpx.Response) -> ZohoError:
    status = response.status_code
    description, code = _describe(response)
    message = f"HTTP {status} from Zoho: {description}"
    if status in (401, 403):
        return ZohoAuthError(message, status=status, code=code)
    if status == 404:
        return ZohoNotFound(message, status=status, code=code)
    if status == 429:
        retry_after = retry_after_seconds(response.headers.get("retry-after"))
        return ZohoRateLimited(message, status=status, code=code, retry_after=retry_after)
    if status >= 500:
        return ZohoUnavailable(message, status=status, code=code)
    return ZohoRejected(message, status=status, code=code)


def oauth_error(body: Any) -> ZohoAuthError | None:
    """The accounts server's refusal hidden in a 200 body, if there is one."""
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        return ZohoAuthError(
            f"Zoho accounts refused the grant: {body['error']}", code=body["error"]
        )
    return None


def as_zoho_error(exc: BaseException) -> ZohoError:
    if isinstance(exc, ZohoError):
        return exc
    if isinstance(exc, httpx.TimeoutException):
        return ZohoTimeout(f"Zoho gave no answer in time ({type(exc).__name__})")
    if isinstance(exc, httpx.HTTPStatusError):
        return error_from_response(exc.response)
    if isinstance(exc, httpx.TransportError):
        return ZohoUnavailable(f"Zoho unreachable ({type(exc).__name__})")
    if isinstance(exc, ValueError | KeyError | TypeError | AttributeError):
        return ZohoUnavailable(f"unexpected response from Zoho ({type(exc).__name__})")
    return ZohoUnavailable(f"Zoho call failed ({type(exc).__name__})")


def to_domain_error(error: ZohoError) -> DomainError:
    if isinstance(error, ZohoNotFound):
        return NotFound(error.message)
    if isinstance(error, ZohoRateLimited):
        return UpstreamRateLimited(error.message, upstream=UPSTREAM, retry_after=error.retry_after)
    if isinstance(error, ZohoAuthError | ZohoRejected):
        return UpstreamRejected(error.message, upstream=UPSTREAM)
    return UpstreamUnavailable(error.message, upstream=UPSTREAM)


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
