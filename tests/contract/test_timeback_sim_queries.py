"""TimeBack simulator list queries, writes and rate limiting, on the wire.

filter (the simulator's own reading of TimeBack's grammar, evaluated over entities), search, sort/orderBy, fields, with
paging after them; creates, updates, soft deletes, enrolling, agent links, ``dateLastModified``
stamping seen by an incremental ``dateLastModified>'...'`` filter; the optional 429 rate limit.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from simulators.kit.transport import SimulatorTransport
from simulators.timeback import TimebackSimulator
from tests.support.timeback_sim import bearer_client, simulator_with_token

BASE = "http://timeback.sim"
ROSTERING = "/ims/oneroster/rostering/v1p2"
TOKEN = "test-token"


@pytest.fixture
def sim() -> TimebackSimulator:
    return simulator_with_token(TOKEN, seed=3, users=40, classes=6)


@pytest.fixture
async def http(sim: TimebackSimulator) -> AsyncIterator[httpx.AsyncClient]:
    async with bearer_client(sim, TOKEN, f"{BASE}{ROSTERING}") as client:
        yield client


async def items(http: httpx.AsyncClient, path: str, key: str, **params: Any) -> list[Any]:
    response = await http.get(path, params={"limit": 3000, **params})
    assert response.status_code == 200, response.text
    found: list[Any] = response.json()[key]
    return found


def minor(response: httpx.Response) -> str:
    value: str = response.json()["imsx_CodeMinor"]["imsx_codeMinorField"][0][
        "imsx_codeMinorFieldValue"
    ]
    return value


# -- filter -----------------------------------------------------------------------------------


async def test_filter_equality_and_and_or(sim: TimebackSimulator, http: httpx.AsyncClient) -> None:
    users = sim.state.users.all()
    students = [u for u in users if u["roles"][0]["role"] == "student"]
    ada = students[0]
    found = await items(http, "/users", "users", filter=f"givenName='{ada['givenName']}'")
    assert {u["sourcedId"] for u in found} == {
        u["sourcedId"] for u in users if u["givenName"] == ada["givenName"]
    }
    both = await items(
        http,
        "/users",
        "users",
        filter=f"givenName='{ada['givenName']}' AND familyName='{ada['familyName']}'",
    )
    assert ada["sourcedId"] in {u["sourcedId"] for u in both}
    assert all(u["familyName"] == ada["familyName"] for u in both)
    either = await items(
        http, "/users", "users", filter="(roles.role='teacher' OR roles.role='administrator')"
    )
    assert {u["roles"][0]["role"] for u in either} == {"teacher", "administrator"}
    not_students = await items(http, "/users", "users", filter="roles.role!='student'")
    assert len(not_students) == len(users) - len(students)


async def test_filter_contains_in_list_and_through_references(
    sim: TimebackSimulator, http: httpx.AsyncClient
) -> None:
    upper = await items(http, "/orgs", "orgs", filter="name~'SCHOOL'")
    assert upper
    assert all("school" in o["name"].lower() for o in upper)
    roles = await items(http, "/enrollments", "enrollments", filter="role@'teacher,student'")
    assert len(roles) == len(sim.state.enrollments)
    klass = sim.state.classes.all()[0]
    course = klass["course"]["sourcedId"]
    found = await items(http, "/classes", "classes", filter=f"course.sourcedId='{course}'")
    assert klass["sourcedId"] in {c["sourcedId"] for c in found}
    assert all(c["course"]["sourcedId"] == course for c in found)


async def test_users_filter_by_role_as_timeback_does(
    sim: TimebackSimulator, http: httpx.AsyncClient
) -> None:
    """``role`` is not a field of a user (``roles`` is), yet TimeBack filters users by it and
    both official clients document it, in the forms ``timeback-common`` writes."""
    users = sim.state.users.all()

    def with_role(*roles: str) -> set[str]:
        return {u["sourcedId"] for u in users if u["roles"][0]["role"] in roles}

    students = await items(http, "/users", "users", filter="role='student'")
    assert {u["sourcedId"] for u in students} == with_role("student")
    staff = await items(http, "/users", "users", filter="(role='teacher' OR role='guardian')")
    assert {u["sourcedId"] for u in staff} == with_role("teacher", "guardian")
    listed = await items(http, "/users", "users", filter="role@'teacher,guardian'")
    assert {u["sourcedId"] for u in listed} == with_role("teacher", "guardian")
    active = await items(
        http, "/users", "users", filter="status='active' AND role!='student' AND role!='teacher'"
    )
    everyone = {u["sourcedId"] for u in users}
    assert {u["sourcedId"] for u in active} == everyone - with_role("student", "teacher")
    assert await items(http, "/teachers", "users", filter="role='student'") == []
    # and sort by it (their first role), as the BFF's live lists may ask
    by_role = await items(http, "/users", "users", sort="role")
    firsts = [u["roles"][0]["role"] for u in by_role]
    assert firsts == sorted(firsts)
    # enrollments keep their own top-level ``role``
    enrolled = await items(http, "/enrollments", "enrollments", filter="role='teacher'")
    assert {e["role"] for e in enrolled} == {"teacher"}


async def test_users_primary_org_carries_its_name(sim: TimebackSimulator) -> None:
    names = {o["sourcedId"]: o["name"] for o in sim.state.orgs.all()}
    for user in sim.state.users.all():
        org = user["primaryOrg"]
        assert org["name"] == names[org["sourcedId"]]


async def test_component_resources_filter_by_their_unit(
    sim: TimebackSimulator, http: httpx.AsyncClient
) -> None:
    unit = sim.state.course_components.all()[0]["sourcedId"]
    found = await items(
        http,
        "/courses/component-resources",
        "componentResources",
        filter=f"courseComponent.sourcedId='{unit}'",
    )
    assert found
    assert {r["courseComponent"]["sourcedId"] for r in found} == {unit}


async def test_filter_compares_dates_as_instants_and_bare_numbers_numerically(
    sim: TimebackSimulator, http: httpx.AsyncClient
) -> None:
    users = sim.state.users.all()
    cut = sorted(u["dateLastModified"] for u in users)[len(users) // 2]
    later = await items(http, "/users", "users", filter=f"dateLastModified>'{cut}'")
    assert {u["sourcedId"] for u in later} == {
        u["sourcedId"] for u in users if u["dateLastModified"] > cut
    }
    everyone = await items(http, "/users", "users", filter="dateLastModified>='2000-01-01'")
    assert len(everyone) == len(users)
    year = await items(http, "/academicSessions", "academicSessions", filter="schoolYear>=2025")
    assert len(year) == len(sim.state.academic_sessions) == 7  # the year, 2 terms, 4 quarters
    assert (
        await items(http, "/academicSessions", "academicSessions", filter="schoolYear<2025") == []
    )


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"filter": "shoeSize='9'"}, "invalid_filter_field"),
        ({"filter": "givenName=='x'"}, "invalid_filter_field"),
        ({"sort": "shoeSize"}, "invalid_sort_field"),
        ({"fields": "sourcedId,shoeSize"}, "invalid_selection_field"),
    ],
)
async def test_unknown_fields_are_imsx_400s(
    http: httpx.AsyncClient, params: dict[str, str], code: str
) -> None:
    response = await http.get("/users", params=params)
    assert response.status_code == 400
    assert minor(response) == code
    assert response.json()["imsx_error_details"]


# -- sort, fields, search, paging -------------------------------------------------------------


async def test_sort_order_fields_and_paging_compose(
    sim: TimebackSimulator, http: httpx.AsyncClient
) -> None:
    students = [u for u in sim.state.users.all() if u["roles"][0]["role"] == "student"]
    expected = sorted(students, key=lambda u: u["familyName"].lower(), reverse=True)
    seen: list[dict[str, Any]] = []
    offset = 0
    while True:
        response = await http.get(
            "/students",
            params={
                "sort": "familyName",
                "orderBy": "desc",
                "fields": "sourcedId,familyName",
                "limit": 7,
                "offset": offset,
            },
        )
        body = response.json()
        assert body["totalCount"] == len(students) == int(response.headers["X-Total-Count"])
        seen += body["users"]
        if 'rel="next"' not in response.headers["Link"]:
            break
        offset += 7
    assert all(set(u) == {"sourcedId", "familyName"} for u in seen)
    assert [u["familyName"] for u in seen] == [u["familyName"] for u in expected]
    assert len({u["sourcedId"] for u in seen}) == len(students)


async def test_search_looks_at_the_documented_fields(
    sim: TimebackSimulator, http: httpx.AsyncClient
) -> None:
    user = sim.state.users.all()[5]
    found = await items(http, "/users", "users", search=user["email"].upper())
    assert [u["sourcedId"] for u in found] == [user["sourcedId"]]
    course = sim.state.courses.all()[0]
    found = await items(http, "/courses", "courses", search=course["courseCode"].lower())
    assert course["sourcedId"] in {c["sourcedId"] for c in found}


async def test_nested_lists_take_queries_too(
    sim: TimebackSimulator, http: httpx.AsyncClient
) -> None:
    klass = sim.state.classes.all()[0]
    students = await items(http, f"/classes/{klass['sourcedId']}/students", "users")
    named = students[0]["givenName"]
    found = await items(
        http, f"/classes/{klass['sourcedId']}/students", "users", filter=f"givenName='{named}'"
    )
    assert found
    assert all(u["givenName"] == named for u in found)


async def test_a_single_get_takes_fields(sim: TimebackSimulator, http: httpx.AsyncClient) -> None:
    user = sim.state.users.all()[0]
    response = await http.get(f"/users/{user['sourcedId']}", params={"fields": "givenName"})
    assert response.json() == {"user": {"givenName": user["givenName"]}}


# -- writes -----------------------------------------------------------------------------------


def new_user(**extra: Any) -> dict[str, Any]:
    return {
        "enabledUser": "true",
        "givenName": "Grace",
        "familyName": "Hopper",
        "email": "grace@example.edu",
        "roles": [{"roleType": "primary", "role": "student", "org": {"sourcedId": "o1"}}],
        **extra,
    }


async def test_create_update_and_soft_delete_a_user(
    sim: TimebackSimulator, http: httpx.AsyncClient
) -> None:
    before = sim.clock.utcnow().isoformat().replace("+00:00", "Z")
    sim.clock.advance(0.01)  # stamps are to the millisecond; keep the write after ``before``
    created = await http.post("/users", json={"user": new_user()})
    assert created.status_code == 201
    pairs = created.json()["sourcedIdPairs"]
    new_id = pairs["allocatedSourcedId"]
    assert pairs["suppliedSourcedId"] == new_id
    changed = await items(http, "/users", "users", filter=f"dateLastModified>'{before}'")
    assert [u["sourcedId"] for u in changed] == [new_id]

    sim.clock.advance(60)
    updated = await http.put(f"/users/{new_id}", json={"user": {"givenName": "Amazing Grace"}})
    assert updated.status_code == 200
    user = updated.json()["user"]
    assert (user["givenName"], user["familyName"]) == ("Amazing Grace", "Hopper")
    assert user["dateLastModified"] > changed[0]["dateLastModified"]

    deleted = await http.delete(f"/users/{new_id}")
    assert deleted.status_code == 204
    gone = (await http.get(f"/users/{new_id}")).json()["user"]
    assert gone["status"] == "tobedeleted"
    listed = await items(http, "/users", "users", filter="status='tobedeleted'")
    assert [u["sourcedId"] for u in listed] == [new_id]


async def test_a_supplied_sourced_id_is_kept_and_not_reused(http: httpx.AsyncClient) -> None:
    body = {"user": new_user(sourcedId="u-grace")}
    first = await http.post("/users", json=body)
    assert first.json()["sourcedIdPairs"]["allocatedSourcedId"] == "u-grace"
    again = await http.post("/users", json=body)
    assert again.status_code == 422


async def test_create_validation_names_the_missing_fields(http: httpx.AsyncClient) -> None:
    response = await http.post("/classes", json={"class": {"title": "Orphan"}})
    assert response.status_code == 422
    paths = {d["path"] for d in response.json()["imsx_error_details"]}
    assert paths == {"course", "org", "terms"}
    unwrapped = await http.post("/courses", json={"title": "x"})
    assert unwrapped.status_code == 400
    assert (await http.put("/courses/nope", json={"course": {}})).status_code == 404
    assert (await http.delete("/courses/nope")).status_code == 404


async def test_enroll_in_both_body_shapes(sim: TimebackSimulator, http: httpx.AsyncClient) -> None:
    klass = sim.state.classes.all()[0]["sourcedId"]
    before = {u["sourcedId"] for u in await items(http, f"/classes/{klass}/students", "users")}
    newcomer = next(
        u
        for u in sim.state.users.all()
        if u["roles"][0]["role"] == "student" and u["sourcedId"] not in before
    )
    spec_shape = {"enrollment": {"user": {"sourcedId": newcomer["sourcedId"]}}}
    assert (await http.post(f"/classes/{klass}/students", json=spec_shape)).status_code == 201
    students = await items(http, f"/classes/{klass}/students", "users")
    assert {u["sourcedId"] for u in students} == before | {newcomer["sourcedId"]}
    admin = next(u for u in sim.state.users.all() if u["roles"][0]["role"] == "administrator")
    tb_shape = {"teacher": {"sourcedId": admin["sourcedId"]}}
    assert (await http.post(f"/classes/{klass}/teachers", json=tb_shape)).status_code == 201
    teachers_of = await items(
        http, "/enrollments", "enrollments", filter=f"user.sourcedId='{admin['sourcedId']}'"
    )
    assert [e["role"] for e in teachers_of] == ["teacher"]
    unknown = {"student": {"sourcedId": "nobody"}}
    assert (await http.post(f"/classes/{klass}/students", json=unknown)).status_code == 404


async def test_agents_link_and_unlink_on_both_sides(
    sim: TimebackSimulator, http: httpx.AsyncClient
) -> None:
    users = sim.state.users.all()
    student = next(u for u in users if u["roles"][0]["role"] == "student" and not u["agents"])
    teacher = next(u for u in users if u["roles"][0]["role"] == "teacher")
    sid, tid = student["sourcedId"], teacher["sourcedId"]
    added = await http.post(f"/users/{sid}/agents", json={"agentSourcedId": tid})
    assert added.status_code == 200
    assert [a["sourcedId"] for a in await items(http, f"/users/{sid}/agents", "agents")] == [tid]
    assert sid in {a["sourcedId"] for a in sim.state.users.get(tid)["agents"]}  # type: ignore[index]
    removed = await http.delete(f"/users/{sid}/agents/{tid}")
    assert removed.status_code == 200
    assert await items(http, f"/users/{sid}/agents", "agents") == []
    assert (await http.delete(f"/users/{sid}/agents/{tid}")).status_code == 404


# -- rate limit -------------------------------------------------------------------------------


async def test_rate_limit_answers_429_server_busy_with_retry_after(
    sim: TimebackSimulator, http: httpx.AsyncClient
) -> None:
    control = httpx.AsyncClient(transport=SimulatorTransport(sim.app), base_url=BASE)
    async with control:
        set_limit = await control.post("/_sim/faults/rate-limit", json={"per_second": 1})
        assert set_limit.status_code == 201
        statuses = [(await http.get("/orgs")).status_code for _ in range(5)]
        assert statuses.count(429) >= 2
        busy = await http.get("/orgs")
        if busy.status_code == 429:  # the second may have rolled over meanwhile
            assert busy.headers["Retry-After"] == "1"
            assert minor(busy) == "server_busy"
        await control.post("/_sim/faults/rate-limit", json={"per_second": None})
        assert (await http.get("/orgs")).status_code == 200


def test_a_constructor_rate_limit_survives_reset() -> None:
    sim = TimebackSimulator(users=2, classes=1, rate_limit_per_second=5)
    sim.reset()
    assert sim.faults.rate_limit == 5
    assert sim.describe()["faults"] == [{"kind": "rate_limit", "per_second": 5, "path": None}]


# -- cached listings ----------------------------------------------------------------------------


async def test_sorted_listing_follows_writes_made_through_the_api_and_straight_into_state(
    sim: TimebackSimulator, http: httpx.AsyncClient
) -> None:
    """A listing is cached per version of the entities: every kind of write must show up."""

    async def family_names() -> list[str]:
        found = await items(http, "/users", "users", sort="familyName", orderBy="desc")
        return [u["familyName"] for u in found]

    before = await family_names()
    assert before == sorted(before, key=str.lower, reverse=True)
    assert await family_names() == before  # served again from the cache

    users = sim.state.users
    first = next(iter(users.items))
    users.items[first] = {**users.items[first], "familyName": "Zzzz"}  # as some tests do
    assert (await family_names())[0] == "Zzzz"

    created = await http.post(
        "/users",
        json={
            "user": {
                "sourcedId": "u-new",
                "enabledUser": True,
                "givenName": "New",
                "familyName": "Zzzzz",
                "roles": [{"roleType": "primary", "role": "student", "org": {"sourcedId": "x"}}],
                "email": "new@example.test",
            }
        },
    )
    assert created.status_code == 201, created.text
    assert (await family_names())[:2] == ["Zzzzz", "Zzzz"]
    students = await items(http, "/students", "users", sort="familyName", orderBy="desc")
    assert students[0]["sourcedId"] == "u-new"

    del users.items["u-new"]
    assert "Zzzzz" not in await family_names()


async def test_incremental_filter_sees_each_update_while_listings_are_cached(
    sim: TimebackSimulator, http: httpx.AsyncClient
) -> None:
    sim.clock.advance(0.01)  # stamps are to the millisecond; keep the seed before the cut
    cut = sim.clock.utcnow().isoformat().replace("+00:00", "Z")
    changed = f"dateLastModified>='{cut}'"
    assert await items(http, "/users", "users", filter=changed, sort="sourcedId") == []
    sim.clock.advance(60)
    target = sorted(sim.state.users.items)[3]
    body = {"user": {"sourcedId": target, "givenName": "Changed"}}
    assert (await http.put(f"/users/{target}", json=body)).status_code == 200
    found = await items(http, "/users", "users", filter=changed, sort="sourcedId")
    assert [u["sourcedId"] for u in found] == [target]
    assert found[0]["givenName"] == "Changed"


async def test_sorted_pages_walk_the_whole_collection_once(
    sim: TimebackSimulator, http: httpx.AsyncClient
) -> None:
    seen: list[str] = []
    for offset in range(0, len(sim.state.users), 7):
        page = await items(http, "/users", "users", sort="sourcedId", limit=7, offset=offset)
        seen += [u["sourcedId"] for u in page]
    assert seen == sorted(sim.state.users.items, key=str.lower)


async def test_fields_may_name_any_field_of_the_schema(
    sim: TimebackSimulator, http: httpx.AsyncClient
) -> None:
    """TimeBack knows its schema before anything is stored: a user's ``password`` is a valid
    selection though no seeded user has one (the BFF answered 502 to ``fields=password`` live)."""
    found = await items(http, "/users", "users", fields="sourcedId,password")
    assert found
    assert all(set(u) <= {"sourcedId", "password"} for u in found)
    refused = await http.get("/users", params={"fields": "shoeSize"})
    assert refused.status_code == 400
