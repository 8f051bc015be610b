"""The policy's roster relations read from the roster cache, on SQLite and PostgreSQL.

A small roster written through the cache's own store (as a sync or a BFF write would), then
changed the way TimeBack changes it: objects marked ``tobedeleted`` leave the cache while rows that
refer to them stay, and the relations must not follow those.

    district d ─ region r ─ school s1, school s2
               └ school s3          gone-school (deleted) ─ orphan
    loop-a ⇄ loop-b (a parent cycle)

    s1: c1 (teacher t1; students st1, st2, st-gone), c2 (teacher t1; student st1), c-gone (t1)
    s2: c3 (teacher t2; student t1, a teacher who also takes a class)
    guardian g1 is an agent for st1 and st2 (both sides list the link); g2 for st3 (one side only);
    g-gone (deleted) for st4.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from adapters.db.engine import SessionFactory, make_engine, make_session_factory
from adapters.db.roster_relations import CHUNK, SqlRosterRelations
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


def klass(sourced_id: str, school: str) -> dict[str, Any]:
    return obj(sourced_id, title=sourced_id, school=ref(school, "org"))


def enrollment(sourced_id: str, person: str, role: str, class_id: str) -> dict[str, Any]:
    return obj(sourced_id, role=role, user=ref(person, "user"), **{"class": ref(class_id, "class")})


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
    EntityKind.CLASSES: [
        klass("c1", "s1"),
        klass("c2", "s1"),
        klass("c3", "s2"),
        klass("c-gone", "s1"),
        klass("c-orphan", "gone-school"),
    ],
    EntityKind.USERS: [
        user("admin-d", "administrator", "d"),
        user("admin-s", "administrator", "s1", "s2"),
        user("admin-gone", "administrator", "gone-school"),
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
}
DELETED: dict[EntityKind, list[str]] = {
    EntityKind.ORGS: ["gone-school"],
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


@pytest.fixture
async def sessions(db_url: str) -> AsyncIterator[SessionFactory]:
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
    yield sessions
    await engine.dispose()


@pytest.fixture
def relations(sessions: SessionFactory) -> SqlRosterRelations:
    return SqlRosterRelations(sessions)


async def test_orgs_of_person_are_their_role_orgs_that_exist(
    relations: SqlRosterRelations,
) -> None:
    assert await relations.orgs_of_person("admin-d") == {"d"}
    assert await relations.orgs_of_person("admin-s") == {"s1", "s2"}
    assert await relations.orgs_of_person("t1") == {"s1"}
    assert await relations.orgs_of_person("admin-gone") == frozenset()  # their school was deleted
    assert await relations.orgs_of_person("st-gone") == frozenset()  # they were


async def test_org_subtree_follows_parent_links_down_every_level(
    relations: SqlRosterRelations,
) -> None:
    assert await relations.org_subtree(["d"]) == {"d", "r", "s1", "s2", "s3"}
    assert await relations.org_subtree(["r"]) == {"r", "s1", "s2"}
    assert await relations.org_subtree(["s1", "s3"]) == {"s1", "s3"}
    assert await relations.org_subtree(iter(["r", "s1"])) == {"r", "s1", "s2"}
    assert await relations.org_subtree([]) == frozenset()


async def test_org_subtree_stops_at_deleted_orgs_and_survives_a_cycle(
    relations: SqlRosterRelations,
) -> None:
    assert "orphan" not in await relations.org_subtree(["d"])  # only reachable through the deleted
    assert await relations.org_subtree(["gone-school"]) == frozenset()
    assert await relations.org_subtree(["orphan"]) == {"orphan"}
    assert await relations.org_subtree(["loop-a"]) == {"loop-a", "loop-b"}
    assert await relations.org_subtree([UNKNOWN, "s2"]) == {"s2"}


async def test_org_subtree_of_more_roots_than_one_statement_binds(
    relations: SqlRosterRelations,
) -> None:
    roots = [f"missing-{i}" for i in range(2 * CHUNK + 1)] + ["r"]
    assert await relations.org_subtree(roots) == {"r", "s1", "s2"}


async def test_orgs_of_class_is_its_school_while_both_exist(relations: SqlRosterRelations) -> None:
    assert await relations.orgs_of_class("c1") == {"s1"}
    assert await relations.orgs_of_class("c3") == {"s2"}
    assert await relations.orgs_of_class("c-gone") == frozenset()
    assert await relations.orgs_of_class("c-orphan") == frozenset()  # its school was deleted


async def test_teachers_and_students_are_told_apart_by_the_enrollment_role(
    relations: SqlRosterRelations,
) -> None:
    assert await relations.classes_taught_by("t1") == {"c1", "c2"}  # c-gone was deleted
    assert await relations.classes_of_student("t1") == {"c3"}
    assert await relations.classes_taught_by("t2") == {"c3"}
    assert await relations.classes_of_student("t2") == frozenset()
    assert await relations.classes_of_student("st1") == {"c1", "c2"}
    assert await relations.classes_taught_by("st1") == frozenset()
    assert await relations.classes_of_student("st3") == frozenset()  # its enrollment was deleted
    assert await relations.classes_of_student("st-gone") == frozenset()  # enrollment outlives them


async def test_students_of_classes_is_the_union_of_their_active_students(
    relations: SqlRosterRelations,
) -> None:
    assert await relations.students_of_classes(["c1"]) == {"st1", "st2"}  # not st-gone, not t1
    assert await relations.students_of_classes(["c1", "c3"]) == {"st1", "st2", "t1"}
    assert await relations.students_of_classes(["c2"]) == {"st1"}
    assert await relations.students_of_classes(["c-gone", UNKNOWN]) == frozenset()
    assert await relations.students_of_classes([]) == frozenset()
    many = [f"missing-{i}" for i in range(CHUNK + 3)] + ["c2"]
    assert await relations.students_of_classes(many) == {"st1"}


async def test_dependants_of_a_guardian_are_the_people_listing_them_as_agent(
    relations: SqlRosterRelations,
) -> None:
    assert await relations.dependants_of("g1") == {"st1", "st2"}  # st-gone was deleted
    assert await relations.dependants_of("g2") == {"st3"}  # only the student lists the link
    assert await relations.dependants_of("g-gone") == frozenset()  # the guardian was deleted
    # g1 lists st1 among its own agents too: that does not make g1 a dependant of st1
    assert await relations.dependants_of("st1") == frozenset()
    assert await relations.dependants_of("t1") == frozenset()


async def test_unknown_ids_give_empty_sets(relations: SqlRosterRelations) -> None:
    assert await relations.orgs_of_person(UNKNOWN) == frozenset()
    assert await relations.org_subtree([UNKNOWN]) == frozenset()
    assert await relations.orgs_of_class(UNKNOWN) == frozenset()
    assert await relations.classes_taught_by(UNKNOWN) == frozenset()
    assert await relations.classes_of_student(UNKNOWN) == frozenset()
    assert await relations.students_of_classes([UNKNOWN]) == frozenset()
    assert await relations.dependants_of(UNKNOWN) == frozenset()


async def test_answers_follow_the_cache_without_delay(
    sessions: SessionFactory, relations: SqlRosterRelations
) -> None:
    assert await relations.classes_taught_by("t2") == {"c3"}
    await write(sessions, {EntityKind.ENROLLMENTS: [enrollment("e11", "t2", "teacher", "c2")]})
    assert await relations.classes_taught_by("t2") == {"c2", "c3"}
    await write(
        sessions,
        {EntityKind.USERS: [{**user("g1", "guardian", "s1"), "status": TO_BE_DELETED}]},
    )
    assert await relations.dependants_of("g1") == frozenset()
