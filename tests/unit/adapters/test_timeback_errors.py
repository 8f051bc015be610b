"""TimeBack error mapping: statuses and failures to adapter errors, adapter errors to the domain."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from authlib.integrations.base_client import OAuthError  # type: ignore[import-untyped]

from adapters.http import errors as http_errors
from adapters.http.retry_after import retry_after_seconds
from adapters.timeback.errors import (
    FAMILY,
    TimebackAuthError,
    TimebackError,
    TimebackNotFound,
    TimebackRateLimited,
    TimebackRejected,
    TimebackTimeout,
    TimebackUnavailable,
    as_timeback_error,
    error_from_response,
    raise_for_status,
    to_domain_error,
)
from domain.errors import NotFound, UpstreamRateLimited, UpstreamRejected, UpstreamUnavailable

REQUEST = httpx.Request("GET", "http://timeback.test/ims/oneroster/rostering/v1p2/users/u1")


def imsx(description: str, minor: str) -> dict[str, object]:
    return {
        "imsx_codeMajor": "failure",
        "imsx_severity": "error",
        "imsx_description": description,
        "imsx_CodeMinor": {
            "imsx_codeMinorField": [
                {"imsx_codeMinorFieldName": "TargetEndSystem", "imsx_codeMinorFieldValue": minor}
            ]
        },
    }


def response(status: int, **kwargs: object) -> httpx.Response:
    return httpx.Response(status, request=REQUEST, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (400, TimebackRejected),
        (401, TimebackAuthError),
        (403, TimebackAuthError),
        (404, TimebackNotFound),
        (409, TimebackRejected),
        (422, TimebackRejected),
        (429, TimebackRateLimited),
        (500, TimebackUnavailable),
        (503, TimebackUnavailable),
    ],
)
def test_each_status_maps_to_one_error(status: int, kind: type[TimebackError]) -> None:
    error = error_from_response(response(status, json=imsx("x", "invaliddata")))
    assert type(error) is kind
    assert error.status == status


def test_the_imsx_description_and_minor_code_are_kept() -> None:
    error = error_from_response(response(404, json=imsx("User not found", "unknownobject")))
    assert error.message == "HTTP 404 from TimeBack: User not found"
    assert error.code == "unknownobject"


def test_an_oauth_error_body_names_the_error() -> None:
    error = error_from_response(response(401, json={"error": "invalid_client"}))
    assert isinstance(error, TimebackAuthError)
    assert error.code == "invalid_client"


def test_a_non_json_body_falls_back_to_text() -> None:
    error = error_from_response(response(502, text="<html>Bad Gateway</html>"))
    assert isinstance(error, TimebackUnavailable)
    assert "Bad Gateway" in error.message


def test_raise_for_status_passes_success_through() -> None:
    ok = response(200, json={"orgs": []})
    assert raise_for_status(ok) is ok
    with pytest.raises(TimebackNotFound):
        raise_for_status(response(404, json=imsx("Org not found", "unknownobject")))


def test_retry_after_in_seconds_or_as_a_date() -> None:
    error = error_from_response(response(429, headers={"Retry-After": "7"}, json=imsx("", "x")))
    assert error.retry_after == 7
    now = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert retry_after_seconds("Wed, 01 Jan 2025 12:00:30 GMT", now=now) == 30
    assert retry_after_seconds("Wed, 01 Jan 2025 11:00:00 GMT", now=now) == 0
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (httpx.ReadTimeout("slow", request=REQUEST), TimebackTimeout),
        (httpx.ConnectTimeout("slow", request=REQUEST), TimebackTimeout),
        (httpx.ConnectError("refused", request=REQUEST), TimebackUnavailable),
        (OAuthError(error="invalid_client"), TimebackAuthError),
        (ValueError("Expecting value"), TimebackUnavailable),
        (KeyError("totalCount"), TimebackUnavailable),
    ],
)
def test_failures_without_a_status_are_classified(
    exc: Exception, kind: type[TimebackError]
) -> None:
    assert type(as_timeback_error(exc)) is kind


def test_a_status_error_from_the_token_endpoint_is_read_from_its_response() -> None:
    failed = response(401, json={"error": "invalid_client"})
    exc = httpx.HTTPStatusError("401", request=REQUEST, response=failed)
    error = as_timeback_error(exc)
    assert isinstance(error, TimebackAuthError)
    assert error.code == "invalid_client"


def test_an_adapter_error_passes_through_unchanged() -> None:
    error = TimebackRejected("no")
    assert as_timeback_error(error) is error


@pytest.mark.parametrize(
    ("error", "domain_kind"),
    [
        (TimebackNotFound("gone", status=404), NotFound),
        (TimebackAuthError("refused", status=401), UpstreamRejected),
        (TimebackAuthError("forbidden", status=403), UpstreamRejected),
        (TimebackRejected("bad", status=422), UpstreamRejected),
        (TimebackRateLimited("slow down", status=429, retry_after=3), UpstreamRateLimited),
        (TimebackUnavailable("down", status=503), UpstreamUnavailable),
        (TimebackTimeout("slow"), UpstreamUnavailable),
    ],
)
def test_domain_mapping(error: TimebackError, domain_kind: type[Exception]) -> None:
    mapped = to_domain_error(error)
    assert type(mapped) is domain_kind
    assert mapped.detail == error.message
    if not isinstance(mapped, NotFound):
        assert getattr(mapped, "upstream", None) == "timeback"


def test_rate_limits_carry_retry_after_into_the_domain() -> None:
    mapped = to_domain_error(TimebackRateLimited("slow down", retry_after=12.5))
    assert isinstance(mapped, UpstreamRateLimited)
    assert mapped.retry_after == 12.5


# -- the shared error family (adapters.http.errors) ------------------------------------------------


def test_the_family_finds_one_timeback_class_per_kind() -> None:
    assert [FAMILY[kind] for kind in http_errors.KINDS] == [
        TimebackUnavailable,
        TimebackTimeout,
        TimebackAuthError,
        TimebackNotFound,
        TimebackRejected,
        TimebackRateLimited,
    ]
    assert isinstance(TimebackTimeout("slow"), http_errors.Unavailable)


def test_a_family_missing_a_kind_is_refused_when_declared() -> None:
    class PartialError(http_errors.UpstreamError): ...

    class PartialNotFound(PartialError, http_errors.Missing): ...

    with pytest.raises(TypeError, match="PartialError needs one subclass for Unavailable"):
        http_errors.ErrorFamily(name="Partial", base=PartialError, describe=lambda r: ("", None))


def test_oauth_errors_are_auth_errors_only_for_upstreams_that_issue_app_tokens() -> None:
    refused = OAuthError(error="invalid_client")
    assert as_timeback_error(refused).message == (
        "TimeBack refused the token request: invalid_client"
    )
    no_tokens = http_errors.ErrorFamily(
        name="TimeBack", base=TimebackError, describe=FAMILY.describe
    )
    assert type(no_tokens.wrap(refused)) is TimebackUnavailable
