"""QTI's ``{"error", "details"}`` answers as typed adapter errors, then domain errors, with QTI's
validation messages kept."""

from __future__ import annotations

import httpx
import pytest

from adapters.http import errors as http_errors
from adapters.qti.errors import (
    QtiAuthError,
    QtiNotFound,
    QtiRateLimited,
    QtiRejected,
    QtiUnavailable,
    error_from_response,
    raise_for_status,
    to_domain_error,
    to_refused_input,
)
from domain.errors import NotFound, UpstreamRejected, UpstreamUnavailable


def answer(status: int, body: object, headers: dict[str, str] | None = None) -> httpx.Response:
    request = httpx.Request("POST", "http://qti.timeback.sim/assessment-items")
    return httpx.Response(status, json=body, headers=headers, request=request)


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (400, QtiRejected),
        (409, QtiRejected),
        (401, QtiAuthError),
        (404, QtiNotFound),
        (429, QtiRateLimited),
        (503, QtiUnavailable),
    ],
)
def test_statuses_become_typed_errors(status: int, kind: type[Exception]) -> None:
    error = error_from_response(answer(status, {"error": "Nope", "details": "because"}))
    assert isinstance(error, kind)
    assert error.message == f"HTTP {status} from QTI: Nope: because"


def test_validation_errors_are_kept_from_each_shape() -> None:
    listed = error_from_response(
        answer(
            400,
            {"error": "XML validation failed", "details": "a; b", "validationErrors": ["a", "b"]},
        )
    )
    assert listed.validation_errors == ("a", "b")
    issues = error_from_response(
        answer(
            400,
            {
                "error": "Invalid",
                "code": "VALIDATION_ERROR",
                "meta": {"issues": [{"field": "limit", "message": "too big", "code": "x"}]},
            },
        )
    )
    assert (issues.validation_errors, issues.code) == (("limit: too big",), "VALIDATION_ERROR")
    plain = error_from_response(answer(400, {"error": "Invalid", "details": "title is required"}))
    assert plain.validation_errors == ("title is required",)


def test_a_refused_write_is_the_callers_with_qtis_messages() -> None:
    error = error_from_response(
        answer(400, {"error": "XML validation failed", "validationErrors": ["x is undeclared"]})
    )
    assert isinstance(error, QtiRejected)
    refused = to_refused_input(error, field="xml")
    assert (refused.reason, refused.field, refused.upstream) == ("x is undeclared", "xml", "QTI")


def test_domain_errors() -> None:
    assert isinstance(
        to_domain_error(error_from_response(answer(404, {"error": "Assessment item not found"}))),
        NotFound,
    )
    assert isinstance(
        to_domain_error(error_from_response(answer(409, {"error": "exists"}))), UpstreamRejected
    )
    assert isinstance(
        to_domain_error(
            error_from_response(answer(500, {"error": "x", "message": "y", "details": "z"}))
        ),
        UpstreamUnavailable,
    )


def test_raise_for_status_passes_success_and_raises_the_typed_error() -> None:
    ok = answer(200, {"items": []})
    assert raise_for_status(ok) is ok
    with pytest.raises(QtiNotFound) as caught:
        raise_for_status(answer(404, {"error": "Assessment test not found"}))
    assert isinstance(caught.value, http_errors.Missing)
