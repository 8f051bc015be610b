"""Errors of the TimeBack adapter, decided once from a status code or a transport failure.

    TimebackError                   base: message, HTTP status, imsx minor / OAuth code, retry_after
    ├── TimebackUnavailable         no usable answer: connection failure, 5xx, unreadable body
    │   └── TimebackTimeout         no answer in time
    ├── TimebackAuthError           401/403: TimeBack refused our client credentials or token
    ├── TimebackNotFound            404 (imsx ``unknownobject``)
    ├── TimebackRejected            400/409/422 and any other 4xx: the request itself was refused
    └── TimebackRateLimited         429, with ``retry_after`` seconds from ``Retry-After`` when sent

Adapter code calls :func:`raise_for_status` on responses, wraps anything else with
:func:`as_timeback_error`, and hands the domain ``raise to_domain_error(err) from err``. The rules
are the ones every adapter shares (:mod:`adapters.http.errors`); TimeBack's own part is reading
its error bodies.
"""

from __future__ import annotations

import httpx

from adapters.http import errors as http_errors

UPSTREAM = "timeback"


class TimebackError(http_errors.UpstreamError):
    upstream = UPSTREAM


class TimebackUnavailable(TimebackError, http_errors.Unavailable): ...


class TimebackTimeout(TimebackUnavailable, http_errors.TimedOut): ...


class TimebackAuthError(TimebackError, http_errors.AuthRefused): ...


class TimebackNotFound(TimebackError, http_errors.Missing): ...


class TimebackRejected(TimebackError, http_errors.Rejected): ...


class TimebackRateLimited(TimebackError, http_errors.RateLimited): ...


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


FAMILY = http_errors.ErrorFamily(
    name="TimeBack",
    base=TimebackError,
    describe=_describe,
    oauth_server="TimeBack",
)
raise_for_status = FAMILY.raise_for_status
error_from_response = FAMILY.from_response
as_timeback_error = FAMILY.wrap
to_domain_error = http_errors.to_domain_error
