"""Errors of the QTI adapter, decided once from a status code or a transport failure.

    QtiError                        base: message, HTTP status, error code, retry_after
    ├── QtiUnavailable              no usable answer: connection failure, 5xx, unreadable body
    │   └── QtiTimeout              no answer in time
    ├── QtiAuthError                401/403: the token (TimeBack's) was refused
    ├── QtiNotFound                 404
    ├── QtiRejected                 400/409/422 and any other 4xx, with QTI's validation messages
    └── QtiRateLimited              429, ``retry_after`` from ``Retry-After``

QTI answers ``{"error", "details"}`` (a list's 400 adds ``code`` and ``meta.issues``; the simulator
and XML validation add ``validationErrors``): the message joins the error with its details, and
:func:`validation_messages` gives the individual messages for a problem+json answer. Adapter code
calls :func:`raise_for_status`, wraps anything else with :func:`as_qti_error`, and hands the
domain ``raise to_domain_error(err) from err``; a refused write the caller composed is the
caller's :class:`~domain.errors.UpstreamRefusedInput` (:func:`to_refused_input`).
"""

from __future__ import annotations

from typing import Any

import httpx

from adapters.http import errors as http_errors
from domain.errors import UpstreamRefusedInput

UPSTREAM = "qti"


class QtiError(http_errors.UpstreamError):
    upstream = UPSTREAM
    #: QTI's individual validation messages, when its answer listed them
    validation_errors: tuple[str, ...] = ()


class QtiUnavailable(QtiError, http_errors.Unavailable): ...


class QtiTimeout(QtiUnavailable, http_errors.TimedOut): ...


class QtiAuthError(QtiError, http_errors.AuthRefused): ...


class QtiNotFound(QtiError, http_errors.Missing): ...


class QtiRejected(QtiError, http_errors.Rejected): ...


class QtiRateLimited(QtiError, http_errors.RateLimited): ...


def _body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except (ValueError, httpx.ResponseNotRead):
        return None


def validation_messages(response: httpx.Response) -> list[str]:
    """QTI's individual validation messages in an error answer (none when it has none)."""
    body = _body(response)
    if not isinstance(body, dict):
        return []
    listed = body.get("validationErrors")
    if isinstance(listed, list):
        return [str(m) for m in listed]
    issues = (body.get("meta") or {}).get("issues") if isinstance(body.get("meta"), dict) else None
    if isinstance(issues, list):
        return [f"{i.get('field')}: {i.get('message')}" for i in issues if isinstance(i, dict)]
    details = body.get("details")
    return [details] if isinstance(details, str) and details else []


def _describe(response: httpx.Response) -> tuple[str, str | None]:
    body = _body(response)
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        details = body.get("details")
        message = body["error"] + (f": {details}" if isinstance(details, str) and details else "")
        code = body.get("code") if isinstance(body.get("code"), str) else None
        return message, code
    try:
        text = response.text.strip()
    except httpx.ResponseNotRead:
        return response.reason_phrase, None
    return (text[:120] if text else response.reason_phrase), None


FAMILY = http_errors.ErrorFamily(
    name="QTI",
    base=QtiError,
    describe=_describe,
    oauth_server="TimeBack",
)
as_qti_error = FAMILY.wrap
to_domain_error = http_errors.to_domain_error


def error_from_response(response: httpx.Response) -> QtiError:
    error = FAMILY.from_response(response)
    error.validation_errors = tuple(validation_messages(response))
    return error


def raise_for_status(response: httpx.Response) -> httpx.Response:
    if response.is_success:
        return response
    raise error_from_response(response)


def to_refused_input(error: QtiRejected, *, field: str | None = None) -> UpstreamRefusedInput:
    """A refused write the caller wrote: their 4xx, with QTI's reason."""
    reason = "; ".join(error.validation_errors) or error.message
    return UpstreamRefusedInput(reason, upstream="QTI", field=field)
