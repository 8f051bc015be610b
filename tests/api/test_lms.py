"""The Open edX routes (``/v1/lms``) over HTTP against the sandbox's Appsembler simulator, on both
databases: staff and admins manage the site, learners redeem codes for themselves, every write
checks the course it names, Open edX's refusals come back as problems and its quirks never show.

Also home of the LMS family's part of the authorization matrix (``LMS_*``).
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi.routing import APIRoute

from api.app import create_app
from api.composition import Container
from api.settings import Settings
from simulators.appsembler import AppsemblerSimulator
from simulators.appsembler.enrollments import CODE_ALPHABET
from simulators.appsembler.state import Account, Course, RegistrationCode
from tests.conftest import login
from tests.support.sandbox import simulator

Headers = dict[str, str]
ROLES = ("admin", "staff", "teacher", "student", "guardian")
UNKNOWN_COURSE = "course-v1:Nowhere+NONE+2025"


@dataclass
class Lms:
    http: httpx.AsyncClient
    sim: AppsemblerSimulator
    demo: dict[str, Any]
    headers: dict[str, Headers]


def lms_course(sim: AppsemblerSimulator) -> str:
    """A course of a TimeBack class (the first: the demo teacher's)."""
    return next(c for c in sim.state.courses if not c.endswith("self_paced"))


@asynccontextmanager
async def open_lms(settings: Settings, demo: dict[str, Any]) -> AsyncIterator[Lms]:
    app = create_app(settings)
    async with LifespanManager(app, startup_timeout=60) as manager:
        container: Container = manager._state["container"]
        transport = httpx.ASGITransport(app=manager.app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://bff.test") as http:
            headers = {role: await login(http, demo[role].email) for role in ROLES}
            sim = simulator(container, "appsembler", AppsemblerSimulator)
            yield Lms(http, sim, demo, headers)


@pytest.fixture
async def lms(settings: Settings, demo: dict[str, Any]) -> AsyncIterator[Lms]:
    async with open_lms(settings, demo) as opened:
        yield opened


# -- the authorization matrix's part (tests/api/test_authorization_matrix.py) ----------------------

MATRIX_COURSE = "course-v1:Matrix+LMS+2025"


@dataclass
class LmsWorld:
    """The sandbox's Open edX, ready for the matrix: a course of its own, an account for every
    demo login (so each may redeem a code for themselves), a fresh code for each request."""

    sim: AppsemblerSimulator
    learner: str
    codes: itertools.count[int] = field(default_factory=itertools.count)

    def param(self, name: str) -> str:
        if name == "account":
            return self.learner
        if name == "code":
            # a course of its own per code: whoever redeems it is not enrolled there yet
            n = next(self.codes)
            course = f"course-v1:Matrix+C{n}+2025"
            self.sim.state.courses[course] = Course(
                course, f"Matrix {n}", "Matrix", f"C{n}", "2025", self.sim.clock.utcnow()
            )
            code = "".join(CODE_ALPHABET[(n // 50**i) % 50] for i in range(8))
            self.sim.state.codes[code] = RegistrationCode(code, course, created_by=1)
            return code
        raise AssertionError(f"the LMS matrix does not know how to fill {{{name}}}")


def seed_lms(container: Container, demo: dict[str, Any]) -> LmsWorld:
    sim = simulator(container, "appsembler", AppsemblerSimulator)
    now = sim.clock.utcnow()
    sim.state.courses[MATRIX_COURSE] = Course(MATRIX_COURSE, "Matrix", "Matrix", "LMS", "2025", now)
    for account in demo.values():
        if account.email.lower() not in sim.state.by_email:
            username = account.email.split("@")[0].replace("+", ".")
            sim.state.account_created(
                Account(sim.state.next_user_id(), username, account.email, True, False, now), now
            )
    learner = next(a for a in sim.state.accounts.values() if not a.is_staff)
    return LmsWorld(sim, learner.username)


def lms_route(path: str) -> bool:
    return path.startswith("/v1/lms/")


#: a valid body per LMS write (operation id), so that an allowed call really succeeds
LMS_BODIES: dict[str, Callable[[], dict[str, Any]]] = {
    "create_lms_account": lambda: {
        "json": {"email": f"matrix-{uuid.uuid4().hex[:8]}@example.org", "name": "Matrix"}
    },
    "connect_lms_account": lambda: {"json": {"name": "Matrix Connected"}},
    "update_lms_account": lambda: {"json": {"city": "Lisbon"}},
    "generate_enrollment_codes": lambda: {"json": {"course_id": MATRIX_COURSE, "count": 1}},
    "redeem_enrollment_code": lambda: {"json": {}},
    "set_enrollment_code_status": lambda: {"json": {"action": "restore"}},
    "bulk_enroll": lambda: {
        "json": {"course_id": MATRIX_COURSE, "action": "enroll", "identifiers": ["m@example.org"]}
    },
}


def test_every_lms_write_has_a_matrix_body(settings: Settings) -> None:
    writes = {
        r.operation_id
        for r in create_app(settings).routes
        if isinstance(r, APIRoute)
        and lms_route(r.path)
        and (r.methods or set()) - {"GET", "HEAD"}
        # class-to-course links have their own bodies (tests/api/lms_link_matrix.py)
        and not r.path.startswith("/v1/lms/links")
    }
    assert writes == set(LMS_BODIES)


# -- accounts ------------------------------------------------------------------------------------


async def test_staff_look_accounts_up_by_email_and_username(lms: Lms) -> None:
    student = lms.demo["student"]
    teacher = lms.sim.state.by_email[lms.demo["teacher"].email.lower()]
    reply = await lms.http.get(
        "/v1/lms/accounts",
        params={
            "email": [student.email.upper(), "nobody@example.org"],
            "username": teacher.username,
        },
        headers=lms.headers["staff"],
    )
    assert reply.status_code == 200, reply.text
    assert reply.headers["x-total-count"] == "2"
    assert {a["email"] for a in reply.json()["items"]} == {student.email, teacher.email}
    one = await lms.http.get(f"/v1/lms/accounts/{teacher.username}", headers=lms.headers["admin"])
    assert one.json()["user_id"] == teacher.id
    by_email = await lms.http.get(
        f"/v1/lms/accounts/{teacher.email.upper()}", headers=lms.headers["admin"]
    )
    assert by_email.json()["user_id"] == teacher.id
    missing = await lms.http.get("/v1/lms/accounts/nobody-here", headers=lms.headers["admin"])
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    calls = len(lms.sim.log)
    nothing = await lms.http.get("/v1/lms/accounts", headers=lms.headers["admin"])
    assert nothing.json() == {"items": [], "total": 0}
    assert len(lms.sim.log) == calls  # Open edX was not asked for its whole account list


@pytest.mark.parametrize("role", ["teacher", "student", "guardian"])
async def test_others_may_not_manage_the_site(lms: Lms, role: str) -> None:
    headers = lms.headers[role]
    for method, path, body in [
        ("GET", "/v1/lms/analytics/accounts", None),
        ("POST", "/v1/lms/accounts", {"email": "x@example.org", "name": "X"}),
        ("POST", "/v1/lms/bulk-enrollments",
         {"course_id": lms_course(lms.sim), "action": "enroll", "identifiers": ["a@b.org"]}),
    ]:  # fmt: skip
        reply = await lms.http.request(method, path, json=body, headers=headers)
        assert reply.status_code == 403, (method, path, reply.text)


async def test_create_then_conflict_then_connect_and_update(lms: Lms) -> None:
    staff = lms.headers["staff"]
    made = await lms.http.post(
        "/v1/lms/accounts",
        json={"email": "new.pupil@example.org", "name": "New Pupil", "profile": {"country": "PT"}},
        headers=staff,
    )
    assert made.status_code == 201, made.text
    assert made.json()["username"] == "new.pupil"
    account = lms.sim.state.by_username["new.pupil"]
    assert account.profile["country"] == "PT"
    again = await lms.http.post(
        "/v1/lms/accounts", json={"email": "NEW.pupil@example.org", "name": "x"}, headers=staff
    )
    assert again.status_code == 409
    assert again.json()["type"].endswith("lms-account-exists")
    no_username = await lms.http.post(
        "/v1/lms/accounts",
        json={"email": "p@example.org", "name": "P", "password": "pw"},
        headers=staff,
    )
    assert no_username.status_code == 422
    connected = await lms.http.post(
        "/v1/lms/accounts/new.pupil/connect", json={"name": "Renamed"}, headers=staff
    )
    assert connected.json() == {"user_id": account.id}
    assert account.name == "Renamed"
    bad_email = await lms.http.post(
        "/v1/lms/accounts/new.pupil/connect", json={"email": "two@@x"}, headers=staff
    )
    assert bad_email.status_code == 422
    updated = await lms.http.patch(
        "/v1/lms/accounts/new.pupil@example.org",
        json={"city": "Porto", "year_of_birth": 2010, "extension": {"district": "7"}},
        headers=staff,
    )
    assert updated.json() == {"updated": ["city", "year_of_birth", "district"]}
    taken = await lms.http.patch(
        "/v1/lms/accounts/new.pupil", json={"email": lms.demo["student"].email}, headers=staff
    )
    assert taken.status_code == 409
    ghost = await lms.http.patch("/v1/lms/accounts/ghost", json={"city": "x"}, headers=staff)
    assert ghost.status_code == 404
    ghost_connect = await lms.http.post("/v1/lms/accounts/ghost/connect", json={}, headers=staff)
    assert ghost_connect.status_code == 404
    empty = await lms.http.patch("/v1/lms/accounts/new.pupil", json={}, headers=staff)
    assert empty.status_code == 422


# -- codes ---------------------------------------------------------------------------------------


async def test_codes_for_an_existing_course_only(lms: Lms) -> None:
    staff = lms.headers["staff"]
    course = lms_course(lms.sim)
    made = await lms.http.post(
        "/v1/lms/enrollment-codes", json={"course_id": course, "count": 2}, headers=staff
    )
    assert made.status_code == 201, made.text
    assert len(made.json()["codes"]) == 2
    unknown = await lms.http.post(
        "/v1/lms/enrollment-codes", json={"course_id": UNKNOWN_COURSE, "count": 1}, headers=staff
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["loc"] == ["body", "course_id"]
    malformed = await lms.http.post(
        "/v1/lms/enrollment-codes", json={"course_id": "not a key", "count": 1}, headers=staff
    )
    assert malformed.status_code == 422
    assert len(lms.sim.state.codes) == 2  # nothing reached Open edX for the refused ones


async def test_a_learner_redeems_a_code_for_themselves_only(lms: Lms) -> None:
    course = lms_course(lms.sim)
    code = (
        await lms.http.post(
            "/v1/lms/enrollment-codes", json={"course_id": course, "count": 1},
            headers=lms.headers["admin"],
        )
    ).json()["codes"][0]  # fmt: skip
    student = lms.demo["student"]
    me = lms.sim.state.by_email[student.email.lower()]
    lms.sim.state.unenroll(me.id, course)
    theirs = await lms.http.post(
        f"/v1/lms/enrollment-codes/{code}/redemptions",
        json={"email": lms.demo["teacher"].email},
        headers=lms.headers["student"],
    )
    assert theirs.status_code == 403
    mine = await lms.http.post(
        f"/v1/lms/enrollment-codes/{code}/redemptions", json={}, headers=lms.headers["student"]
    )
    assert mine.status_code == 201, mine.text
    assert mine.json() == {"code": code, "email": student.email}
    assert lms.sim.state.is_enrolled(me.id, course)
    twice = await lms.http.post(
        f"/v1/lms/enrollment-codes/{code}/redemptions", json={}, headers=lms.headers["student"]
    )
    assert twice.status_code == 422
    assert "Already enrolled" in twice.json()["detail"]
    # the guardian has no Open edX account: Open edX says so, as a 422
    guardian = await lms.http.post(
        f"/v1/lms/enrollment-codes/{code}/redemptions", json={}, headers=lms.headers["guardian"]
    )
    assert guardian.status_code == 422
    for_teacher = await lms.http.post(
        f"/v1/lms/enrollment-codes/{code}/redemptions",
        json={"email": lms.demo["teacher"].email},
        headers=lms.headers["staff"],
    )
    assert for_teacher.status_code == 201


async def test_cancel_and_restore_a_code(lms: Lms) -> None:
    staff = lms.headers["staff"]
    course = lms_course(lms.sim)
    code = (
        await lms.http.post(
            "/v1/lms/enrollment-codes", json={"course_id": course, "count": 1}, headers=staff
        )
    ).json()["codes"][0]
    cancelled = await lms.http.post(
        f"/v1/lms/enrollment-codes/{code}/status", json={"action": "cancel"}, headers=staff
    )
    assert cancelled.json() == {"code": code, "action": "cancel"}
    assert not lms.sim.state.codes[code].is_valid
    restored = await lms.http.post(
        f"/v1/lms/enrollment-codes/{code}/status", json={"action": "restore"}, headers=staff
    )
    assert restored.status_code == 200
    unknown = await lms.http.post(
        "/v1/lms/enrollment-codes/NOSUCH23/status", json={"action": "cancel"}, headers=staff
    )
    assert unknown.status_code == 404
    bad = await lms.http.post(
        f"/v1/lms/enrollment-codes/{code}/status", json={"action": "frobnicate"}, headers=staff
    )
    assert bad.status_code == 422


# -- bulk enrollment and analytics ---------------------------------------------------------------


async def test_bulk_enrollment_reports_each_person(lms: Lms) -> None:
    course = lms_course(lms.sim)
    student = lms.demo["student"]
    me = lms.sim.state.by_email[student.email.lower()]
    lms.sim.state.unenroll(me.id, course)
    reply = await lms.http.post(
        "/v1/lms/bulk-enrollments",
        json={
            "course_id": course,
            "action": "enroll",
            "identifiers": [student.email, student.email, "newcomer@example.org", "nope"],
        },
        headers=lms.headers["staff"],
    )
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert [(r["identifier"], r["outcome"]) for r in body["results"]] == [
        (student.email, "enrolled"),
        ("newcomer@example.org", "allowed"),
        ("nope", "invalid_identifier"),
    ]
    assert body["counts"] == {"enrolled": 1, "allowed": 1, "invalid_identifier": 1}
    unknown = await lms.http.post(
        "/v1/lms/bulk-enrollments",
        json={"course_id": UNKNOWN_COURSE, "action": "enroll", "identifiers": [student.email]},
        headers=lms.headers["staff"],
    )
    assert unknown.status_code == 422
    comma = await lms.http.post(
        "/v1/lms/bulk-enrollments",
        json={"course_id": course, "action": "enroll", "identifiers": ["a@x.org,b@x.org"]},
        headers=lms.headers["staff"],
    )
    assert comma.status_code == 422


async def test_analytics_are_paged_and_filtered(lms: Lms) -> None:
    admin = lms.headers["admin"]
    accounts = await lms.http.get("/v1/lms/analytics/accounts", params={"limit": 5}, headers=admin)
    assert accounts.status_code == 200
    total = int(accounts.headers["x-total-count"])
    assert total == len(lms.sim.state.accounts)
    assert len(accounts.json()["items"]) == 5
    assert 'rel="next"' in accounts.headers["link"]
    course = lms_course(lms.sim)
    enrolled = await lms.http.get(
        "/v1/lms/analytics/enrollments", params={"course_id": course}, headers=admin
    )
    rows = enrolled.json()["items"]
    assert rows  # the sandbox enrolls each school's first class
    assert {r["course_id"] for r in rows} == {course}  # never another course's rows
    cert = next((r["certificate"] for r in rows if r["certificate"]), None)
    if cert is not None:
        assert cert["completion_date"].endswith("Z") or "+00:00" in cert["completion_date"]
    bad = await lms.http.get(
        "/v1/lms/analytics/enrollments", params={"course_id": "nope"}, headers=admin
    )
    assert bad.status_code == 422
    naive = await lms.http.get(
        "/v1/lms/analytics/accounts", params={"joined_after": "2025-01-01T00:00:00"}, headers=admin
    )
    assert naive.status_code == 422


async def test_open_edx_outages_and_throttles_are_problems(lms: Lms) -> None:
    staff = lms.headers["staff"]
    lms.sim.fail_next(503, times=10, path="/appsembler_api/v0/analytics")
    down = await lms.http.get("/v1/lms/analytics/accounts", headers=staff)
    assert down.status_code == 503
    assert down.headers["content-type"] == "application/problem+json"
    lms.sim.bulk_per_minute_staff = 0
    course = lms_course(lms.sim)
    throttled = await lms.http.post(
        "/v1/lms/bulk-enrollments",
        json={"course_id": course, "action": "enroll", "identifiers": ["x@example.org"]},
        headers=staff,
    )
    # Open edX's limit, not the caller's: the BFF's convention for an upstream's 429 (a 503 that
    # says when to come back)
    assert throttled.status_code == 503
    assert throttled.json()["type"].endswith("upstream-rate-limited")
    assert int(throttled.headers["retry-after"]) > 0
