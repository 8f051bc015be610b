"""Errors the domain raises and reacts to.

They carry no HTTP status: `api/errors.py` maps each class to one, in a single table.

    DomainError
    ├── NotFound
    ├── Conflict
    │   └── DocumentConflict        a document reuses identifiers taken by something else
    ├── InvalidInput
    │   ├── UpstreamRefusedInput    an upstream refused what the caller sent; carries its reason
    │   └── InvalidDocument         every problem in a JSON document, by JSON path (``Violation``)
    ├── PermissionDenied
    │   └── DocumentForbidden       a document names what the caller may not use, by JSON path
    ├── Unauthenticated
    ├── Throttled               too many attempts; carries retry_after seconds
    ├── StorageUnavailable      the database cannot be reached now: worth retrying later
    └── UpstreamError               an upstream system failed us
        ├── UpstreamUnavailable     down, timing out, 5xx: worth retrying later
        ├── UpstreamRateLimited     429; carries retry_after seconds when known
        ├── UpstreamRejected        the upstream refused the request for good
        ├── ReconnectNeeded         a user's grant to the upstream is dead: they must connect again
        └── AccessTokenRefused      a short-lived access token was refused: refresh, retry once
"""

from __future__ import annotations

from dataclasses import dataclass


class DomainError(Exception):
    """Base of every error the domain knows; `detail` is safe to show to the caller."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFound(DomainError):
    pass


class Conflict(DomainError):
    pass


class InvalidInput(DomainError):
    """Input that is well-formed but breaks a business rule. ``field`` names the offending input
    (dots step into nested objects: ``result.lineItem``); ``fields`` names several at once (every
    required field a create leaves out), ``field`` being the first of them."""

    def __init__(
        self, detail: str, *, field: str | None = None, fields: tuple[str, ...] = ()
    ) -> None:
        super().__init__(detail)
        self.fields = fields or ((field,) if field else ())
        self.field = field or (fields[0] if fields else None)


class UpstreamRefusedInput(InvalidInput):
    """An upstream refused, as invalid, a part of the request that the caller wrote (a write's
    body, a live list's filter or sort): theirs to fix, so a 4xx with the upstream's ``reason``.

    A refusal of anything the BFF composed itself is its own bug and stays an ``UpstreamRejected``
    (decision D43)."""

    def __init__(
        self,
        reason: str,
        *,
        upstream: str,
        field: str | None = None,
        messages: tuple[str, ...] = (),
    ) -> None:
        super().__init__(f"{upstream} refused the request: {reason}", field=field)
        self.upstream = upstream
        self.reason = reason
        #: the upstream's own validation messages, one per problem it found (QTI's XSD errors)
        self.messages = messages


class PermissionDenied(DomainError):
    pass


class Unauthenticated(DomainError):
    pass


class StorageUnavailable(DomainError):
    """The database cannot be reached (refused, dropped, timed out): nothing is wrong with the
    request, so the caller is told to come back (``retry_after`` seconds) rather than shown a bug."""

    def __init__(self, detail: str, *, retry_after: float = 5) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class UpstreamError(DomainError):
    def __init__(self, detail: str, *, upstream: str) -> None:
        super().__init__(detail)
        self.upstream = upstream


class UpstreamUnavailable(UpstreamError):
    pass


class UpstreamRateLimited(UpstreamError):
    def __init__(self, detail: str, *, upstream: str, retry_after: float | None = None) -> None:
        super().__init__(detail, upstream=upstream)
        self.retry_after = retry_after


class UpstreamRejected(UpstreamError):
    pass


class Throttled(DomainError):
    """Too many attempts; ``retry_after`` seconds until the next one is accepted."""

    def __init__(self, detail: str, *, retry_after: float) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class ReconnectNeeded(UpstreamError):
    """The upstream refused a user's stored grant (revoked, expired, wrong data centre)."""


class AccessTokenRefused(UpstreamError):
    """An upstream refused a short-lived access token (revoked, expired early, clock skew).

    Not proof that the grant is dead: forget the cached token, refresh and retry the call once.
    Only a refused refresh (``ReconnectNeeded``) is final.
    """


@dataclass(frozen=True, slots=True)
class Violation:
    """One problem at one place in a JSON document the caller sent: its JSON path
    (``$.data[0].actor``), the rule broken, and a message."""

    path: str
    rule: str
    message: str


class InvalidDocument(InvalidInput):
    """Every problem found in a JSON document, each at its JSON path, in one answer (422)."""

    def __init__(self, detail: str, violations: tuple[Violation, ...]) -> None:
        super().__init__(detail)
        self.violations = violations


class DocumentForbidden(PermissionDenied):
    """A document names what the caller may not use (403); ``violations`` says where."""

    def __init__(self, detail: str, violations: tuple[Violation, ...]) -> None:
        super().__init__(detail)
        self.violations = violations


class DocumentConflict(Conflict):
    """A document reuses identifiers already taken by something else (409)."""

    def __init__(self, detail: str, violations: tuple[Violation, ...]) -> None:
        super().__init__(detail)
        self.violations = violations
