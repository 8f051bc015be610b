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

from adapters.http import errors as http_errors

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
        return ZohoAuthError(
            f"Zoho accounts refused the grant: {body['error']}", code=body["error"]
        )
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
raise_for_status = FAMILY.raise_for_status
error_from_response = FAMILY.from_response
as_zoho_error = FAMILY.wrap
to_domain_error = http_errors.to_domain_error
