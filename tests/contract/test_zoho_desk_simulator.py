"""The Zoho Desk v1 simulator on the wire: orgId, tickets and time entries (reference 4.2, 7 item 22)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from simulators.zoho import ZohoSimulator
from simulators.zoho.state import DeskOrg, Ticket

DESK = "http://desk.zoho.sim"
ENTRY = {
    "executedTime": "2025-03-14T15:30:00.000Z",
    "hoursSpent": 1,
    "minutesSpent": 30,
    "secondsSpent": 0,
    "description": "Fixed the projector [bff:log-7]",
    "isBillable": True,
    "requestChargeType": "Customer Service",
}


@pytest.fixture
def sim() -> ZohoSimulator:
    return ZohoSimulator(seed=5, users=4, classes=2)


@pytest.fixture
def user(sim: ZohoSimulator) -> str:
    return next(iter(sim.state.users))


@pytest.fixture
def org(sim: ZohoSimulator, user: str) -> DeskOrg:
    return sim.state.orgs_of(user)[0]


@pytest.fixture
def ticket(sim: ZohoSimulator, org: DeskOrg) -> Ticket:
    return sim.state.tickets_of(org.id)[0]


@pytest.fixture
async def http(sim: ZohoSimulator, user: str, org: DeskOrg) -> AsyncIterator[httpx.AsyncClient]:
    headers = {"Authorization": f"Zoho-oauthtoken {sim.token_for(user)}", "orgId": org.id}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=sim.app), base_url=f"{DESK}/api/v1", headers=headers
    ) as client:
        yield client


def entries_url(ticket: Ticket) -> str:
    return f"/tickets/{ticket.id}/timeEntry"


async def test_organizations_need_no_org_id(
    sim: ZohoSimulator, http: httpx.AsyncClient, org: DeskOrg
) -> None:
    del http.headers["orgId"]
    body = (await http.get("/organizations")).json()
    assert [o["id"] for o in body["data"]] == [org.id]
    assert (await http.get("/tickets")).status_code == 422


async def test_a_missing_or_foreign_org_id_is_refused(
    sim: ZohoSimulator, http: httpx.AsyncClient
) -> None:
    missing = await http.get("/tickets", headers={"orgId": ""})
    assert missing.status_code == 422
    assert missing.json()["errors"] == [{"fieldName": "orgId", "errorType": "missing"}]
    unknown = await http.get("/tickets", headers={"orgId": "1"})
    assert unknown.json()["errors"] == [{"fieldName": "orgId", "errorType": "invalid"}]
    other_org = next(o for o in sim.state.desk_orgs.values() if o.id != http.headers["orgId"])
    forbidden = await http.get("/tickets", headers={"orgId": other_org.id})
    assert (forbidden.status_code, forbidden.json()["errorCode"]) == (403, "FORBIDDEN")


async def test_tickets_page_by_from_and_limit(
    sim: ZohoSimulator, http: httpx.AsyncClient, org: DeskOrg
) -> None:
    everything = (await http.get("/tickets", params={"from": 0, "limit": 100})).json()["data"]
    assert len(everything) == 4
    assert all(isinstance(t["id"], str) for t in everything)
    second = (await http.get("/tickets", params={"from": 1, "limit": 1})).json()["data"]
    assert second == [everything[1]]
    assert (await http.get("/tickets", params={"from": 4})).json() == {"data": []}
    too_many = await http.get("/tickets", params={"limit": 101})
    assert too_many.status_code == 422
    assert too_many.json()["errors"] == [{"fieldName": "limit", "errorType": "invalid"}]
    one = (await http.get(f"/tickets/{everything[0]['id']}")).json()
    assert one["subject"] == everything[0]["subject"]
    assert (await http.get("/tickets/1")).json()["errorCode"] == "URL_NOT_FOUND"


async def test_time_entry_crud(
    sim: ZohoSimulator, http: httpx.AsyncClient, ticket: Ticket, user: str
) -> None:
    created = await http.post(entries_url(ticket), json=ENTRY)
    assert created.status_code == 200
    entry = created.json()
    assert (entry["hoursSpent"], entry["minutesSpent"], entry["secondsSpent"]) == (1, 30, 0)
    assert (entry["requestId"], entry["ownerId"]) == (ticket.id, user)
    assert entry["executedTime"] == ENTRY["executedTime"]
    url = f"{entries_url(ticket)}/{entry['id']}"
    patched = (await http.patch(url, json={"minutesSpent": 45, "isBillable": False})).json()
    assert (patched["hoursSpent"], patched["minutesSpent"], patched["isBillable"]) == (1, 45, False)
    assert patched["description"] == ENTRY["description"]
    assert (await http.get(url)).json() == patched
    listed = (await http.get(entries_url(ticket))).json()["data"]
    assert [e["id"] for e in listed] == [entry["id"]]
    deleted = await http.delete(url)
    assert (deleted.status_code, deleted.content) == (204, b"")
    assert (await http.get(url)).status_code == 404
    assert (await http.get(entries_url(ticket))).json() == {"data": []}


@pytest.mark.parametrize(
    ("change", "problems"),
    [
        ({"executedTime": None}, [("/executedTime", "missing")]),
        ({"executedTime": "2025-03-14T15:30:00Z"}, [("/executedTime", "invalid")]),
        ({"executedTime": "2025-03-14T15:30:00.000+01:00"}, [("/executedTime", "invalid")]),
        ({"minutesSpent": 60}, [("/minutesSpent", "invalid")]),
        ({"hoursSpent": -1}, [("/hoursSpent", "invalid")]),
        ({"hoursSpent": 0, "minutesSpent": 0}, [("/hoursSpent", "invalid")]),
        ({"isBillable": "yes"}, [("/isBillable", "invalid")]),
        ({"requestChargeType": "Other"}, [("/requestChargeType", "invalid")]),
        ({"minutes": 5}, [("/minutes", "invalid")]),
        ({"ownerId": "42"}, [("/ownerId", "invalid")]),
    ],
)
async def test_invalid_entries_are_422_with_json_pointers(
    sim: ZohoSimulator,
    http: httpx.AsyncClient,
    ticket: Ticket,
    change: dict[str, object],
    problems: list[tuple[str, str]],
) -> None:
    body = {k: v for k, v in (ENTRY | change).items() if v is not None}
    reply = await http.post(entries_url(ticket), json=body)
    assert reply.status_code == 422
    assert reply.json()["errorCode"] == "UNPROCESSABLE_ENTITY"
    assert [(e["fieldName"], e["errorType"]) for e in reply.json()["errors"]] == problems
    assert sim.state.time_entries == {}


async def test_a_bad_patch_changes_nothing(
    sim: ZohoSimulator, http: httpx.AsyncClient, ticket: Ticket
) -> None:
    entry = (await http.post(entries_url(ticket), json=ENTRY)).json()
    url = f"{entries_url(ticket)}/{entry['id']}"
    zero = await http.patch(url, json={"hoursSpent": 0, "minutesSpent": 0})
    assert zero.status_code == 422
    assert (await http.get(url)).json()["minutesSpent"] == 30
    assert (await http.patch(url, content=b"[1]")).status_code == 422


async def test_entries_filter_and_order(
    sim: ZohoSimulator, http: httpx.AsyncClient, ticket: Ticket
) -> None:
    early = ENTRY | {"executedTime": "2025-03-01T09:00:00.000Z", "isBillable": False}
    await http.post(entries_url(ticket), json=ENTRY)
    await http.post(entries_url(ticket), json=early)
    desc = (await http.get(entries_url(ticket), params={"orderBy": "DESC"})).json()["data"]
    assert [e["executedTime"] for e in desc] == [ENTRY["executedTime"], early["executedTime"]]
    billable = await http.get(entries_url(ticket), params={"billStatus": "billable"})
    assert [e["isBillable"] for e in billable.json()["data"]] == [True]
    assert (await http.get(entries_url(ticket), params={"orderBy": "up"})).status_code == 422


async def test_auth_errors_are_invalid_oauth(sim: ZohoSimulator, http: httpx.AsyncClient) -> None:
    for header in ("Bearer x", "Zoho-oauthtoken 1000.unknown"):
        reply = await http.get("/tickets", headers={"Authorization": header})
        assert (reply.status_code, reply.json()["errorCode"]) == (401, "INVALID_OAUTH")


async def test_rate_limit_answers_429_too_many_requests(
    sim: ZohoSimulator, http: httpx.AsyncClient
) -> None:
    sim.desk.throttle.configure(calls=2, window=60)
    assert (await http.get("/tickets")).status_code == 200
    assert (await http.get("/organizations")).status_code == 200
    limited = await http.get("/tickets")
    assert (limited.status_code, limited.json()["errorCode"]) == (429, "TOO_MANY_REQUESTS")
    assert limited.headers["Retry-After"] == "60"
    sim.clock.advance(60)
    assert (await http.get("/tickets")).status_code == 200


async def test_faults_and_unknown_urls_speak_desk(
    sim: ZohoSimulator, http: httpx.AsyncClient
) -> None:
    sim.fail_next(500)
    failed = await http.get("/tickets")
    assert (failed.status_code, failed.json()["errorCode"]) == (500, "INTERNAL_SERVER_ERROR")
    assert (await http.get("/nothing")).json()["errorCode"] == "URL_NOT_FOUND"
