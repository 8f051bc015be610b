"""Appsembler error mapping, including Open edX's several error-body shapes."""

from __future__ import annotations

import httpx
import pytest
from authlib.integrations.base_client import OAuthError  # type: ignore[import-untyped]

from adapters.appsembler.errors import (
    AppsemblerAuthError,
    AppsemblerError,
    AppsemblerNotFound,
    AppsemblerRateLimited,
    AppsemblerRejected,
    AppsemblerTimeout,
    AppsemblerUnavailable,
    as_appsembler_error,
    error_from_response,
    raise_for_status,
    to_domain_error,
)
from domain.errors import NotFound, UpstreamRateLimited, UpstreamRejected, UpstreamUnavailable

REQUEST = httpx.Request("GET", "http://lms.test/appsembler_api/v0/analytics/accounts/batch")


def response(status: int, **kwargs: object) -> httpx.Response:
    return httpx.Response(status, request=REQUEST, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (400, AppsemblerRejected),
        (401, AppsemblerAuthError),
        (403, AppsemblerAuthError),
        (404, AppsemblerNotFound),
        (409, AppsemblerRejected),
        (422, AppsemblerRejected),
        (429, AppsemblerRateLimited),
        (500, AppsemblerUnavailable),
        (504, AppsemblerUnavailable),
    ],
)
def test_each_status_maps_to_one_error(status: int, kind: type[AppsemblerError]) -> None:
    assert type(error_from_response(response(status, json={"detail": "x"}))) is kind


@pytest.mark.parametrize(
    ("body", "message", "code"),
    [
        ({"detail": "Authentication credentials were not provided."}, "were not provided", None),
        (
            {"error_code": "token_expired", "developer_message": "The token has expired."},
            "has expired",
            "token_expired",
        ),
        ({"user_message": "User already exists"}, "User already exists", None),
        ({"error": "invalid_client"}, "invalid_client", "invalid_client"),
    ],
)
def test_the_readable_part_of_each_body_shape_is_kept(
    body: dict[str, str], message: str, code: str | None
) -> None:
    error = error_from_response(response(401, json=body))
    assert message in error.message
    assert error.code == code


def test_django_html_error_pages_are_summarised_by_status() -> None:
    page = response(500, html="<h1>Server Error (500)</h1>")
    error = error_from_response(page)
    assert isinstance(error, AppsemblerUnavailable)
    assert error.message == "HTTP 500 from Appsembler: Internal Server Error"


def test_an_empty_404_body_still_maps() -> None:
    error = error_from_response(response(404))
    assert isinstance(error, AppsemblerNotFound)
    assert error.message.endswith("Not Found")


def test_throttling_keeps_retry_after() -> None:
    throttled = response(
        429,
        headers={"Retry-After": "42"},
        json={"detail": "Request was throttled. Expected available in 42 seconds."},
    )
    error = error_from_response(throttled)
    assert isinstance(error, AppsemblerRateLimited)
    assert error.retry_after == 42
    with pytest.raises(AppsemblerRateLimited):
        raise_for_status(throttled)


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (httpx.ReadTimeout("slow", request=REQUEST), AppsemblerTimeout),
        (httpx.ConnectError("refused", request=REQUEST), AppsemblerUnavailable),
        (OAuthError(error="invalid_client"), AppsemblerAuthError),
        (ValueError("bad json"), AppsemblerUnavailable),
    ],
)
def test_failures_without_a_status_are_classified(
    exc: Exception, kind: type[AppsemblerError]
) -> None:
    assert type(as_appsembler_error(exc)) is kind


@pytest.mark.parametrize(
    ("error", "domain_kind"),
    [
        (AppsemblerNotFound("gone"), NotFound),
        (AppsemblerAuthError("refused"), UpstreamRejected),
        (AppsemblerRejected("conflict", status=409), UpstreamRejected),
        (AppsemblerRateLimited("slow", retry_after=5), UpstreamRateLimited),
        (AppsemblerUnavailable("down"), UpstreamUnavailable),
        (AppsemblerTimeout("slow"), UpstreamUnavailable),
    ],
)
def test_domain_mapping(error: AppsemblerError, domain_kind: type[Exception]) -> None:
    mapped = to_domain_error(error)
    assert type(mapped) is domain_kind
    if isinstance(mapped, UpstreamRateLimited):
        assert mapped.retry_after == 5
    if not isinstance(mapped, NotFound):
        assert getattr(mapped, "upstream", None) == "appsembler"
