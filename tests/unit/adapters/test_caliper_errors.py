"""Caliper's answers read once: error bodies, refusals with per-event reasons, job statuses."""

from __future__ import annotations

import httpx
import pytest

from adapters.caliper.errors import (
    CaliperNotFound,
    CaliperRateLimited,
    CaliperRejected,
    CaliperUnavailable,
    as_caliper_error,
    raise_for_status,
    refusal,
    to_domain_error,
)
from adapters.caliper.sink import parse_job
from domain.errors import UpstreamRateLimited, UpstreamUnavailable
from domain.ports.caliper import JobState, StoredEvent

REQUEST = httpx.Request("POST", "http://caliper.test/caliper/event")


def response(status: int, **kwargs: object) -> httpx.Response:
    return httpx.Response(status, request=REQUEST, **kwargs)  # type: ignore[arg-type]


def test_calipers_message_is_the_errors_text() -> None:
    with pytest.raises(CaliperNotFound, match="Job not found"):
        raise_for_status(response(404, json={"status": "error", "message": "Job not found"}))
    with pytest.raises(CaliperRejected, match="HTTP 409 from Caliper"):
        raise_for_status(response(409, text="conflict"))


def test_a_429_keeps_retry_after_and_maps_to_the_domain() -> None:
    with pytest.raises(CaliperRateLimited) as caught:
        raise_for_status(response(429, headers={"Retry-After": "7"}, json={"message": "slow"}))
    domain = to_domain_error(caught.value)
    assert isinstance(domain, UpstreamRateLimited)
    assert (domain.retry_after, domain.upstream) == (7.0, "caliper")


def test_a_timeout_is_unavailable() -> None:
    err = as_caliper_error(httpx.ReadTimeout("slow", request=REQUEST))
    assert isinstance(err, CaliperUnavailable)
    assert isinstance(to_domain_error(err), UpstreamUnavailable)


def test_a_refusal_groups_reasons_by_event_and_ignores_what_names_none() -> None:
    body = {
        "status": "error",
        "message": "Invalid Caliper envelope: 3 problems",
        "errors": [
            {"path": "sensor", "message": "must be an IRI"},
            {"path": "data[0].action", "message": "bad action", "eventId": "urn:uuid:a"},
            {"path": "data[0].actor.email", "message": "is required", "eventId": "urn:uuid:a"},
            "not an object",
        ],
    }
    refused = refusal(response(400, json=body))
    assert refused.reasons == {
        "urn:uuid:a": "data[0].action: bad action; data[0].actor.email: is required"
    }
    assert "Invalid Caliper envelope" in str(refused)
    assert refused.upstream == "caliper"


@pytest.mark.parametrize(
    "body", [{"status": "error", "message": "no", "errors": "text"}, ["odd"], None]
)
def test_a_refusal_without_usable_errors_has_no_reasons(body: object) -> None:
    kwargs = {"json": body} if body is not None else {"text": "<html>bad</html>"}
    assert refusal(response(400, **kwargs)).reasons == {}


def test_a_completed_job_names_its_allocated_ids_whatever_their_json_type() -> None:
    job = parse_job(
        {
            "job": {
                "id": 12,
                "state": "completed",
                "returnValue": {
                    "status": "success",
                    "results": [{"allocatedId": 5, "externalId": "urn:uuid:a"}],
                },
                "processedOn": "2025-01-01T00:00:00Z",
            }
        },
        "12",
    )
    assert (job.job_id, job.state, job.reason) == ("12", JobState.COMPLETED, None)
    assert job.stored == (StoredEvent(allocated_id="5", external_id="urn:uuid:a"),)


def test_a_failed_job_without_a_reason_gets_one_and_a_bare_job_parses() -> None:
    failed = parse_job({"id": "3", "state": "failed", "returnValue": None}, "3")
    assert (failed.state, failed.stored, failed.reason) == (
        JobState.FAILED,
        (),
        "the ingestion job failed",
    )
    waiting = parse_job({"job": {"id": "4", "state": "waiting"}}, "4")
    assert (waiting.state, waiting.stored) == (JobState.WAITING, ())


@pytest.mark.parametrize("body", [{"job": {"state": "stuck"}}, {"job": None}, [], {"job": {}}])
def test_an_unreadable_job_status_raises_for_the_sink_to_call_it_unavailable(body: object) -> None:
    with pytest.raises((ValueError, KeyError, TypeError)) as caught:
        parse_job(body, "1")
    assert isinstance(as_caliper_error(caught.value), CaliperUnavailable)
