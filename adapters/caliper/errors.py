"""Errors of the Caliper adapter, decided once from a status code or a transport failure.

The kinds are every adapter's (:mod:`adapters.http.errors`: auth, not found, rate limited,
unavailable, timeout, rejected); Caliper's own part is reading its ``{status, message, errors}``
bodies, and :func:`refusal` turning a refused envelope into the domain's
:class:`~domain.ports.caliper.CaliperRefusal` with TimeBack's reasons per event id.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import httpx

from adapters.http import errors as http_errors
from domain.ports.caliper import CaliperRefusal

UPSTREAM = "caliper"


class CaliperError(http_errors.UpstreamError):
    upstream = UPSTREAM


class CaliperUnavailable(CaliperError, http_errors.Unavailable): ...


class CaliperTimeout(CaliperUnavailable, http_errors.TimedOut): ...


class CaliperAuthError(CaliperError, http_errors.AuthRefused): ...


class CaliperNotFound(CaliperError, http_errors.Missing): ...


class CaliperRejected(CaliperError, http_errors.Rejected): ...


class CaliperRateLimited(CaliperError, http_errors.RateLimited): ...


def _body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except (ValueError, httpx.ResponseNotRead):
        return None


def _describe(response: httpx.Response) -> tuple[str, str | None]:
    body = _body(response)
    if isinstance(body, dict):
        if isinstance(body.get("message"), str):
            return body["message"], None
        if isinstance(body.get("error"), str):  # the token endpoint's OAuth errors
            return str(body.get("error_description") or body["error"]), body["error"]
    try:
        text = response.text.strip()
    except httpx.ResponseNotRead:
        text = ""
    return (text[:120] if text else response.reason_phrase), None


FAMILY = http_errors.ErrorFamily(
    name="Caliper",
    base=CaliperError,
    describe=_describe,
    oauth_server="TimeBack",
)
raise_for_status = FAMILY.raise_for_status
as_caliper_error = FAMILY.wrap
to_domain_error = http_errors.to_domain_error


def refusal(response: httpx.Response) -> CaliperRefusal:
    """A refused envelope (400, or a 2xx whose ``status`` is ``error``) with its reasons: each
    error naming an event (``eventId``) becomes "path: message" under that event's id."""
    body = _body(response)
    message, _ = _describe(response)
    reasons: dict[str, list[str]] = defaultdict(list)
    errors = body.get("errors") if isinstance(body, dict) else None
    for item in errors if isinstance(errors, list) else []:
        if not isinstance(item, dict) or not isinstance(item.get("eventId"), str):
            continue
        where = item.get("path")
        what = str(item.get("message", "invalid"))
        reasons[item["eventId"]].append(f"{where}: {what}" if where else what)
    return CaliperRefusal(
        f"Caliper refused the envelope (HTTP {response.status_code}): {message}",
        upstream=UPSTREAM,
        reasons={event_id: "; ".join(why) for event_id, why in reasons.items()},
    )
