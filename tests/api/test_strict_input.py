"""Request bodies are read strictly (issue 12, item 7): a boolean is ``true`` or ``false``, not
``0``, ``"no"`` or ``"off"``; an integer is a JSON integer; and no number anywhere in a body may be
non-finite (``NaN``, ``Infinity``, ``1e400``): Python's JSON reader takes those, TimeBack's JSON
cannot carry them, and a ``NaN`` in ``metadata`` was stored as null. Each is a 422 problem naming
the body, before anything is written or sent upstream. Dates, enums and ids still arrive as JSON
strings and are read as before."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from api.settings import Settings
from tests.api.test_gradebook import SCORE_DATE, Sandbox, open_sandbox, taught_class

JSON = {"content-type": "application/json"}
ROSTERING = "/ims/oneroster/rostering/v1p2"
GRADEBOOK = "/ims/oneroster/gradebook/v1p2"


@pytest.fixture
async def sandbox(settings: Settings, demo: dict[str, Any]) -> AsyncIterator[Sandbox]:
    async with open_sandbox(settings, demo) as opened:
        yield opened


def refused(response: Any) -> dict[str, Any]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["errors"], body
    assert all(e["loc"][0] == "body" for e in body["errors"]), body
    return body


async def account_id(s: Sandbox, role: str) -> str:
    me = await s.http.get("/v1/me", headers=s.headers[role])
    return str(me.json()["id"])


@pytest.mark.parametrize("loose", [0, 1, "no", "off", "yes", "true", "false", "0", None])
async def test_a_boolean_is_true_or_false(sandbox: Sandbox, loose: Any) -> None:
    s = sandbox
    teacher = await account_id(s, "teacher")
    answer = await s.http.patch(
        f"/v1/accounts/{teacher}", json={"active": loose}, headers=s.headers["admin"]
    )
    if loose is None:  # "not given" for an optional field; nothing changes
        assert answer.status_code == 200, answer.text
        assert answer.json()["active"] is True
        return
    refused(answer)
    still = await s.http.get(f"/v1/accounts/{teacher}", headers=s.headers["admin"])
    assert still.json()["active"] is True


async def test_booleans_themselves_still_work(sandbox: Sandbox) -> None:
    s = sandbox
    teacher = await account_id(s, "teacher")
    off = await s.http.patch(
        f"/v1/accounts/{teacher}", json={"active": False}, headers=s.headers["admin"]
    )
    assert off.status_code == 200, off.text
    assert off.json()["active"] is False


@pytest.mark.parametrize("loose", ["30", 30.0, True])
async def test_an_integer_is_a_json_integer(sandbox: Sandbox, loose: Any) -> None:
    refused(
        await sandbox.http.post(
            "/v1/me/api-tokens",
            json={"name": "script", "expires_in_days": loose},
            headers=sandbox.headers["teacher"],
        )
    )


NON_FINITE = ["NaN", "Infinity", "-Infinity", "1e400", "-1e400"]


@pytest.mark.parametrize("number", NON_FINITE)
async def test_a_non_finite_score_is_refused_before_timeback(sandbox: Sandbox, number: str) -> None:
    s = sandbox
    before = len(s.sim.log.entries(path=GRADEBOOK))
    body = (
        '{"result": {"lineItem": {"sourcedId": "li-1"}, "student": {"sourcedId": "s-1"}, '
        f'"scoreStatus": "fully graded", "score": {number}, "scoreDate": "{SCORE_DATE}"}}}}'
    )
    refused(
        await s.http.put(
            "/v1/gradebook/results/r-strict", content=body, headers=s.headers["admin"] | JSON
        )
    )
    assert len(s.sim.log.entries(path=GRADEBOOK)) == before


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/gradebook/categories", '{"category": {"title": "Quiz", "weight": NaN}}'),
        (
            "/v1/gradebook/categories",
            '{"category": {"title": "Quiz", "weight": 1, "metadata": {"x": [1, {"y": Infinity}]}}}',
        ),
    ],
)
async def test_a_non_finite_weight_or_metadata_value_is_refused(
    sandbox: Sandbox, path: str, body: str
) -> None:
    s = sandbox
    before = len(s.sim.log.entries(path=GRADEBOOK))
    refused(await s.http.post(path, content=body, headers=s.headers["admin"] | JSON))
    assert len(s.sim.log.entries(path=GRADEBOOK)) == before


@pytest.mark.parametrize("number", NON_FINITE)
async def test_a_non_finite_number_in_roster_metadata_is_refused_not_stored_as_null(
    sandbox: Sandbox, number: str
) -> None:
    s = sandbox
    school = s.population.schools[0].key
    before = len(s.sim.log.entries(path=ROSTERING, method="POST"))
    body = (
        '{"org": {"name": "Annex", "type": "school", '
        f'"parent": {{"sourcedId": "{school}"}}, "metadata": {{"rank": {number}}}}}}}'
    )
    refused(await s.http.post("/v1/roster/orgs", content=body, headers=s.headers["admin"] | JSON))
    assert len(s.sim.log.entries(path=ROSTERING, method="POST")) == before


async def test_a_value_range_bound_must_be_finite(sandbox: Sandbox) -> None:
    s = sandbox
    body = (
        '{"lineItem": {"title": "Quiz", "assignDate": "2026-01-05T00:00:00Z", '
        '"dueDate": "2026-01-12T00:00:00Z", "category": {"sourcedId": "cat-homework"}, '
        '"resultValueMin": 0, "resultValueMax": Infinity}}'
    )
    refused(
        await s.http.put(
            "/v1/gradebook/line-items/li-strict", content=body, headers=s.headers["admin"] | JSON
        )
    )


async def test_dates_and_enums_still_arrive_as_strings(sandbox: Sandbox) -> None:
    s = sandbox
    # a date-time (line item), an enum (account role) and a date (academic session) from JSON text;
    # the line item names what a new one needs (D38): a class that exists, a shared category
    body = (
        '{"lineItem": {"title": "Quiz", "assignDate": "2026-01-05T00:00:00Z", '
        '"dueDate": "2026-01-12T00:00:00Z", "category": {"sourcedId": "cat-homework"}, '
        f'"class": {{"sourcedId": "{taught_class(s)}"}}, '
        '"resultValueMin": 0, "resultValueMax": 10.5}}'
    )
    made = await s.http.put(
        "/v1/gradebook/line-items/li-strict", content=body, headers=s.headers["admin"] | JSON
    )
    assert made.status_code in (200, 201), made.text
    account = await s.http.post(
        "/v1/accounts",
        json={
            "email": "second.admin@school.test",
            "role": "admin",
            "password": "a long passphrase 42",
        },
        headers=s.headers["admin"],
    )
    assert account.status_code == 201, account.text
    session = await s.http.post(
        "/v1/roster/academic-sessions",
        json={
            "academicSession": {
                "title": "Summer",
                "type": "term",
                "startDate": "2026-06-01",
                "endDate": "2026-08-31",
                "schoolYear": "2026",
                "org": {"sourcedId": s.population.district.key},
            }
        },
        headers=s.headers["admin"],
    )
    assert session.status_code == 201, session.text
