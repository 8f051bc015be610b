"""The TimeBack roster adapter against the TimeBack simulator (no database): writes land upstream,
live reads see them, and each kind of upstream answer becomes the domain error it means for a
write (the caller's data refused: UpstreamRefusedInput, an InvalidInput / Conflict / NotFound; an
outage: Upstream*)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from adapters.timeback.client import make_timeback_client
from adapters.timeback.errors import error_from_response
from adapters.timeback.oneroster import OneRosterClient
from adapters.timeback.roster_writer import TimebackRoster, write_error
from domain.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    NotFound,
    UpstreamRateLimited,
    UpstreamRefusedInput,
    UpstreamRejected,
    UpstreamUnavailable,
)
from domain.ports.roster_writer import LiveQuery
from domain.roster.entities import EntityKind
from simulators.sandbox import SandboxSimulators
from simulators.timeback import TimebackSimulator
from tests.conftest import make_settings
from tests.support.sandbox import seeded_simulators

ROSTERING = "/ims/oneroster/rostering/v1p2"


@pytest.fixture
async def sims() -> SandboxSimulators:
    return seeded_simulators(seed=7, users=30, classes=3)


@pytest.fixture
async def roster(sims: SandboxSimulators) -> AsyncIterator[TimebackRoster]:
    tb = make_settings("sqlite://").timeback
    async with make_timeback_client(
        base_url=tb.base_url,
        token_url=tb.token_url,
        client_id=tb.client_id,
        client_secret=tb.client_secret.get_secret_value(),
        timeout=5,
        transport=sims.transport(),
    ) as http:
        yield TimebackRoster(OneRosterClient(http))


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (400, UpstreamRefusedInput),
        (422, UpstreamRefusedInput),
        (409, Conflict),
        (404, NotFound),
        (401, UpstreamRejected),
        (429, UpstreamRateLimited),
        (500, UpstreamUnavailable),
        (503, UpstreamUnavailable),
    ],
)
def test_write_refusals_map_to_what_they_mean_for_the_caller(
    status: int, expected: type[DomainError]
) -> None:
    body = {"imsx_codeMajor": "failure", "imsx_description": "Missing required fields: title"}
    response = httpx.Response(status, json=body, request=httpx.Request("POST", "http://tb/x"))
    error = write_error(error_from_response(response))
    assert type(error) is expected
    assert "Missing required fields" in error.detail or status in (401, 429, 500, 503)


async def test_create_put_delete_and_read_back_live(
    roster: TimebackRoster, sims: SandboxSimulators
) -> None:
    school = next(
        o
        for o in sims.get("timeback", TimebackSimulator).state.orgs.all()
        if o.get("type") == "school"
    )
    user = {
        "status": "active",
        "enabledUser": True,
        "givenName": "Grace",
        "familyName": "Hopper",
        "email": "grace@school.test",
        "roles": [
            {"roleType": "primary", "role": "teacher", "org": {"sourcedId": school["sourcedId"]}}
        ],
    }
    uid = await roster.create(EntityKind.USERS, user)
    record = await roster.fetch(EntityKind.USERS, uid)
    assert record is not None
    assert record.payload["givenName"] == "Grace"
    assert record.org_ids == {school["sourcedId"]}

    await roster.replace(EntityKind.USERS, uid, {**record.payload, "givenName": "Amazing Grace"})
    again = await roster.fetch(EntityKind.USERS, uid)
    assert again is not None
    assert again.payload["givenName"] == "Amazing Grace"

    items, total = await roster.page(
        LiveQuery(collection="teachers", filter="givenName='Amazing Grace'")
    )
    assert [i["sourcedId"] for i in items] == [uid]
    assert total == 1

    await roster.delete(EntityKind.USERS, uid)
    gone = await roster.fetch(EntityKind.USERS, uid)
    assert gone is not None
    assert gone.deleted
    assert await roster.fetch(EntityKind.USERS, "no-such-user") is None
    with pytest.raises(NotFound):
        await roster.delete(EntityKind.USERS, "no-such-user")
    with pytest.raises(InvalidInput, match="Missing required fields"):
        await roster.create(EntityKind.USERS, {"givenName": "Half"})


async def test_enroll_and_agent_links(roster: TimebackRoster, sims: SandboxSimulators) -> None:
    state = sims.get("timeback", TimebackSimulator).state
    klass = state.classes.all()[0]["sourcedId"]
    student = next(u for u in state.users.all() if u["roles"][0]["role"] == "student")["sourcedId"]
    guardian = next(u for u in state.users.all() if u["roles"][0]["role"] == "guardian")[
        "sourcedId"
    ]

    enrollment_id = await roster.enroll(klass, student, "student", {"primary": False})
    enrollment = await roster.fetch(EntityKind.ENROLLMENTS, enrollment_id)
    assert enrollment is not None
    assert (enrollment.user_id, enrollment.class_id, enrollment.role) == (student, klass, "student")
    with pytest.raises(NotFound):
        await roster.enroll("no-such-class", student, "teacher", {})

    await roster.add_agent(student, guardian)
    linked = await roster.fetch(EntityKind.USERS, student)
    assert linked is not None
    assert guardian in linked.agent_ids
    await roster.remove_agent(student, guardian)
    unlinked = await roster.fetch(EntityKind.USERS, student)
    assert unlinked is not None
    assert guardian not in unlinked.agent_ids
    with pytest.raises(NotFound):
        await roster.remove_agent(student, guardian)


async def test_outages_are_upstream_errors(roster: TimebackRoster, sims: SandboxSimulators) -> None:
    sims.get("timeback", TimebackSimulator).fail_next(500, times=10, path=f"{ROSTERING}/users")
    with pytest.raises(UpstreamUnavailable):
        await roster.page(LiveQuery(collection="users"))
    with pytest.raises(UpstreamUnavailable):
        await roster.fetch(EntityKind.USERS, "anyone")
