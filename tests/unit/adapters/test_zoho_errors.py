"""Zoho error mapping: three body shapes, and refusals that arrive with HTTP 200."""

from __future__ import annotations

import httpx
import pytest

from adapters.zoho.errors import (
    ZohoAuthError,
    ZohoError,
    ZohoNotFound,
    ZohoRateLimited,
    ZohoRejected,
    ZohoTimeout,
    ZohoUnavailable,
    as_zoho_error,
    error_from_response,
    oauth_error,
    to_domain_error,
)
from domain.errors import NotFound, UpstreamRateLimited, UpstreamRejected, UpstreamUnavailable

REQUEST = httpx.Request("GET", "https://projectsapi.zoho.test/restapi/portals/")


def response(status: int, **kwargs: object) -> httpx.Response:
    return httpx.Response(status, request=REQUEST, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (400, ZohoRejected),
        (401, ZohoAuthError),
        (404, ZohoNotFound),
        (422, ZohoRejected),
        (429, ZohoRateLimited),
        (500, ZohoUnavailable),
    ],
)
def test_each_status_maps_to_one_error(status: int, kind: type[ZohoError]) -> None:
    assert type(error_from_response(response(status, json={"error": "x"}))) is kind


@pytest.mark.parametrize(
    ("body", "message", "code"),
    [
        ({"error": {"code": 6401, "message": "Invalid OAuth token"}}, "Invalid OAuth", "6401"),
        (
            {"errorCode": "INVALID_OAUTH", "message": "Token is invalid."},
            "invalid",
            "INVALID_OAUTH",
        ),
        ({"code": "INVALID_TOKEN", "message": "invalid oauth token"}, "oauth", "INVALID_TOKEN"),
        ({"error": "invalid_client"}, "invalid_client", "invalid_client"),
    ],
)
def test_projects_desk_crm_and_accounts_bodies_are_all_read(
    body: dict[str, object], message: str, code: str
) -> None:
    error = error_from_response(response(401, json=body))
    assert isinstance(error, ZohoAuthError)
    assert message in error.message
    assert error.code == code


def test_a_refusal_inside_a_200_body_is_an_auth_error() -> None:
    refused = oauth_error({"error": "invalid_code"})
    assert isinstance(refused, ZohoAuthError)
    assert refused.code == "invalid_code"
    assert oauth_error({"access_token": "1000.x", "expires_in": 3600}) is None
    assert oauth_error(["not", "a", "dict"]) is None


def test_rate_limits_keep_retry_after() -> None:
    error = error_from_response(response(429, headers={"Retry-After": "120"}, json={}))
    assert isinstance(error, ZohoRateLimited)
    assert error.retry_after == 120


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (httpx.ReadTimeout("slow", request=REQUEST), ZohoTimeout),
        (httpx.ConnectError("refused", request=REQUEST), ZohoUnavailable),
        (KeyError("result"), ZohoUnavailable),
    ],
)
def test_failures_without_a_status_are_classified(exc: Exception, kind: type[ZohoError]) -> None:
    assert type(as_zoho_error(exc)) is kind


@pytest.mark.parametrize(
    ("error", "domain_kind"),
    [
        (ZohoNotFound("gone"), NotFound),
        (ZohoAuthError("invalid_code", code="invalid_code"), UpstreamRejected),
        (ZohoRejected("bad"), UpstreamRejected),
        (ZohoRateLimited("slow", retry_after=1), UpstreamRateLimited),
        (ZohoUnavailable("down"), UpstreamUnavailable),
    ],
)
def test_domain_mapping(error: ZohoError, domain_kind: type[Exception]) -> None:
    mapped = to_domain_error(error)
    assert type(mapped) is domain_kind
    if not isinstance(mapped, NotFound):
        assert getattr(mapped, "upstream", None) == "zoho"
