"""The TimeBack adapter client against the TimeBack simulator: tokens, rostering reads, seeds."""

from __future__ import annotations

import base64
import json
import math
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from adapters.timeback.errors import (
    TimebackAuthError,
    TimebackNotFound,
    as_timeback_error,
    raise_for_status,
    to_domain_error,
)
from domain.errors import NotFound
from simulators.kit.transport import SimulatorTransport
from simulators.timeback import TimebackSimulator
from tests.support.timeback_client import sandbox_client

BASE = "http://timeback.sim"
ROSTERING = "/ims/oneroster/rostering/v1p2"
ORGS = f"{ROSTERING}/orgs"
USERS = f"{ROSTERING}/users"


@pytest.fixture
def sim() -> TimebackSimulator:
    return TimebackSimulator(seed=7, users=12, classes=4)


@pytest.fixture
async def client(sim: TimebackSimulator) -> AsyncIterator[httpx.AsyncClient]:
    async with sandbox_client(SimulatorTransport(sim.app)) as http:
        yield http


def raw(sim: TimebackSimulator) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=SimulatorTransport(sim.app), base_url=BASE)


# -- tokens ---------------------------------------------------------------------------------


async def test_first_call_fetches_a_token_with_basic_auth_and_reuses_it(
    sim: TimebackSimulator, client: httpx.AsyncClient
) -> None:
    assert (await client.get(ORGS)).status_code == 200
    assert (await client.get(USERS)).status_code == 200
    token_calls = sim.log.entries(path="/oauth2/token")
    assert len(token_calls) == 1
    assert token_calls[0].headers["authorization"] == "Basic [redacted]"
    assert [e.headers["authorization"] for e in sim.log.entries(path=ROSTERING)] == [
        "Bearer [redacted]"
    ] * 2


async def test_client_secret_post_is_accepted_and_the_reply_is_cognito_shaped(
    sim: TimebackSimulator,
) -> None:
    async with raw(sim) as http:
        reply = await http.post(
            "/oauth2/token",
            data={
                "grant_type": "client_credentials",
                "client_id": "sandbox-client",
                "client_secret": "sandbox-secret",
            },
        )
    assert reply.status_code == 200
    body = reply.json()
    assert set(body) == {"access_token", "expires_in", "token_type"}
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    claims = body["access_token"].split(".")[1]
    payload = json.loads(base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4)))
    assert payload["client_id"] == "sandbox-client"
    assert payload["token_use"] == "access"


@pytest.mark.parametrize(
    ("form", "status", "error"),
    [
        (
            {
                "grant_type": "client_credentials",
                "client_id": "sandbox-client",
                "client_secret": "x",
            },
            401,
            "invalid_client",
        ),
        (
            {"grant_type": "client_credentials", "client_id": "nobody", "client_secret": "x"},
            401,
            "invalid_client",
        ),
        (
            {
                "grant_type": "password",
                "client_id": "sandbox-client",
                "client_secret": "sandbox-secret",
            },
            400,
            "unsupported_grant_type",
        ),
        (
            {"client_id": "sandbox-client", "client_secret": "sandbox-secret"},
            400,
            "invalid_request",
        ),
    ],
)
async def test_token_endpoint_refusals(
    sim: TimebackSimulator, form: dict[str, str], status: int, error: str
) -> None:
    async with raw(sim) as http:
        reply = await http.post("/oauth2/token", data=form)
    assert (reply.status_code, reply.json()) == (status, {"error": error})


async def test_bad_credentials_surface_as_an_auth_error(sim: TimebackSimulator) -> None:
    async with sandbox_client(SimulatorTransport(sim.app), secret="wrong") as http:
        with pytest.raises(httpx.HTTPStatusError) as caught:
            await http.get(ORGS)
    error = as_timeback_error(caught.value)
    assert isinstance(error, TimebackAuthError)
    assert (error.status, error.code) == (401, "invalid_client")
    assert not sim.log.entries(path=ROSTERING)  # never reached the API


async def test_an_expired_token_is_refused_then_replaced(
    sim: TimebackSimulator, client: httpx.AsyncClient
) -> None:
    assert (await client.get(ORGS)).status_code == 200
    sim.clock.advance(3601)  # the simulator's hour passes; the client's clock has not moved
    assert (await client.get(ORGS)).status_code == 200
    statuses = [(e.path, e.status) for e in sim.log.entries()]
    assert statuses == [
        ("/oauth2/token", 200),
        (ORGS, 200),
        (ORGS, 401),  # the old token, refused
        ("/oauth2/token", 200),
        (ORGS, 200),
    ]


async def test_a_token_the_client_sees_expiring_is_refetched_before_use() -> None:
    # 60 s is inside authlib's refresh margin, so each call must fetch a fresh token first
    sim = TimebackSimulator(seed=7, users=3, classes=1, token_ttl=60)
    async with sandbox_client(SimulatorTransport(sim.app)) as http:
        for _ in range(2):
            assert (await http.get(ORGS)).status_code == 200
    assert len(sim.log.entries(path="/oauth2/token")) == 2
    assert all(e.status == 200 for e in sim.log.entries())


@pytest.mark.parametrize(
    ("authorization", "description"),
    [
        (None, "Unauthorized: missing bearer token"),
        ("Bearer not-a-token", "Unauthorized: invalid token"),
        ("Basic c2FuZGJveC1jbGllbnQ6c2FuZGJveC1zZWNyZXQ=", "Unauthorized: missing bearer token"),
    ],
)
async def test_api_routes_want_a_live_bearer_token(
    sim: TimebackSimulator, authorization: str | None, description: str
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    async with raw(sim) as http:
        reply = await http.get(ORGS, headers=headers)
    assert reply.status_code == 401
    body = reply.json()
    assert body["imsx_description"] == description
    minor = body["imsx_CodeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"]
    assert minor == "unauthorisedrequest"


# -- rostering reads --------------------------------------------------------------------------


async def test_orgs_page_through_body_fields_and_link_headers(
    sim: TimebackSimulator, client: httpx.AsyncClient
) -> None:
    first = await client.get(ORGS, params={"limit": 1})
    total = int(first.headers["X-Total-Count"])
    assert total == 1 + math.ceil(4 / 3)  # the district and its schools
    body = first.json()
    assert {k: body[k] for k in ("totalCount", "pageCount", "pageNumber", "offset", "limit")} == {
        "totalCount": total,
        "pageCount": total,
        "pageNumber": 1,
        "offset": 0,
        "limit": 1,
    }
    assert 'rel="next"' in first.headers["Link"]
    assert 'rel="prev"' not in first.headers["Link"]
    seen = [org["sourcedId"] for org in body["orgs"]]
    page = first
    while "next" in page.links:
        page = await client.get(page.links["next"]["url"])
        seen += [org["sourcedId"] for org in page.json()["orgs"]]
    assert len(seen) == len(set(seen)) == total
    assert 'rel="prev"' in page.headers["Link"]
    assert 'rel="next"' not in page.headers["Link"]
    assert {o["type"] for o in (await client.get(ORGS)).json()["orgs"]} == {"district", "school"}


async def test_users_list_is_sized_by_the_seed_and_roles_are_realistic(
    client: httpx.AsyncClient,
) -> None:
    users = (await client.get(USERS, params={"limit": 3000})).json()["users"]
    by_role: dict[str, list[dict[str, Any]]] = {}
    for user in users:
        by_role.setdefault(user["roles"][0]["role"], []).append(user)
    assert len(by_role["student"]) == 12
    assert len(by_role["teacher"]) == 4
    assert len(by_role["administrator"]) == 1 + math.ceil(4 / 3)
    assert by_role["guardian"]
    assert all(g["agents"] for g in by_role["guardian"])
    student = by_role["student"][0]
    assert student["enabledUser"] == "true"  # a string on the wire
    assert student["grades"]
    assert isinstance(student["grades"][0], str)


async def test_one_user_comes_in_the_singular_envelope(client: httpx.AsyncClient) -> None:
    some = (await client.get(USERS, params={"limit": 1})).json()["users"][0]
    reply = await client.get(f"{USERS}/{some['sourcedId']}")
    assert reply.status_code == 200
    assert reply.json() == {"user": some}


async def test_an_unknown_id_is_an_imsx_404(client: httpx.AsyncClient) -> None:
    reply = await client.get(f"{ORGS}/no-such-org")
    assert reply.status_code == 404
    assert reply.json() == {
        "imsx_codeMajor": "failure",
        "imsx_severity": "error",
        "imsx_description": "Org not found",
        "imsx_CodeMinor": {
            "imsx_codeMinorField": [
                {
                    "imsx_codeMinorFieldName": "TargetEndSystem",
                    "imsx_codeMinorFieldValue": "unknownobject",
                }
            ]
        },
    }
    with pytest.raises(TimebackNotFound) as caught:
        raise_for_status(reply)
    assert isinstance(to_domain_error(caught.value), NotFound)


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 3001}, {"offset": -1}, {"limit": "x"}])
async def test_bad_paging_parameters_are_400(
    client: httpx.AsyncClient, params: dict[str, str | int]
) -> None:
    reply = await client.get(ORGS, params=params)
    assert reply.status_code == 400
    assert reply.json()["imsx_CodeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"] == (
        "invaliddata"
    )


# -- seeds ----------------------------------------------------------------------------------


def test_the_same_seed_gives_the_same_roster_and_size_is_respected() -> None:
    a = TimebackSimulator(seed=3, users=20, classes=5)
    b = TimebackSimulator(seed=3, users=20, classes=5)
    assert a.state.users.all() == b.state.users.all()
    assert a.state.orgs.all() == b.state.orgs.all()
    assert a.state.users.all() != TimebackSimulator(seed=4, users=20, classes=5).state.users.all()
    a.seed(users=50)
    assert a.summarize()["roles"]["student"] == 50  # type: ignore[index]
    a.seed(3, users=20)
    assert a.state.users.all() == b.state.users.all()
