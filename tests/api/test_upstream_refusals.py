"""What TimeBack would refuse is refused here first, and what it refuses because of the caller's
input comes back as a 422 with TimeBack's reason, not as a 502/503 (issue 12, item 6).

A TimeBack 400 counts as the caller's only when the part TimeBack refused came from the caller as
they wrote it (a write's body, a live list's filter, sort, fields or search); a 400 on a request
the BFF composed alone is the BFF's bug and stays a 502 (D43)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from api.settings import Settings
from tests.api.test_gradebook import Sandbox, open_sandbox

ROSTERING = "/ims/oneroster/rostering/v1p2"
GRADEBOOK = "/ims/oneroster/gradebook/v1p2"
REFUSAL = {
    "imsx_codeMajor": "failure",
    "imsx_severity": "error",
    "imsx_description": "sort field 'role' is not supported on users",
    "imsx_CodeMinor": {
        "imsx_codeMinorField": [
            {"imsx_codeMinorFieldName": "sort", "imsx_codeMinorFieldValue": "invalid_sort_field"}
        ]
    },
}


@pytest.fixture
async def sandbox(settings: Settings, demo: dict[str, Any]) -> AsyncIterator[Sandbox]:
    async with open_sandbox(settings, demo) as opened:
        yield opened


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    return body


async def test_a_live_list_timeback_refuses_for_its_sort_is_a_422_with_timebacks_reason(
    sandbox: Sandbox,
) -> None:
    s = sandbox
    s.sim.faults.fail_next(400, body=REFUSAL, path=f"{ROSTERING}/users")
    refused = await s.http.get(
        "/v1/roster/users",
        params={"sort": "role", "consistency": "live"},
        headers=s.headers["admin"],
    )
    body = problem(refused, 422)
    assert "sort field 'role' is not supported on users" in body["detail"]
    assert body["type"].endswith("/upstream-refused-input")


async def test_a_400_on_a_request_the_bff_composed_alone_stays_a_502(sandbox: Sandbox) -> None:
    s = sandbox
    # nothing of the caller's went upstream but the paging the BFF checked: TimeBack's refusal is
    # the BFF's mistake, not one the caller can fix
    s.sim.faults.fail_next(400, body=REFUSAL, path=f"{ROSTERING}/users")
    refused = await s.http.get(
        "/v1/roster/users", params={"consistency": "live"}, headers=s.headers["admin"]
    )
    problem(refused, 502)


@pytest.mark.parametrize(
    "params",
    [
        {"sort": "password"},
        {"sort": "roles"},
        {"filter": "password='x'"},
        {"fields": "sourcedId,nonsense"},
    ],
)
async def test_live_list_parameters_are_checked_against_the_cached_lists_fields_first(
    sandbox: Sandbox, params: dict[str, str]
) -> None:
    s = sandbox
    before = len(s.sim.log.entries(path=f"{ROSTERING}/users"))
    refused = await s.http.get(
        "/v1/roster/users", params={**params, "consistency": "live"}, headers=s.headers["admin"]
    )
    body = problem(refused, 422)
    assert body["errors"][0]["loc"][0] == "query", body
    assert len(s.sim.log.entries(path=f"{ROSTERING}/users")) == before  # TimeBack was not asked


@pytest.mark.parametrize("bad", ["\n", "   ", "", "a\tb", "x\x00y", "\u0085"])
async def test_sourced_ids_in_bodies_are_refused_before_timeback(
    sandbox: Sandbox, bad: str
) -> None:
    s = sandbox
    school = s.population.schools[0].key
    klass = s.population.classes[0]
    term = s.population.terms[0].key
    before = len(s.sim.log.entries(path=ROSTERING, method="POST"))
    refused = await s.http.post(
        "/v1/roster/classes",
        json={
            "class": {
                "title": "Astronomy A",
                "course": {"sourcedId": bad},
                "org": {"sourcedId": school},
                "terms": [{"sourcedId": term}],
            }
        },
        headers=s.headers["admin"],
    )
    body = problem(refused, 422)
    assert ["body", "class", "course", "sourcedId"] in [e["loc"] for e in body["errors"]], body
    assert klass.course  # the same body with a real course is accepted (round-trip tests)
    assert len(s.sim.log.entries(path=ROSTERING, method="POST")) == before


@pytest.mark.parametrize("bad", ["%0A", "%20%20", "a%09b"])
async def test_sourced_ids_in_write_paths_are_refused_before_timeback(
    sandbox: Sandbox, bad: str
) -> None:
    s = sandbox
    before = len(s.sim.log.entries(path=ROSTERING))
    refused = await s.http.patch(
        f"/v1/roster/users/{bad}", json={"user": {"givenName": "Ada"}}, headers=s.headers["admin"]
    )
    body = problem(refused, 422)
    assert body["errors"][0]["loc"][:2] == ["path", "sourced_id"], body
    assert len(s.sim.log.entries(path=ROSTERING)) == before


async def test_a_write_timeback_refuses_is_a_422_with_its_reason(sandbox: Sandbox) -> None:
    s = sandbox
    school = s.population.schools[0].key
    s.sim.faults.fail_next(
        400,
        body={**REFUSAL, "imsx_description": "email already used by another user"},
        path=f"{ROSTERING}/users",
    )
    refused = await s.http.post(
        "/v1/roster/users",
        json={
            "user": {
                "enabledUser": True,
                "givenName": "Ada",
                "familyName": "Lovelace",
                "email": "ada@school.test",
                "roles": [{"role": "student", "org": {"sourcedId": school}}],
            }
        },
        headers=s.headers["admin"],
    )
    body = problem(refused, 422)
    assert "email already used by another user" in body["detail"]
    assert body["type"].endswith("/upstream-refused-input")


async def test_gradebook_refusals_are_the_callers_only_for_what_the_caller_sent(
    sandbox: Sandbox,
) -> None:
    s = sandbox
    admin = s.headers["admin"]
    made = await s.http.post(
        "/v1/gradebook/categories", json={"category": {"title": "Quizzes"}}, headers=admin
    )
    assert made.status_code == 201, made.text
    category = made.json()["category"]["sourcedId"]
    refusal = {**REFUSAL, "imsx_description": "unsupported sort field"}
    # a list with the caller's sort: theirs to fix
    s.sim.fail_next(400, body=refusal, path=f"{GRADEBOOK}/categories")
    listed = await s.http.get("/v1/gradebook/categories", params={"sort": "title"}, headers=admin)
    assert "unsupported sort field" in problem(listed, 422)["detail"]
    # a read of one object by a valid id: nothing of the caller's TimeBack could refuse
    s.sim.fail_next(400, body=refusal, path=f"{GRADEBOOK}/categories/{category}")
    problem(await s.http.get(f"/v1/gradebook/categories/{category}", headers=admin), 502)
