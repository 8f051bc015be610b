"""Roster reads from the local cache over HTTP, on both databases: scoped lists and single reads
(checked against what each demo role should see, worked out from the demo population), the OneRoster
query parameters, the envelopes, ``X-Total-Count`` and ``Link``, and 422s for bad parameters."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from api.settings import Settings
from tests.api.test_authorization_matrix import ROLES, Visible, population_of, roster_visibility
from tests.api.test_sync import drain_worker, wait_for_run
from tests.conftest import login

Headers = dict[str, str]


@pytest.fixture
async def synced(
    client: httpx.AsyncClient, admin_headers: Headers, settings: Settings
) -> httpx.AsyncClient:
    """The client, once a full sync has filled the cache."""
    started = await client.post("/v1/sync/runs", json={"kind": "full"}, headers=admin_headers)
    assert started.status_code == 202, started.text
    await drain_worker(settings)
    run = await wait_for_run(client, started.json()["id"], admin_headers)
    assert run["status"] == "succeeded", run
    return client


async def fetch(
    client: httpx.AsyncClient, path: str, headers: Headers, **params: Any
) -> httpx.Response:
    response = await client.get(f"/v1/roster/{path}", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response


def ids(response: httpx.Response, key: str) -> list[str]:
    return [r["sourcedId"] for r in response.json()[key]]


async def test_every_role_sees_exactly_its_scope_and_nothing_else(
    synced: httpx.AsyncClient, settings: Settings, demo: dict[str, Any]
) -> None:
    population = population_of(settings)
    visible = roster_visibility(population, demo)
    everything = visible["admin"]
    students = frozenset(p.key for p in population.with_role("student"))
    for role in ROLES:
        headers = await login(synced, demo[role].email)
        mine: Visible = visible[role]
        for path, key, expected, every in (
            ("users", "users", mine.users, everything.users),
            ("classes", "classes", mine.classes, everything.classes),
            ("enrollments", "enrollments", mine.enrollments, everything.enrollments),
            # the simulator gives every student demographics, keyed by the student's sourcedId
            ("demographics", "demographics", mine.users & students, students),
        ):
            response = await fetch(synced, path, headers, limit=3000)
            got = ids(response, key)
            leaks = set(got) - expected
            assert not leaks, f"{role} sees {len(leaks)} {path} outside their scope"
            assert set(got) == expected, f"{role}: {path} missing {expected - set(got)}"
            assert len(got) == len(set(got)) == int(response.headers["X-Total-Count"])
            # a single read is never wider than the list
            hidden = sorted(every - expected)
            if hidden:
                refused = await synced.get(f"/v1/roster/{path}/{hidden[0]}", headers=headers)
                assert refused.status_code == 404, f"{role} reads one of the hidden {path}"
            if expected:
                one = sorted(expected)[0]
                found = await synced.get(f"/v1/roster/{path}/{one}", headers=headers)
                assert found.status_code == 200, found.text
        if role != "admin":
            own = await synced.get(
                f"/v1/roster/users/{demo[role].person_sourced_id}", headers=headers
            )
            assert own.json()["user"]["sourcedId"] == demo[role].person_sourced_id


async def test_nested_routes_are_scoped_too(
    synced: httpx.AsyncClient, settings: Settings, demo: dict[str, Any]
) -> None:
    population = population_of(settings)
    visible = roster_visibility(population, demo)
    teacher = await login(synced, demo["teacher"].email)
    me = demo["teacher"].person_sourced_id
    taught = sorted(visible["teacher"].classes)
    assert taught
    students = await fetch(synced, f"classes/{taught[0]}/students", teacher, limit=3000)
    enrolled = {e.person for e in population.enrolled(klass=taught[0]) if e.role == "student"}
    assert set(ids(students, "users")) == enrolled
    teachers = await fetch(synced, f"classes/{taught[0]}/teachers", teacher)
    assert ids(teachers, "users") == [me]
    mine = await fetch(synced, f"users/{me}/classes", teacher)
    assert set(ids(mine, "classes")) == set(taught)
    hidden = sorted(visible["admin"].classes - visible["teacher"].classes)
    if hidden:
        refused = await synced.get(f"/v1/roster/classes/{hidden[0]}/students", headers=teacher)
        assert refused.status_code == 404

    student = await login(synced, demo["student"].email)
    own_classes = await fetch(synced, f"users/{demo['student'].person_sourced_id}/classes", student)
    assert set(ids(own_classes, "classes")) == visible["student"].classes
    stranger = sorted(visible["admin"].users - visible["student"].users)[0]
    assert (
        await synced.get(f"/v1/roster/users/{stranger}/classes", headers=student)
    ).status_code == 404

    admin = await login(synced, demo["admin"].email)
    school = population.schools[0].key
    at_school = await fetch(synced, f"schools/{school}/classes", admin, limit=3000)
    assert set(ids(at_school, "classes")) == {
        c.key for c in population.classes if c.school == school
    }


async def test_views_and_envelopes(
    synced: httpx.AsyncClient, settings: Settings, admin_headers: Headers
) -> None:
    population = population_of(settings)
    schools = await fetch(synced, "schools", admin_headers)
    assert set(ids(schools, "orgs")) == {s.key for s in population.schools}
    orgs = await fetch(synced, "orgs", admin_headers)
    assert set(ids(orgs, "orgs")) == {o.key for o in population.orgs}
    terms = await fetch(synced, "terms", admin_headers)
    assert set(ids(terms, "academicSessions")) == {t.key for t in population.terms}
    sessions = await fetch(synced, "academic-sessions", admin_headers)
    assert set(ids(sessions, "academicSessions")) == {s.key for s in population.sessions}
    courses = await fetch(synced, "courses", admin_headers)
    assert set(ids(courses, "courses")) == {c.key for c in population.courses}
    for path, people in (
        ("students", population.with_role("student")),
        ("teachers", population.with_role("teacher")),
    ):
        page = await fetch(synced, path, admin_headers, limit=3000)
        assert set(ids(page, "users")) == {p.key for p in people}
    demographics = await fetch(synced, "demographics", admin_headers, limit=3000)
    assert set(ids(demographics, "demographics")) == {
        p.key for p in population.with_role("student")
    }

    school = population.schools[0].key
    one = await fetch(synced, f"schools/{school}", admin_headers)
    assert one.json()["org"]["sourcedId"] == school
    term = population.terms[0].key
    assert (await fetch(synced, f"terms/{term}", admin_headers)).json()["academicSession"][
        "sourcedId"
    ] == term
    klass = population.classes[0].key
    assert (await fetch(synced, f"classes/{klass}", admin_headers)).json()["class"][
        "sourcedId"
    ] == klass
    # a view only holds its own kind: a teacher is not one of the students
    teacher = population.with_role("teacher")[0].key
    assert (
        await synced.get(f"/v1/roster/students/{teacher}", headers=admin_headers)
    ).status_code == 404
    assert (
        await synced.get(f"/v1/roster/schools/{population.district.key}", headers=admin_headers)
    ).status_code == 404
    sparse = await fetch(synced, f"users/{teacher}", admin_headers, fields="sourcedId,givenName")
    assert set(sparse.json()["user"]) == {"sourcedId", "givenName"}


async def test_filter_sort_fields_search_and_paging(
    synced: httpx.AsyncClient, settings: Settings, admin_headers: Headers
) -> None:
    population = population_of(settings)
    students = {p.key for p in population.with_role("student")}

    filtered = await fetch(synced, "users", admin_headers, filter="role='student'", limit=3000)
    assert set(ids(filtered, "users")) == students
    assert int(filtered.headers["X-Total-Count"]) == len(students)

    ordered = await fetch(
        synced, "users", admin_headers, sort="familyName", orderBy="desc", limit=3000
    )
    names = [u["familyName"] for u in ordered.json()["users"]]
    assert names == sorted(names, reverse=True)

    sparse = await fetch(synced, "users", admin_headers, fields="sourcedId, familyName", limit=5)
    assert all(set(u) == {"sourcedId", "familyName"} for u in sparse.json()["users"])

    target = population.with_role("student")[0]
    found = await fetch(synced, "users", admin_headers, search=target.family_name.lower())
    assert target.key in ids(found, "users")
    needle = target.family_name.lower()
    for user in found.json()["users"]:
        text = " ".join(str(user.get(f) or "") for f in ("givenName", "familyName", "email"))
        assert needle in text.lower()

    every = ids(await fetch(synced, "users", admin_headers, sort="sourcedId", limit=3000), "users")
    total = len(every)
    assert total == len(population.people)
    params = {"filter": "status='active'", "sort": "sourcedId", "limit": 10, "offset": 10}
    page = await fetch(synced, "users", admin_headers, **params)
    assert ids(page, "users") == every[10:20]
    assert int(page.headers["X-Total-Count"]) == total
    links = page.links
    assert set(links) == {"first", "prev", "next", "last"}
    last = (total - 1) // 10 * 10
    for rel, offset in (("first", 0), ("prev", 0), ("next", 20), ("last", last)):
        url = httpx.URL(links[rel]["url"])
        assert url.path == "/v1/roster/users"
        assert url.params["offset"] == str(offset), rel
        assert url.params["limit"] == "10"
        assert url.params["filter"] == "status='active'"
        assert url.params["sort"] == "sourcedId"
    followed = await fetch(
        synced, "users", admin_headers, **dict(httpx.URL(links["last"]["url"]).params)
    )
    assert ids(followed, "users") == every[last:]
    assert "next" not in followed.links
    first_page = await fetch(synced, "users", admin_headers, limit=3000)
    assert set(first_page.links) == {"first", "last"}


@pytest.mark.parametrize(
    ("params", "where"),
    [
        ({"filter": "givenName="}, "filter"),
        ({"filter": "shoeSize='9'"}, "filter"),
        ({"filter": "enabledUser>'true'"}, "filter"),
        ({"sort": "shoeSize"}, "sort"),
        ({"fields": "sourcedId,shoeSize"}, "fields"),
        ({"orderBy": "sideways"}, "orderBy"),
        ({"limit": 0}, "limit"),
        ({"limit": 3001}, "limit"),
        ({"offset": -1}, "offset"),
    ],
)
async def test_bad_query_parameters_are_422_naming_the_parameter(
    client: httpx.AsyncClient, admin_headers: Headers, params: dict[str, Any], where: str
) -> None:
    response = await client.get("/v1/roster/users", params=params, headers=admin_headers)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    errors = response.json()["errors"]
    assert errors[0]["loc"] == ["query", where], errors
    assert errors[0]["msg"]


async def test_the_roster_needs_a_login(client: httpx.AsyncClient) -> None:
    assert (await client.get("/v1/roster/users")).status_code == 401


async def test_cached_reads_carry_a_tag_and_a_current_copy_is_not_sent_again(
    synced: httpx.AsyncClient, settings: Settings, demo: dict[str, Any]
) -> None:
    admin = await login(synced, demo["admin"].email)
    teacher = await login(synced, demo["teacher"].email)
    page = await fetch(synced, "users", admin, limit=5)
    tag = page.headers["etag"]
    assert tag.startswith('"')  # strong
    assert page.headers["cache-control"] == "private, no-cache"

    again = await synced.get(
        "/v1/roster/users", params={"limit": 5}, headers=admin | {"If-None-Match": tag}
    )
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == tag
    # another caller's scope makes another answer, so another tag: theirs is never "current"
    theirs = await synced.get(
        "/v1/roster/users", params={"limit": 5}, headers=teacher | {"If-None-Match": tag}
    )
    assert theirs.status_code == 200
    assert theirs.headers["etag"] != tag
    # another page of the same list is another answer too
    assert (await fetch(synced, "users", admin, limit=5, offset=5)).headers["etag"] != tag

    me = demo["teacher"].person_sourced_id
    record = await fetch(synced, f"users/{me}", teacher)
    conditional = await synced.get(
        f"/v1/roster/users/{me}", headers=teacher | {"If-None-Match": record.headers["etag"]}
    )
    assert conditional.status_code == 304

    # any change to the cache moves every tag on: the admin renames someone (a write through the
    # BFF updates the cache in the same request)
    someone = page.json()["users"][0]["sourcedId"]
    renamed = await synced.patch(
        f"/v1/roster/users/{someone}", json={"user": {"givenName": "Renamed"}}, headers=admin
    )
    assert renamed.status_code == 200, renamed.text
    fresh = await synced.get(
        "/v1/roster/users", params={"limit": 5}, headers=admin | {"If-None-Match": tag}
    )
    assert fresh.status_code == 200
    assert fresh.headers["etag"] != tag
    assert fresh.json()["users"][0]["givenName"] == "Renamed"


async def test_a_conditional_read_never_confirms_a_hidden_record(
    synced: httpx.AsyncClient, settings: Settings, demo: dict[str, Any]
) -> None:
    visible = roster_visibility(population_of(settings), demo)
    teacher = await login(synced, demo["teacher"].email)
    hidden = sorted(visible["admin"].classes - visible["teacher"].classes)[0]
    for path in (f"classes/{hidden}", f"classes/{hidden}/students"):
        answer = await synced.get(f"/v1/roster/{path}", headers=teacher | {"If-None-Match": "*"})
        assert answer.status_code == 404, path


def _refs(value: Any) -> list[dict[str, Any]]:
    """Every OneRoster reference (a dict with an href) in a payload, at any depth."""
    if isinstance(value, dict):
        found = [value] if "href" in value else []
        return found + [r for v in value.values() for r in _refs(v)]
    if isinstance(value, list):
        return [r for v in value for r in _refs(v)]
    return []


async def test_references_in_cached_records_point_at_bff_routes(
    synced: httpx.AsyncClient, admin_headers: Headers
) -> None:
    refs: list[dict[str, Any]] = []
    for path, key in (
        ("classes", "classes"),
        ("users", "users"),
        ("enrollments", "enrollments"),
        ("academic-sessions", "academicSessions"),
        ("orgs", "orgs"),
        ("courses", "courses"),
    ):
        page = await fetch(synced, path, admin_headers, limit=5)
        refs += _refs(page.json()[key])
    kinds = {r["type"] for r in refs}
    assert {"org", "class", "user", "course"} <= kinds, kinds
    for ref in refs:
        assert ref["href"].startswith("/v1/"), ref
        assert ref["href"].endswith(f"/{ref['sourcedId']}"), ref
    # and they lead somewhere: one of each type, followed as a client would
    for ref in {r["type"]: r for r in refs}.values():
        followed = await synced.get(ref["href"], headers=admin_headers)
        assert followed.status_code == 200, (ref, followed.text)
        assert ref["sourcedId"] in followed.text
