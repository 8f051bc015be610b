"""Errors of the identity provider's health probe, sorted by the shared HTTP rules.

The provider adapter (``provider.py``) turns its failures into domain errors itself, in the words a
signing-in user should see; this family only describes what the probe met, for ``/ready`` and the
periodic upstream check.
"""

from __future__ import annotations

import httpx

from adapters.http import errors as http_errors

UPSTREAM = "oidc"


class OidcError(http_errors.UpstreamError):
    upstream = UPSTREAM


class OidcUnavailable(OidcError, http_errors.Unavailable): ...


class OidcTimeout(OidcUnavailable, http_errors.TimedOut): ...


class OidcAuthError(OidcError, http_errors.AuthRefused): ...


class OidcNotFound(OidcError, http_errors.Missing): ...


class OidcRejected(OidcError, http_errors.Rejected): ...


class OidcRateLimited(OidcError, http_errors.RateLimited): ...


def _describe(response: httpx.Response) -> tuple[str, str | None]:
    """RFC 6749 error bodies name a code; anything else is described by its status line."""
    try:
        body = response.json()
    except ValueError:
        return response.reason_phrase, None
    code = body.get("error") if isinstance(body, dict) else None
    if not isinstance(code, str):
        return response.reason_phrase, None
    return code, code


FAMILY = http_errors.ErrorFamily(name="the identity provider", base=OidcError, describe=_describe)
raise_for_status = FAMILY.raise_for_status
