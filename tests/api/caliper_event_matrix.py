"""The Caliper event routes in the authorization matrix: a valid body per caller, an event of each
role's for ``{event_id}``, whose events each role may read, and bodies naming someone the caller
may not send as (decision D38's foreign-reference cells)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from tests.api.foreign_reference_matrix import Foreign, ForeignReferences

EVENT_OPS = frozenset({"send_events", "validate_events"})
USERS = "http://timeback.sim/ims/oneroster/rostering/v1p2/users/"
#: admins have no roster person: their events name an application as the actor
ROBOT = {"id": "https://app.example/matrix-robot", "type": "SoftwareApplication"}
#: (reader, author) pairs of the demo accounts where the reader sees the author's events: a
#: teacher their student, a guardian their child, staff a teacher at their school
RELATED = frozenset({("teacher", "student"), ("guardian", "student"), ("staff", "teacher")})
RequestArgs = dict[str, Any]


def an_event(caller: str, **extra: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "@context": "http://purl.imsglobal.org/ctx/caliper/v1p2",
        "id": f"urn:uuid:{uuid.uuid4()}",
        "type": "SessionEvent",
        "action": "LoggedIn",
        "eventTime": "2026-12-01T10:00:00.000Z",
        "object": {"id": "https://app.example", "type": "SoftwareApplication"},
    }
    if caller == "admin":
        event["actor"] = ROBOT
    return event | extra


def event_body(op: str, caller: str) -> RequestArgs | None:
    """A body the caller may send (the actor left out: the caller is filled in)."""
    return {"json": [an_event(caller)]} if op in EVENT_OPS else None


async def event_of(http: httpx.AsyncClient, headers: dict[str, str], role: str) -> str:
    event = an_event(role)
    response = await http.post("/v1/events", json=[event], headers=headers)
    assert response.status_code == 202, response.text
    return str(event["id"])


def event_visible(caller: str, author: str) -> bool:
    return caller == "admin" or caller == author or (caller, author) in RELATED


def foreign_event_bodies(op: str, caller: str, foreign: ForeignReferences) -> list[Foreign]:
    """Events naming as their actor someone the caller may not send as; an admin may name anyone,
    so theirs names a roster person that does not exist (a 422)."""
    if op not in EVENT_OPS or caller == "anonymous":
        return []
    if caller == "admin":
        ghost = {"id": USERS + "no-such-person", "type": "Person"}
        return [Foreign({"json": [an_event(caller, actor=ghost)]})]
    me = foreign.persons.get(caller)
    # learners, teachers and guardians send only as themselves; staff also for their orgs
    reach = foreign.visible_people[caller] if caller == "staff" else frozenset({me})
    other = min(p.key for p in foreign.population.people if p.key not in reach)
    named = {"id": USERS + other, "type": "Person"}
    outsider = {"id": "https://elsewhere.example/people/1", "type": "Person"}
    return [
        Foreign({"json": [an_event(caller, actor=named)]}, admin=False),
        Foreign(
            {"json": {"data": [an_event(caller), an_event(caller, actor=outsider)]}}, admin=False
        ),
    ]
