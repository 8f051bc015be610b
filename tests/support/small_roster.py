"""A small roster in the cache, changed the way TimeBack changes it, for scope and relation tests.

Written through the cache's own store (as a sync or a BFF write would), then objects marked
``tobedeleted`` leave the cache while rows that refer to them stay; scopes must not follow those.

    district d ─ region r ─ school s1, school s2
               └ school s3          gone-school (deleted) ─ orphan
    loop-a ⇄ loop-b (a parent cycle)

    s1: c1 (math; teacher t1; students st1, st2, st-gone), c2 (art; teacher t1; student st1),
        c-gone (art, deleted; t1)
    s2: c3 (math; teacher t2; student t1, a teacher who also takes a class)
    gone-school: c-orphan (unseen)
    courses: math (owned by s1), art (d), unseen (s3), gone-course (s1, deleted)
    guardian g1 is an agent for st1 and st2 (both sides list the link); g2 for st3 (one side only;
    st3's enrollment in c2 was deleted); g-gone (deleted) for st4.
    administrators: admin-d (d), admin-r (r), admin-s (s1, s2), admin-gone (gone-school),
    admin-orphan (orphan), admin-loop (loop-a); deleted users: st-gone, g-gone.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from adapters.db.engine import SessionFactory, make_engine, make_session_factory
from adapters.db.roster_store import SqlRosterStore
from domain.roster.entities import TO_BE_DELETED, EntityKind, record_from_payload

MODIFIED = "2024-03-01T10:00:00.000Z"
UNKNOWN = "no-such-id"


def ref(sourced_id: str, kind: str) -> dict[str, str]:
    return {"href": f"https://x/{kind}/{sourced_id}", "sourcedId": sourced_id, "type": kind}


def obj(sourced_id: str, **fields: Any) -> dict[str, Any]:
    return {"sourcedId": sourced_id, "status": "active", "dateLastModified": MODIFIED, **fields}


def org(sourced_id: str, parent: str | None, kind: str = "school") -> dict[str, Any]:
    return obj(sourced_id, name=sourced_id, type=kind, parent=parent and ref(parent, "org"))


def user(sourced_id: str, role: str, *orgs: str, agents: tuple[str, ...] = ()) -> dict[str, Any]:
    roles = [
        {"roleType": "primary" if i == 0 else "secondary", "role": role, "org": ref(o, "org")}
        for i, o in enumerate(orgs)
    ]
    return obj(
        sourced_id, givenName=sourced_id, roles=roles, agents=[ref(a, "user") for a in agents]
    )


def course(sourced_id: str, owner: str) -> dict[str, Any]:
    return obj(sourced_id, title=sourced_id, org=ref(owner, "org"))


SCHOOL_OF = {"c1": "s1", "c2": "s1", "c3": "s2", "c-gone": "s1", "c-orphan": "gone-school"}
COURSE_OF = {"c1": "math", "c2": "art", "c3": "math", "c-gone": "art", "c-orphan": "unseen"}


def klass(sourced_id: str) -> dict[str, Any]:
    return obj(
        sourced_id,
        title=sourced_id,
        school=ref(SCHOOL_OF[sourced_id], "org"),
        course=ref(COURSE_OF[sourced_id], "course"),
    )


def enrollment(sourced_id: str, person: str, role: str, class_id: str) -> dict[str, Any]:
    return obj(
        sourced_id,
        role=role,
        user=ref(person, "user"),
        school=ref(SCHOOL_OF[class_id], "org"),
        **{"class": ref(class_id, "class")},
    )


ROSTER: dict[EntityKind, list[dict[str, Any]]] = {
    EntityKind.ORGS: [
        org("d", None, "district"),
        org("r", "d", "district"),
        org("s1", "r"),
        org("s2", "r"),
        org("s3", "d"),
        org("gone-school", "d"),
        org("orphan", "gone-school"),
        org("loop-a", "loop-b"),
        org("loop-b", "loop-a"),
    ],
    EntityKind.COURSES: [
        course("math", "s1"),
        course("art", "d"),
        course("unseen", "s3"),
        course("gone-course", "s1"),
    ],
    EntityKind.CLASSES: [klass(c) for c in SCHOOL_OF],
    EntityKind.USERS: [
        user("admin-d", "administrator", "d"),
        user("admin-r", "administrator", "r"),
        user("admin-s", "administrator", "s1", "s2"),
        user("admin-gone", "administrator", "gone-school"),
        user("admin-orphan", "administrator", "orphan"),
        user("admin-loop", "administrator", "loop-a"),
        user("t1", "teacher", "s1"),
        user("t2", "teacher", "s2"),
        user("st1", "student", "s1", agents=("g1",)),
        user("st2", "student", "s1", agents=("g1",)),
        user("st3", "student", "s1", agents=("g2",)),
        user("st4", "student", "s2", agents=("g-gone",)),
        user("st-gone", "student", "s1", agents=("g1",)),
        user("g1", "guardian", "s1", agents=("st1", "st2")),
        user("g2", "guardian", "s1"),
        user("g-gone", "guardian", "s2", agents=("st4",)),
    ],
    EntityKind.ENROLLMENTS: [
        enrollment("e1", "t1", "teacher", "c1"),
        enrollment("e2", "t1", "teacher", "c2"),
        enrollment("e3", "t1", "teacher", "c-gone"),
        enrollment("e4", "t2", "teacher", "c3"),
        enrollment("e5", "t1", "student", "c3"),
        enrollment("e6", "st1", "student", "c1"),
        enrollment("e7", "st1", "student", "c2"),
        enrollment("e8", "st2", "student", "c1"),
        enrollment("e9", "st-gone", "student", "c1"),
        enrollment("e10", "st3", "student", "c2"),  # deleted below
    ],
    EntityKind.ACADEMIC_SESSIONS: [obj("term-1", title="Term 1", type="term", org=ref("d", "org"))],
    EntityKind.DEMOGRAPHICS: [obj(p, sex="female") for p in ("t1", "st1", "st2", "st4")],
}
DELETED: dict[EntityKind, list[str]] = {
    EntityKind.ORGS: ["gone-school"],
    EntityKind.COURSES: ["gone-course"],
    EntityKind.CLASSES: ["c-gone"],
    EntityKind.USERS: ["st-gone", "g-gone"],
    EntityKind.ENROLLMENTS: ["e10"],
}


async def write(sessions: SessionFactory, payloads: dict[EntityKind, list[dict[str, Any]]]) -> None:
    async with sessions() as session:
        store = SqlRosterStore(session)
        for kind, items in payloads.items():
            await store.upsert_many(kind, (record_from_payload(kind, p) for p in items))
        await session.commit()


@asynccontextmanager
async def small_roster(db_url: str) -> AsyncIterator[SessionFactory]:
    """Sessions on ``db_url`` with the roster above written and its deletions applied."""
    engine = make_engine(db_url)
    sessions = make_session_factory(engine)
    await write(sessions, ROSTER)
    by_id = {p["sourcedId"]: p for items in ROSTER.values() for p in items}
    await write(
        sessions,
        {
            kind: [{**by_id[i], "status": TO_BE_DELETED} for i in ids]
            for kind, ids in DELETED.items()
        },
    )
    try:
        yield sessions
    finally:
        await engine.dispose()
