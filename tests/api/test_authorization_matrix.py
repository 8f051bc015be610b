"""The authorization matrix, generated from the app's route table.

Every route x every caller (each role, and anonymous) x (own data, someone else's data). A route
that declares no ``x-access`` rule fails, so no future route can forget one; a route whose behaviour
differs from its rule fails too. A *leak* is a 2xx where the rule says no.

The expectations below are this test's own reading of the rules, not the policy code's.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts
from starlette.routing import Mount, Route

from api.access import Access
from api.app import create_app
from api.settings import Settings
from simulators.kit.population import Population, build_population
from tests.api.assessments_matrix import (
    AssessmentWorld,
    assessment_allowed,
    assessment_route,
    open_assessment_world,
)
from tests.api.caliper_event_matrix import (
    event_body,
    event_of,
    event_visible,
    foreign_event_bodies,
)
from tests.api.foreign_reference_matrix import ForeignReferences, refused_statuses
from tests.api.learning_activity_matrix import (
    activity_allowed,
    activity_body,
    foreign_activity_bodies,
)
from tests.api.learning_flow_matrix import LearningFlowWorld, learning_flow_route
from tests.api.learning_lessons_matrix import LearningLessons
from tests.api.learning_plans_matrix import LearningWorld, learning_route
from tests.api.lms_link_matrix import PARAMS as LMS_LINK_PARAMS
from tests.api.lms_link_matrix import LmsLinks
from tests.api.roster_write_matrix import RosterWrites
from tests.api.test_gradebook import (
    GRADEBOOK_BODIES,
    GradebookWorld,
    gradebook_allowed,
    gradebook_param,
    gradebook_route,
    seed_gradebook,
)
from tests.api.test_lms import LMS_BODIES, LmsWorld, lms_route, seed_lms
from tests.api.test_sync import drain_worker, wait_for_run
from tests.conftest import login
from tests.fakes.tracker_plugin import FAKE_KIND, connect_via_api, fake_plugin

ROLES = ("admin", "staff", "teacher", "student", "guardian")
CALLERS = (*ROLES, "anonymous")
#: Whose data a request is about; routes without an owner in the path are asked once ("own").
#: "related" is someone the role may see through the roster: a teacher's student, a guardian's
#: child, a colleague at the same school for staff.
OWN, RELATED, OTHER = "own", "related", "other"
#: Someone else's data, per role: an account of this other role.
OTHER_ROLE = {
    "admin": "student",
    "staff": "teacher",
    "teacher": "student",
    "student": "teacher",
    "guardian": "staff",
}


@dataclass
class World:
    app: FastAPI
    http: httpx.AsyncClient
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    account_ids: dict[str, str] = field(default_factory=dict)
    #: roster person ids per (caller, ownership), for routes about a person
    people: dict[tuple[str, str], str] = field(default_factory=dict)
    #: roster record ids per (collection, caller, ownership), and whether the caller may see it
    roster: dict[tuple[str, str, str], tuple[str, bool]] = field(default_factory=dict)
    run_id: str = ""
    gradebook: GradebookWorld | None = None
    writes: RosterWrites | None = None
    foreign: ForeignReferences | None = None
    assessments: AssessmentWorld | None = None
    lms: LmsWorld | None = None
    lms_links: LmsLinks | None = None
    learning: LearningWorld | None = None
    learning_lessons: LearningLessons | None = None
    learning_flow: LearningFlowWorld | None = None

    async def api_token_of(self, role: str) -> str:
        """A fresh API token of this role's account, to be revoked by the request under test."""
        response = await self.http.post(
            "/v1/me/api-tokens",
            json={"name": f"matrix {uuid.uuid4().hex[:6]}"},
            headers=self.headers[role],
        )
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    async def time_log_of(self, role: str) -> str:
        """A fresh time log of this role's account (the request under test may delete it)."""
        response = await self.http.post(
            "/v1/timesheets/logs", **time_log_body(), headers=self.headers[role]
        )
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    async def integration_of(self, role: str) -> str:
        """This role's tracker integration, (re)connected for the request under test."""
        return str((await connect_via_api(self.http, self.headers[role]))["id"])


@pytest.fixture
async def world(settings: Settings, demo: dict[str, Any]) -> AsyncIterator[World]:
    app = create_app(settings)
    async with LifespanManager(app, startup_timeout=60) as manager:
        transport = httpx.ASGITransport(app=manager.app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://bff.test") as http:
            w = World(app=app, http=http)
            for role in ROLES:
                w.headers[role] = await login(http, demo[role].email)
                w.account_ids[role] = (await http.get("/v1/me", headers=w.headers[role])).json()[
                    "id"
                ]
            w.headers["anonymous"] = {}
            # Integration routes need a tracker that does not depend on Zoho's simulators.
            manager._state["container"].trackers[FAKE_KIND] = fake_plugin()
            w.people = roster_people(settings, demo)
            w.roster = roster_ids(settings, demo)
            w.writes = RosterWrites.of(settings, demo)
            w.lms_links = LmsLinks.of(w.roster, manager._state["container"])
            w.learning_flow = LearningFlowWorld.of(
                manager._state["container"], w.people, w.headers["admin"]
            )
            w.learning_lessons = LearningLessons.of(population_of(settings), demo)
            # The roster routes read the local cache: fill it before the matrix asks them anything.
            started = await http.post(
                "/v1/sync/runs", json={"kind": "full"}, headers=w.headers["admin"]
            )
            assert started.status_code == 202, started.text
            w.run_id = started.json()["id"]
            await drain_worker(settings)
            run = await wait_for_run(http, w.run_id, w.headers["admin"])
            assert run["status"] == "succeeded", run
            # The gradebook and resources routes pass through to TimeBack: give them data.
            w.gradebook = await seed_gradebook(
                http, w.headers["admin"], settings, demo, w.roster, w.people, CALLERS, (OWN, OTHER)
            )
            w.lms = seed_lms(manager._state["container"], demo)
            population = population_of(settings)
            seen = roster_visibility(population, demo)
            w.foreign = ForeignReferences(
                population,
                w.gradebook,
                {role: seen[role].users for role in ROLES},
                {role: demo[role].person_sourced_id for role in ROLES},
                time_log_body,
            )
            w.assessments = await open_assessment_world(
                http, w.headers["admin"], manager._state["container"], demo
            )
            w.learning = LearningWorld.of(
                population,
                {role: seen[role].users for role in ROLES},
                {role: seen[role].classes for role in ROLES},
                demo,
                manager._state["container"],
                http,
                w.headers["admin"],
            )
            yield w


def roster_people(settings: Settings, demo: dict[str, Any]) -> dict[tuple[str, str], str]:
    """Own, related and unrelated people for each caller, from the simulators' demo population."""
    sandbox = settings.sandbox
    population = build_population(sandbox.seed, users=sandbox.users, classes=sandbox.classes)
    person = {role: demo[role].person_sourced_id for role in ROLES if role != "admin"}
    home = next(p.org for p in population.people if p.key == person["staff"])
    stranger = next(
        p.key
        for p in population.with_role("student")
        if p.org != home and person["guardian"] not in p.agents
    )
    ids = {(role, OWN): pid for role, pid in person.items()}
    ids[("admin", OWN)] = person["student"]
    ids |= {
        ("admin", RELATED): person["teacher"],
        ("staff", RELATED): person["teacher"],
        ("teacher", RELATED): person["student"],
        ("guardian", RELATED): person["student"],
        ("student", RELATED): person["student"],
    }
    for caller in CALLERS:
        ids[(caller, OTHER)] = stranger
        ids.setdefault((caller, OWN), person["student"])
        ids.setdefault((caller, RELATED), person["student"])
    return ids


@dataclass(frozen=True)
class Visible:
    """What one caller should see of the cached roster, worked out here from the demo population
    and the rules in ``domain/policy.py``'s docstring (not by calling the policy):

    student: themselves and their classes; guardian: themselves, their children and the children's
    classes; teacher: themselves, the classes they teach and those classes' students; staff:
    themselves and everything at their school; admin: everything. Enrollments: those at a school
    the caller reaches, or of a visible person in a visible class. Orgs: reached orgs and the orgs
    of visible people. Courses: staff, those their orgs own; others, those of their classes.
    Academic sessions: all.
    """

    users: frozenset[str]
    classes: frozenset[str]
    enrollments: frozenset[str]
    orgs: frozenset[str]
    courses: frozenset[str]
    sessions: frozenset[str]


def population_of(settings: Settings) -> Population:
    sandbox = settings.sandbox
    return build_population(sandbox.seed, users=sandbox.users, classes=sandbox.classes)


def roster_visibility(population: Population, demo: dict[str, Any]) -> dict[str, Visible]:
    everyone = frozenset(p.key for p in population.people)
    all_classes = frozenset(c.key for c in population.classes)
    out = {
        "admin": Visible(
            users=everyone,
            classes=all_classes,
            enrollments=frozenset(e.key for e in population.enrollments),
            orgs=frozenset(o.key for o in population.orgs),
            courses=frozenset(c.key for c in population.courses),
            sessions=frozenset(s.key for s in population.sessions),
        )
    }
    person_of = {p.key: p for p in population.people}
    for role in ROLES:
        if role == "admin":
            continue
        me = person_of[demo[role].person_sourced_id]
        reach: set[str] = set()
        match role:
            case "student":
                people = {me.key}
                classes = {e.klass for e in population.enrolled(person=me.key)}
            case "guardian":
                people = {me.key, *me.agents}
                classes = {
                    e.klass for child in me.agents for e in population.enrolled(person=child)
                }
            case "teacher":
                classes = {c.key for c in population.classes if c.teacher == me.key}
                people = {me.key} | {
                    e.person
                    for e in population.enrollments
                    if e.klass in classes and e.role == "student"
                }
            case _:  # staff: their org and every org below it
                reach = {me.org} | {o.key for o in population.orgs if o.parent == me.org}
                people = {me.key} | {p.key for p in population.people if p.org in reach}
                classes = {c.key for c in population.classes if c.school in reach}
        out[role] = Visible(
            users=frozenset(people),
            classes=frozenset(classes),
            enrollments=frozenset(
                e.key
                for e in population.enrollments
                if e.school in reach or (e.klass in classes and e.person in people)
            ),
            orgs=frozenset(reach | {person_of[p].org for p in people}),
            # Staff see the courses their orgs own (the sandbox's are all the district's, so none);
            # everyone else the courses of their classes.
            courses=frozenset(
                c.key
                for c in population.courses
                if c.org in reach
                or (
                    role != "staff"
                    and c.key in {k.course for k in population.classes if k.key in classes}
                )
            ),
            sessions=out["admin"].sessions,
        )
    return out


def roster_collections(
    population: Population, demo: dict[str, Any]
) -> dict[str, dict[str, tuple[frozenset[str], frozenset[str]]]]:
    """Per collection of ``/v1/roster`` and caller: (every id of the collection, the visible ones)."""
    vis = roster_visibility(population, demo)
    people = {p.key: p for p in population.people}
    schools = frozenset(s.key for s in population.schools)
    terms = frozenset(s.key for s in population.terms)
    by_role = {
        role: frozenset(k for k, p in people.items() if p.role == role)
        for role in ("student", "teacher")
    }
    out: dict[str, dict[str, tuple[frozenset[str], frozenset[str]]]] = {}
    for caller in ROLES:
        v = vis[caller]
        kinds = {
            "orgs": (vis["admin"].orgs, v.orgs),
            "schools": (schools, v.orgs & schools),
            "users": (vis["admin"].users, v.users),
            "students": (by_role["student"], v.users & by_role["student"]),
            "teachers": (by_role["teacher"], v.users & by_role["teacher"]),
            "classes": (vis["admin"].classes, v.classes),
            "courses": (vis["admin"].courses, v.courses),
            "enrollments": (vis["admin"].enrollments, v.enrollments),
            "academic-sessions": (vis["admin"].sessions, v.sessions),
            "terms": (terms, v.sessions & terms),
            # the simulator gives every student demographics, keyed by the student's sourcedId
            "demographics": (by_role["student"], v.users & by_role["student"]),
        }
        for name, sets in kinds.items():
            out.setdefault(name, {})[caller] = sets
    return out


def roster_ids(
    settings: Settings, demo: dict[str, Any]
) -> dict[tuple[str, str, str], tuple[str, bool]]:
    """For each collection and caller: an id they may see ("own") and one they may not ("other";
    for admins, who see everything, another visible one)."""
    ids: dict[tuple[str, str, str], tuple[str, bool]] = {}
    for name, per_caller in roster_collections(population_of(settings), demo).items():
        for caller in CALLERS:
            every, visible = per_caller.get(caller, per_caller["admin"])
            hidden = every - visible
            mine = demo[caller].person_sourced_id if caller in demo else None
            own = mine if mine in visible else min(visible) if visible else min(every)
            other = min(hidden) if hidden else max(every)
            anonymous = caller == "anonymous"
            ids[(name, caller, OWN)] = (own, own in visible and not anonymous)
            ids[(name, caller, OTHER)] = (other, other in visible and not anonymous)
    return ids


def expected(rule: Access, caller: str, ownership: str, *, visible: bool = True) -> bool:
    """May ``caller`` do this to their own / someone else's data under ``rule``? ``visible`` is
    whether the roster record in the path is one the caller may see (routes without one: True)."""
    if rule is Access.PUBLIC:
        return True
    if caller == "anonymous":
        return False
    match rule:
        case Access.AUTHENTICATED:
            return True
        case Access.ADMIN:
            return caller == "admin"
        case Access.OPERATIONS:
            return caller in {"admin", "staff"}
        case Access.OWN_ACCOUNT | Access.OWN_API_TOKEN | Access.OWNED:
            return ownership == OWN or caller == "admin"
        case Access.PERSON:
            return ownership in {OWN, RELATED} or caller == "admin"
        case Access.SCOPED:
            return visible
        case Access.LMS_LINKS:
            return visible  # worked out by tests/api/lms_link_matrix.py
        case Access.ROSTER_WRITE:
            # admins anything; staff what hangs from their orgs (``visible`` says so here)
            return caller == "admin" or (caller == "staff" and visible)
        case Access.LEARNER:
            # worked out by tests/api/learning_plans_matrix.py, learning_flow_matrix.py
            return visible
        case Access.DELIVERY | Access.ASSESSMENT_AUTHOR:
            return bool(assessment_allowed(rule, caller, ownership))
    raise AssertionError(f"no expectation for {rule}")


RequestArgs = dict[str, Any]
#: Each matrix time log gets an hour of its own, so none overlaps another (a 422).
_LOG_HOURS = itertools.count()


def time_log_body() -> dict[str, Any]:
    start = datetime(2020, 1, 1, tzinfo=UTC) + timedelta(hours=next(_LOG_HOURS))
    end = start + timedelta(minutes=30)
    return {"json": {"task": "matrix", "start": start.isoformat(), "end": end.isoformat()}}


Body = Callable[[], RequestArgs]

#: A valid request body per operation, so that an allowed call really succeeds.
BODIES: dict[str, Body] = {
    "login": lambda: {
        "data": {"username": "nobody@example.org", "password": "wrong-password-here"}
    },
    "refresh_token": lambda: {"json": {"refresh_token": "not-a-real-token"}},
    # One session only: logging out everywhere would end the matrix's own access tokens
    # (decision D39; tests/api/test_sessions.py covers it).
    "logout": lambda: {"json": {"refresh_token": "not-a-real-token"}},
    "create_api_token": lambda: {"json": {"name": "matrix token", "scope": "read"}},
    "create_account": lambda: {
        "json": {
            "email": f"matrix-{uuid.uuid4().hex[:8]}@example.org",
            "role": "admin",
            "password": "violet tram sings at noon",
        }
    },
    "update_account": lambda: {"json": {"display_name": "Matrix Renamed"}},
    "start_sync_run": lambda: {"json": {"kind": "incremental"}},
    "connect_integration": lambda: {"json": {"kind": FAKE_KIND, "data_centre": "com"}},
    "create_time_log": time_log_body,
    "update_time_log": lambda: {"json": {"notes": "matrix edit"}},
    "start_timer": lambda: {"json": {"task": "matrix timer"}},
    **GRADEBOOK_BODIES,
    **LMS_BODIES,
}


async def path_params(
    world: World, route: RouteContext, caller: str, ownership: str
) -> dict[str, str]:
    owner = (
        caller
        if (ownership == OWN and caller != "anonymous")
        else OTHER_ROLE.get(caller, "student")
    )
    params: dict[str, str] = {}
    if world.learning_flow and learning_flow_route(str(route.path)):
        op = route.operation_id or ""
        return await world.learning_flow.params(world.http, str(route.path), op, caller, ownership)
    if world.assessments and assessment_route(str(route.path)):
        listed = list(api_route(route).param_convertors)
        return await world.assessments.params(str(route.path), listed, ownership)
    if world.learning and learning_route(route.operation_id or ""):
        listed = list(api_route(route).param_convertors)
        return await world.learning.params(route.operation_id or "", listed, caller, ownership)
    names = set(api_route(route).param_convertors)
    if world.lms_links and names & set(LMS_LINK_PARAMS):
        params = await world.lms_links.params(
            world.http, world.headers["admin"], names, caller, ownership
        )
    for name in names - set(params):
        if name != "person_id" and world.gradebook and gradebook_route(str(route.path)):
            params[name] = gradebook_param(
                world.gradebook, str(route.path), name, caller, ownership
            )
        elif world.lms and lms_route(str(route.path)):
            params[name] = world.lms.param(name)
        elif name == "account_id":
            params[name] = world.account_ids[owner]
        elif name == "token_id":
            params[name] = await world.api_token_of(owner)
        elif name == "integration_id":
            params[name] = await world.integration_of(owner)
        elif name == "log_id":
            params[name] = await world.time_log_of(owner)
        elif name == "run_id":
            params[name] = world.run_id
        elif name == "event_id":
            params[name] = await event_of(world.http, world.headers[owner], owner)
        elif name == "person_id":
            params[name] = world.people[(caller, ownership)]
        elif name == "sourced_id":
            params[name] = world.roster[(roster_collection(route), caller, ownership)][0]
        elif name == "agent_id" and world.writes is not None:
            params[name] = world.writes.agent_id
        else:
            raise AssertionError(f"{route.path}: the matrix does not know how to fill {{{name}}}")
    return params


def roster_collection(route: RouteContext) -> str:
    """``/v1/roster/classes/{sourced_id}/students`` -> ``classes`` (whose id is in the path)."""
    prefix = "/v1/roster/"
    assert str(route.path).startswith(prefix), route.path
    return str(route.path).removeprefix(prefix).split("/")[0]


def visible_in_path(world: World, route: RouteContext, caller: str, ownership: str) -> bool:
    if "log_id" in api_route(route).param_convertors:
        # A time log is its owner's; admins see all; staff those of people at their school,
        # which the demo teacher (staff's "someone else") is.
        owner = caller if ownership == OWN else OTHER_ROLE.get(caller, "student")
        return caller == "admin" or owner == caller or (caller, owner) == ("staff", "teacher")
    if "event_id" in api_route(route).param_convertors:
        return event_visible(caller, caller if ownership == OWN else OTHER_ROLE.get(caller, ""))
    if gradebook_route(str(route.path)):
        return True  # decided per method by gradebook_allowed
    if "sourced_id" not in api_route(route).param_convertors:
        return True
    return world.roster[(roster_collection(route), caller, ownership)][1]


def matrix_lesson(world: World) -> str | None:
    """A PowerPath lesson that exists (one the assessments family already uses)."""
    return world.assessments.lessons[OWN] if world.assessments else None


def api_route(route: RouteContext) -> APIRoute:
    original = route.original_route
    assert isinstance(original, APIRoute)
    return original


def rule_of(route: RouteContext) -> Access | None:
    declared = (route.openapi_extra or {}).get("x-access")
    return Access(declared) if declared else None


def api_routes(app: FastAPI) -> list[RouteContext]:
    """Every API route as the app serves it (included routers flattened, prefixes applied)."""
    return [r for r in iter_route_contexts(app.routes) if isinstance(r.original_route, APIRoute)]


async def test_every_route_declares_an_access_rule(world: World) -> None:
    undeclared = [
        f"{sorted(r.methods or ())} {r.path}" for r in api_routes(world.app) if rule_of(r) is None
    ]
    assert undeclared == [], f"routes without an x-access rule: {undeclared}"
    others = [r.original_route for r in iter_route_contexts(world.app.routes)]
    plain = [r.path for r in others if isinstance(r, Route) and not isinstance(r, APIRoute)]
    # and the sandbox's simulated upstreams (D47, D48), which stand in for other hosts
    assert plain == ["/openapi.json", "/_sandbox/upstreams/{host}/{path:path}"]
    assert all(isinstance(r, APIRoute | Route | Mount) for r in others)


async def test_authorization_matrix(world: World) -> None:
    cells = leaks = 0
    failures: list[str] = []
    for route in api_routes(world.app):
        rule = rule_of(route)
        assert rule is not None
        params_in_path = set(api_route(route).param_convertors)
        ownerships = (
            (OWN, RELATED, OTHER)
            if "person_id" in params_in_path
            else (OWN, OTHER)
            if params_in_path
            else (OWN,)
        )
        for method in sorted(set(route.methods or ()) - {"HEAD"}):
            if method in {"POST", "PUT", "PATCH"}:
                foreign_cells, foreign_failures = await foreign_reference_cells(
                    world, route, method
                )
                cells += foreign_cells
                leaks += sum(f.startswith("LEAK") for f in foreign_failures)
                failures += foreign_failures
        for method, caller, ownership in itertools.product(
            sorted(set(route.methods or ()) - {"HEAD"}), CALLERS, ownerships
        ):
            params = await path_params(world, route, caller, ownership)
            url = str(route.path).format(**params)
            op = route.operation_id or ""
            writes = world.writes if rule is Access.ROSTER_WRITE else None
            family = world.assessments.body(op, params) if world.assessments else None
            body = (
                (world.learning_flow.body(op) if world.learning_flow else None)
                or (writes.body(op) if writes else None)
                or family
                or event_body(op, caller)
                or activity_body(
                    op, caller, matrix_lesson(world), world.foreign.persons if world.foreign else {}
                )
                or (world.lms_links.body(op) if world.lms_links else None)
                or (world.learning.body(op, params, caller) if world.learning else None)
                or (world.learning_lessons.request(op) if world.learning_lessons else None)
                or BODIES.get(op, dict)()
            )
            if (
                method in {"POST", "PUT", "PATCH"}
                and not body
                and api_route(route).body_field is not None
            ):
                failures.append(f"{method} {route.path}: add a sample body to BODIES")
                continue
            if writes is not None:
                await writes.setup(world.http, world.headers["admin"], op, url)
            response = await world.http.request(method, url, headers=world.headers[caller], **body)
            if writes is not None:
                await writes.undo(world.http, world.headers["admin"], op, method, url, response)
            cells += 1
            visible = visible_in_path(world, route, caller, ownership)
            if writes is not None and "sourced_id" in params:
                visible = writes.staff_may_write(roster_collection(route), params["sourced_id"])
            if world.learning_flow and learning_flow_route(str(route.path)):
                visible = world.learning_flow.allowed(op, caller, ownership)
            if (heartbeat := activity_allowed(op, caller)) is not None:
                visible = heartbeat
            if world.lms_links and rule is Access.LMS_LINKS:
                visible = world.lms_links.allowed(method, caller, ownership, has_link=bool(params))
            if world.learning and learning_route(op):
                visible = world.learning.allowed(op, caller, ownership)
            if world.gradebook and rule is Access.SCOPED and gradebook_route(str(route.path)):
                visible = gradebook_allowed(
                    world.gradebook, str(route.path), method, caller, ownership, world.roster
                )
            allowed = expected(rule, caller, ownership, visible=visible)
            status = response.status_code
            label = f"{method} {route.path} as {caller} on {ownership} data -> {status}"
            if allowed and status in {401, 403} and rule is not Access.PUBLIC:
                failures.append(f"over-denied: {label}")
            elif allowed and rule is not Access.PUBLIC and status >= 400:
                failures.append(f"allowed but failed: {label}: {response.text[:200]}")
            elif not allowed and status < 400:
                leaks += 1
                failures.append(f"LEAK: {label}")
            elif not allowed and status not in ({401} if caller == "anonymous" else {403, 404}):
                failures.append(f"denied with an unexpected status: {label}")
            elif allowed and rule is Access.PUBLIC and status >= 500:
                failures.append(f"public route failed: {label}")
    print(f"\nauthorization matrix: {cells} cells, {leaks} leaks, {len(failures)} failures")
    assert failures == [], "\n".join(failures)
    assert cells >= len(api_routes(world.app)) * len(CALLERS)


async def foreign_reference_cells(
    world: World, route: RouteContext, method: str
) -> tuple[int, list[str]]:
    """Every caller writes their own record with a body naming someone else's (see
    ``foreign_reference_matrix``): none may succeed, each refusal has the expected status."""
    assert world.foreign is not None
    op = route.operation_id or ""
    cells, failures = 0, []
    for caller in CALLERS:
        params = await path_params(world, route, caller, OWN)
        other = None
        if op in {"create_time_log", "update_time_log", "start_timer"}:
            other = await world.integration_of(OTHER_ROLE.get(caller, "student"))
        foreign_bodies = world.foreign.bodies(op, caller, params, other)
        for foreign in [
            *foreign_bodies,
            *foreign_event_bodies(op, caller, world.foreign),
            *foreign_activity_bodies(op, caller, world.foreign, matrix_lesson(world)),
        ]:
            if caller == "admin" and not foreign.admin:
                continue
            url = str(route.path).format(**params)
            response = await world.http.request(
                method, url, headers=world.headers[caller], **foreign.body
            )
            cells += 1
            status = response.status_code
            label = (
                f"{method} {route.path} as {caller} naming someone else's record -> {status}: "
                f"{foreign.body}"
            )
            if status < 400:
                failures.append(f"LEAK: {label}")
            elif status not in refused_statuses(caller):
                failures.append(
                    f"refused with an unexpected status: {label}: {response.text[:200]}"
                )
    return cells, failures


async def test_openapi_and_docs_assets_are_public(world: World) -> None:
    assert (await world.http.get("/openapi.json")).status_code == 200
    assert (await world.http.get("/static/docs/swagger-ui.css")).status_code == 200
