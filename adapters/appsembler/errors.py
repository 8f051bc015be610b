"""Errors of the Appsembler (Open edX) adapter, decided once from a status or a transport failure.

    AppsemblerError                 base: message, HTTP status, DRF/edx error code, retry_after
    ├── AppsemblerUnavailable       no usable answer: connection failure, 5xx, unreadable body
    │   └── AppsemblerTimeout       no answer in time
    ├── AppsemblerAuthError         401/403: Open edX refused our client credentials or token
    ├── AppsemblerNotFound          404 (often with an empty body)
    │   ├── AppsemblerUserNotFound      no account answers to the username / lookup
    │   └── AppsemblerCourseNotFound    bulk enrollment named a course the site does not have
    ├── AppsemblerRejected          400/409/422 and any other 4xx: the request itself was refused
    │   ├── AppsemblerUserExists        409: email or username taken (create, connect's email)
    │   ├── AppsemblerInvalidValue      400 "Wrong parameters/email format", connect's 409
    │   │                               "Invalid email format", update_user's integrity_error
    │   ├── AppsemblerAmbiguousLookup   400: a username equal to another account's email
    │   ├── AppsemblerCodeNotFound      status of an unknown enrollment code (a 400)
    │   └── AppsemblerCodeRefused       enroll-user's 400 ``{"success": false, "reason": ...}``
    └── AppsemblerRateLimited       429 (DRF throttle), ``retry_after`` from ``Retry-After``; also
                                    enroll-user's 403 (django-ratelimit says PermissionDenied)

Adapter code calls :func:`raise_for_status`, wraps anything else with :func:`as_appsembler_error`,
and hands the domain ``raise to_domain_error(err) from err``.
"""

from __future__ import annotations

import httpx

from adapters.http import errors as http_errors

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


class AppsemblerError(http_errors.UpstreamError):
    upstream = UPSTREAM


class AppsemblerUnavailable(AppsemblerError, http_errors.Unavailable): ...


class AppsemblerTimeout(AppsemblerUnavailable, http_errors.TimedOut): ...


class AppsemblerAuthError(AppsemblerError, http_errors.AuthRefused): ...


class AppsemblerNotFound(AppsemblerError, http_errors.Missing): ...


class AppsemblerRejected(AppsemblerError, http_errors.Rejected): ...


class AppsemblerRateLimited(AppsemblerError, http_errors.RateLimited): ...


class AppsemblerUserNotFound(AppsemblerNotFound): ...


class AppsemblerCourseNotFound(AppsemblerNotFound): ...


class AppsemblerUserExists(AppsemblerRejected): ...


class AppsemblerInvalidValue(AppsemblerRejected):
    """Open edX refused a value we passed on (``field`` names it when the answer says)."""

    def __init__(self, message: str, *, status: int | None = None, field: str | None = None):
        super().__init__(message, status=status)
        self.field = field


class AppsemblerAmbiguousLookup(AppsemblerRejected): ...


class AppsemblerCodeNotFound(AppsemblerRejected): ...


class AppsemblerCodeRefused(AppsemblerRejected):
    """``reason`` is Open edX's own text (``"Course full"``, ``""``...)."""

    def __init__(self, message: str, *, reason: str):
        super().__init__(message, status=400)
        self.reason = reason


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


FAMILY = http_errors.ErrorFamily(
    name="Appsembler",
    base=AppsemblerError,
    describe=_describe,
    oauth_server="Open edX",
)
raise_for_status = FAMILY.raise_for_status
error_from_response = FAMILY.from_response
as_appsembler_error = FAMILY.wrap
to_domain_error = http_errors.to_domain_error
