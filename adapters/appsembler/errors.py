"""Errors of the Appsembler (Open edX) adapter, decided once from a status or a transport failure.

    AppsemblerError                 base: message, HTTP status, DRF/edx error code, retry_after
    ├── AppsemblerUnavailable       no usable answer: connection failure, 5xx, unreadable body
    │   └── AppsemblerTimeout       no answer in time
    ├── AppsemblerAuthError         401/403: Open edX refused our client credentials or token
    ├── AppsemblerNotFound          404 (often with an empty body)
    ├── AppsemblerRejected          400/409/422 and any other 4xx: the request itself was refused
    └── AppsemblerRateLimited       429 (DRF throttle), ``retry_after`` from ``Retry-After``

Adapter code calls :func:`raise_for_status`, wraps anything else with :func:`as_appsembler_error`,
and hands the domain ``raise to_domain_error(err) from err``.
"""

from __future__ import annotations

import httpx
from authlib.integrations.base_client import OAuthError  # type: ignore[import-untyped]

from adapters.timeback.errors import retry_after_seconds
from domain.errors import (
    DomainError,
    NotFound,
    UpstreamRateLimited,
    UpstreamRejected,
    UpstreamUnavailable,
)

UPSTREAM = "appsembler"
# where Open edX and the Appsembler API put the human-readable part of an error, best first
MESSAGE_KEYS = (
    "developer_message",
    "detail",
    "user_message",
    "error_description",
    "lookup_error",
    "user_not_found",
    "integrity_error",
    "reason",
    "error",
)


class AppsemblerError(Exception):
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


class AppsemblerUnavailable(AppsemblerError):
    pass


class AppsemblerTimeout(AppsemblerUnavailable):
    pass


class AppsemblerAuthError(AppsemblerError):
    pass


class AppsemblerNotFound(AppsemblerError):
    pass


class AppsemblerRejected(AppsemblerError):
    pass


class AppsemblerRateLimited(AppsemblerError):
    pass


def raise_for_status(response: httpx.Response) -> httpx.Response:
    if response.is_success:
        return response
    raise error_from_response(response)


def error_from_response(response: httpx.Response) -> AppsemblerError:
    status = response.status_code
    description, code = _describe(response)
    message = f"HTTP {status} from Appsembler: {description}"
    if status in (401, 403):
        return AppsemblerAuthError(message, status=status, code=code)
    if status == 404:
        return AppsemblerNotFound(message, status=status, code=code)
    if status == 429:
        retry_after = retry_after_seconds(response.headers.get("retry-after"))
        return AppsemblerRateLimited(message, status=status, code=code, retry_after=retry_after)
    if status >= 500:
        return AppsemblerUnavailable(message, status=status, code=code)
    return AppsemblerRejected(message, status=status, code=code)


def as_appsembler_error(exc: BaseException) -> AppsemblerError:
    if isinstance(exc, AppsemblerError):
        return exc
    if isinstance(exc, httpx.TimeoutException):
        return AppsemblerTimeout(f"Appsembler gave no answer in time ({type(exc).__name__})")
    if isinstance(exc, httpx.HTTPStatusError):
        return error_from_response(exc.response)
    if isinstance(exc, httpx.TransportError):
        return AppsemblerUnavailable(f"Appsembler unreachable ({type(exc).__name__})")
    if isinstance(exc, OAuthError):
        return AppsemblerAuthError(
            f"Open edX refused the token request: {exc.error}", code=exc.error
        )
    if isinstance(exc, ValueError | KeyError | TypeError | AttributeError):
        return AppsemblerUnavailable(f"unexpected response from Appsembler ({type(exc).__name__})")
    return AppsemblerUnavailable(f"Appsembler call failed ({type(exc).__name__})")


def to_domain_error(error: AppsemblerError) -> DomainError:
    if isinstance(error, AppsemblerNotFound):
        return NotFound(error.message)
    if isinstance(error, AppsemblerRateLimited):
        return UpstreamRateLimited(error.message, upstream=UPSTREAM, retry_after=error.retry_after)
    if isinstance(error, AppsemblerAuthError | AppsemblerRejected):
        return UpstreamRejected(error.message, upstream=UPSTREAM)
    return UpstreamUnavailable(error.message, upstream=UPSTREAM)


def _describe(response: httpx.Response) -> tuple[str, str | None]:
    try:
        text = response.text.strip()
    except httpx.ResponseNotRead:
        return response.reason_phrase, None
    if "json" not in response.headers.get("content-type", ""):
        # Django error pages are HTML; the status line says as much in fewer bytes
        return (response.reason_phrase or text[:120]), None
    try:
        body = response.json()
    except ValueError:
        return text[:120] or response.reason_phrase, None
    if not isinstance(body, dict):
        return text[:120], None
    code = body.get("error_code") or (body["error"] if isinstance(body.get("error"), str) else None)
    for key in MESSAGE_KEYS:
        if isinstance(body.get(key), str):
            return body[key], code
    return text[:120], code
