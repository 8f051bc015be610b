"""What can go wrong calling an upstream over HTTP, decided once, the same way for every upstream.

Each adapter declares its own error classes (``TimebackError`` and one subclass per kind below,
mixing that kind in) and an :class:`ErrorFamily` naming its upstream and reading its error bodies.
The rules are shared:

    401/403 → auth · 404 → not found · 429 → rate limited (``Retry-After`` kept) · 5xx → unavailable
    · any other 4xx → rejected; timeouts → timeout; connection failures and unreadable or oddly
    shaped bodies → unavailable; an OAuth error in a 2xx token reply → auth (where the upstream
    issues app tokens).

:func:`to_domain_error` then maps the kinds onto the domain's errors.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar, Generic, TypeVar

import httpx
from authlib.integrations.base_client import OAuthError  # type: ignore[import-untyped]

from adapters.http.retry_after import retry_after_seconds
from domain.errors import (
    DomainError,
    NotFound,
    UpstreamRateLimited,
    UpstreamRejected,
    UpstreamUnavailable,
)


class UpstreamError(Exception):
    """Base of every adapter's errors: message, HTTP status, upstream error code, retry_after."""

    upstream: ClassVar[str] = "upstream"

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


class Unavailable(UpstreamError):
    """No usable answer: connection failure, 5xx, unreadable body."""


class TimedOut(Unavailable):
    """No answer in time."""


class AuthRefused(UpstreamError):
    """401/403: the upstream refused our credentials or token."""


class Missing(UpstreamError):
    """404."""


class Rejected(UpstreamError):
    """400/409/422 and any other 4xx: the request itself was refused."""


class RateLimited(UpstreamError):
    """429, with ``retry_after`` seconds when the upstream said."""


KINDS: tuple[type[UpstreamError], ...] = (
    Unavailable,
    TimedOut,
    AuthRefused,
    Missing,
    Rejected,
    RateLimited,
)
E = TypeVar("E", bound=UpstreamError)
#: the readable part of an error body and the upstream's error code, if any
Describe = Callable[[httpx.Response], tuple[str, str | None]]


@dataclass(frozen=True, slots=True)
class ErrorFamily(Generic[E]):
    """One adapter's errors: ``base`` and, for each kind above, the subclass of ``base`` that
    mixes that kind in directly (``class TimebackNotFound(TimebackError, Missing)``)."""

    name: str  # how messages name the upstream: "TimeBack"
    base: type[E]
    describe: Describe
    #: who answers token requests, named in OAuth errors from 2xx token replies; None: no app tokens
    oauth_server: str | None = None
    _classes: dict[type[UpstreamError], type[E]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        members = _descendants(self.base)
        classes = {}
        for kind in KINDS:
            found = [cls for cls in members if kind in cls.__bases__]
            if len(found) != 1:
                raise TypeError(f"{self.base.__name__} needs one subclass for {kind.__name__}")
            classes[kind] = found[0]
        object.__setattr__(self, "_classes", classes)

    def __getitem__(self, kind: type[UpstreamError]) -> type[E]:
        """The family's class for one kind: ``FAMILY[Missing]`` is ``TimebackNotFound``."""
        return self._classes[kind]

    def raise_for_status(self, response: httpx.Response) -> httpx.Response:
        if response.is_success:
            return response
        raise self.from_response(response)

    def from_response(self, response: httpx.Response) -> E:
        status = response.status_code
        description, code = self.describe(response)
        message = f"HTTP {status} from {self.name}: {description}"
        if status in (401, 403):
            return self[AuthRefused](message, status=status, code=code)
        if status == 404:
            return self[Missing](message, status=status, code=code)
        if status == 429:
            retry_after = retry_after_seconds(response.headers.get("retry-after"))
            return self[RateLimited](message, status=status, code=code, retry_after=retry_after)
        if status >= 500:
            return self[Unavailable](message, status=status, code=code)
        return self[Rejected](message, status=status, code=code)

    def wrap(self, exc: BaseException) -> E:
        """Any failure of a call as one of the family's errors."""
        if isinstance(exc, self.base):
            return exc
        name, kind = self.name, type(exc).__name__
        if isinstance(exc, httpx.TimeoutException):
            return self[TimedOut](f"{name} gave no answer in time ({kind})")
        if isinstance(exc, httpx.HTTPStatusError):
            return self.from_response(exc.response)
        if isinstance(exc, httpx.TransportError):
            return self[Unavailable](f"{name} unreachable ({kind})")
        if self.oauth_server and isinstance(exc, OAuthError):
            return self[AuthRefused](
                f"{self.oauth_server} refused the token request: {exc.error}", code=exc.error
            )
        if isinstance(exc, ValueError | KeyError | TypeError | AttributeError):
            return self[Unavailable](f"unexpected response from {name} ({kind})")
        return self[Unavailable](f"{name} call failed ({kind})")


def _descendants(cls: type[E]) -> list[type[E]]:
    found: list[type[E]] = []
    for sub in cls.__subclasses__():
        found += [sub, *_descendants(sub)]
    return found


def to_domain_error(error: UpstreamError) -> DomainError:
    if isinstance(error, Missing):
        return NotFound(error.message)
    if isinstance(error, RateLimited):
        return UpstreamRateLimited(
            error.message, upstream=error.upstream, retry_after=error.retry_after
        )
    if isinstance(error, AuthRefused | Rejected):
        # credentials are configuration: retrying will not help until someone changes them
        return UpstreamRejected(error.message, upstream=error.upstream)
    return UpstreamUnavailable(error.message, upstream=error.upstream)
