"""Errors of the TimeBack adapter, decided once from a status code or a transport failure.

    TimebackError                   base: message, HTTP status, imsx minor / OAuth code, retry_after
    ├── TimebackUnavailable         no usable answer: connection failure, 5xx, unreadable body
    │   └── TimebackTimeout         no answer in time
    ├── TimebackAuthError           401/403: TimeBack refused our client credentials or token
    ├── TimebackNotFound            404 (imsx ``unknownobject``)
    ├── TimebackRejected            400/409/422 and any other 4xx: the request itself was refused
    └── TimebackRateLimited         429, with ``retry_after`` seconds from ``Retry-After`` when sent

Adapter code calls :func:`raise_for_status` on responses, wraps anything else with
:func:`as_timeback_error`, and hands the domain ``raise to_domain_error(err) from err``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx
from authlib.integrations.base_client import OAuthError  # type: ignore[import-untyped]

from domain.errors import (
    DomainError,
    NotFound,
    UpstreamRateLimited,
    UpstreamRejected,
    UpstreamUnavailable,
)

UPSTREAM = "timeback"


class TimebackError(Exception):
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


class TimebackUnavailable(TimebackError):
    pass


class TimebackTimeout(TimebackUnavailable):
    pass


class TimebackAuthError(TimebackError):
    pass


class TimebackNotFound(TimebackError):
    pass


class TimebackRejected(TimebackError):
    pass


class TimebackRateLimited(TimebackError):
    pass


def raise_for_status(response: httpx.Response) -> httpx.Response:
    if response.is_success:
        return response
    raise error_from_response(response)


def error_from_response(response: httpx.Response) -> TimebackError:
    status = response.status_code
    description, code = _describe(response)
    message = f"HTTP {status} from TimeBack: {description}"
    if status in (401, 403):
        return TimebackAuthError(message, status=status, code=code)
    if status == 404:
        return TimebackNotFound(message, status=status, code=code)
    if status == 429:
        retry_after = retry_after_seconds(response.headers.get("retry-after"))
        return TimebackRateLimited(message, status=status, code=code, retry_after=retry_after)
    if status >= 500:
        return TimebackUnavailable(message, status=status, code=code)
    return TimebackRejected(message, status=status, code=code)


def as_timeback_error(exc: BaseException) -> TimebackError:
    if isinstance(exc, TimebackError):
        return exc
    if isinstance(exc, httpx.TimeoutException):
        return TimebackTimeout(f"TimeBack gave no answer in time ({type(exc).__name__})")
    if isinstance(exc, httpx.HTTPStatusError):
        return error_from_response(exc.response)
    if isinstance(exc, httpx.TransportError):
        return TimebackUnavailable(f"TimeBack unreachable ({type(exc).__name__})")
    if isinstance(exc, OAuthError):
        # a 2xx token response carrying an OAuth error
        return TimebackAuthError(f"TimeBack refused the token request: {exc.error}", code=exc.error)
    if isinstance(exc, ValueError | KeyError | TypeError | AttributeError):
        return TimebackUnavailable(f"unexpected response from TimeBack ({type(exc).__name__})")
    return TimebackUnavailable(f"TimeBack call failed ({type(exc).__name__})")


def to_domain_error(error: TimebackError) -> DomainError:
    if isinstance(error, TimebackNotFound):
        return NotFound(error.message)
    if isinstance(error, TimebackRateLimited):
        return UpstreamRateLimited(error.message, upstream=UPSTREAM, retry_after=error.retry_after)
    if isinstance(error, TimebackAuthError | TimebackRejected):
        # credentials are configuration: retrying will not help until someone changes them
        return UpstreamRejected(error.message, upstream=UPSTREAM)
    return UpstreamUnavailable(error.message, upstream=UPSTREAM)


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """``Retry-After`` as seconds: either delta-seconds or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _describe(response: httpx.Response) -> tuple[str, str | None]:
    """The most useful words in an error body: imsx description, OAuth error, or the raw text."""
    try:
        text = response.text.strip()
    except httpx.ResponseNotRead:  # a streamed response nobody read
        return response.reason_phrase, None
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        if isinstance(body.get("imsx_description"), str):
            fields = (body.get("imsx_CodeMinor") or {}).get("imsx_codeMinorField") or [{}]
            return body["imsx_description"], fields[0].get("imsx_codeMinorFieldValue")
        if isinstance(body.get("error"), str):
            return str(body.get("error_description") or body["error"]), body["error"]
        if isinstance(body.get("message"), str):
            return body["message"], None
    return (text[:120] if text else response.reason_phrase), None
