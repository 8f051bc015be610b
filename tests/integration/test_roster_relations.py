"""The policy's roster relations read from the roster cache, on SQLite and PostgreSQL: each scope
term's subquery (``adapters.db.scope_sql``) and the point questions (``includes``) over the small
roster of ``tests.support.small_roster``, whose deleted objects and dangling rows they must not
follow."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from adapters.db.engine import SessionFactory
from adapters.db.roster_relations import SqlRosterRelations
from domain.roster.entities import TO_BE_DELETED, EntityKind
from domain.scope import (
    ClassesTakenBy,
    ClassesTaughtBy,
    ClassTerm,
    DependantsOf,
    Ids,
    OrgsReachedBy,
    OrgTerm,
    PeopleTerm,
    Scope,
    StudentsOf,
)
from tests.support.scope_terms import term_ids
from tests.support.small_roster import UNKNOWN, enrollment, small_roster, user, write


@pytest.fixture
async def sessions(db_url: str) -> AsyncIterator[SessionFactory]:
    async with small_roster(db_url) as sessions:
        yield sessions


@pytest.fixture
def relations(sessions: SessionFactory) -> SqlRosterRelations:
    return SqlRosterRelations(sessions)


async def ids(sessions: SessionFactory, term: PeopleTerm | ClassTerm | OrgTerm) -> set[str]:
    assert not isinstance(term, Ids)
    return await term_ids(sessions, term)


def staff(person: str) -> Scope:
    return Scope(people=(Ids.of(person),), orgs=(OrgsReachedBy(person),))


def teacher(person: str) -> Scope:
    taught = ClassesTaughtBy(person)
    return Scope(people=(Ids.of(person), StudentsOf(taught)), classes=(taught,))


def guardian(person: str) -> Scope:
    dependants = DependantsOf(person)
    return Scope(people=(Ids.of(person), dependants), classes=(ClassesTakenBy(dependants),))


def student(person: str) -> Scope:
    return Scope(people=(Ids.of(person),), classes=(ClassesTakenBy(Ids.of(person)),))


# --- terms ------------------------------------------------------------------------------------------


async def test_orgs_of_person_are_their_role_orgs_that_exist(
    relations: SqlRosterRelations,
) -> None:
    assert await relations.orgs_of_person("admin-d") == {"d"}
    assert await relations.orgs_of_person("admin-s") == {"s1", "s2"}
    assert await relations.orgs_of_person("t1") == {"s1"}
    assert await relations.orgs_of_person("admin-gone") == frozenset()  # their school was deleted
    assert await relations.orgs_of_person("st-gone") == frozenset()  # they were
    assert await relations.orgs_of_person(UNKNOWN) == frozenset()


async def test_orgs_reached_follow_parent_links_down_every_level(sessions: SessionFactory) -> None:
    assert await ids(sessions, OrgsReachedBy("admin-d")) == {"d", "r", "s1", "s2", "s3"}
    assert await ids(sessions, OrgsReachedBy("admin-r")) == {"r", "s1", "s2"}
    assert await ids(sessions, OrgsReachedBy("admin-s")) == {"s1", "s2"}
    assert await ids(sessions, OrgsReachedBy("t1")) == {"s1"}


async def test_orgs_reached_stop_at_deleted_orgs_and_survive_a_cycle(
    sessions: SessionFactory,
) -> None:
    # orphan hangs from the deleted gone-school: admin-d does not reach it, its own admin does
    assert "orphan" not in await ids(sessions, OrgsReachedBy("admin-d"))
    assert await ids(sessions, OrgsReachedBy("admin-orphan")) == {"orphan"}
    assert await ids(sessions, OrgsReachedBy("admin-gone")) == set()
    assert await ids(sessions, OrgsReachedBy("admin-loop")) == {"loop-a", "loop-b"}
    assert await ids(sessions, OrgsReachedBy("st-gone")) == set()  # a deleted person reaches none
    assert await ids(sessions, OrgsReachedBy(UNKNOWN)) == set()


async def test_teachers_and_students_are_told_apart_by_the_enrollment_role(
    sessions: SessionFactory,
) -> None:
    assert await ids(sessions, ClassesTaughtBy("t1")) == {"c1", "c2"}  # c-gone was deleted
    assert await ids(sessions, ClassesTakenBy(Ids.of("t1"))) == {"c3"}
    assert await ids(sessions, ClassesTaughtBy("t2")) == {"c3"}
    assert await ids(sessions, ClassesTakenBy(Ids.of("t2"))) == set()
    assert await ids(sessions, ClassesTakenBy(Ids.of("st1"))) == {"c1", "c2"}
    assert await ids(sessions, ClassesTaughtBy("st1")) == set()
    assert await ids(sessions, ClassesTakenBy(Ids.of("st3"))) == set()  # its enrollment was deleted
    assert await ids(sessions, ClassesTakenBy(Ids.of("st-gone"))) == set()  # enrollment outlives
    assert await ids(sessions, ClassesTakenBy(Ids.of("st1", "t1"))) == {"c1", "c2", "c3"}
    assert await ids(sessions, ClassesTaughtBy(UNKNOWN)) == set()


async def test_students_of_classes_are_their_active_students(sessions: SessionFactory) -> None:
    assert await ids(sessions, StudentsOf(Ids.of("c1"))) == {"st1", "st2"}  # not st-gone, not t1
    assert await ids(sessions, StudentsOf(Ids.of("c1", "c3"))) == {"st1", "st2", "t1"}
    assert await ids(sessions, StudentsOf(Ids.of("c2"))) == {"st1"}
    assert await ids(sessions, StudentsOf(Ids.of("c-gone", UNKNOWN))) == set()
    assert await ids(sessions, StudentsOf(ClassesTaughtBy("t1"))) == {"st1", "st2"}
    assert await ids(sessions, StudentsOf(ClassesTaughtBy("t2"))) == {"t1"}
    assert await ids(sessions, StudentsOf(ClassesTaughtBy(UNKNOWN))) == set()


async def test_dependants_of_a_guardian_are_the_people_listing_them_as_agent(
    sessions: SessionFactory,
) -> None:
    assert await ids(sessions, DependantsOf("g1")) == {"st1", "st2"}  # st-gone was deleted
    assert await ids(sessions, DependantsOf("g2")) == {"st3"}  # only the student lists the link
    assert await ids(sessions, DependantsOf("g-gone")) == set()  # the guardian was deleted
    # g1 lists st1 among its own agents too: that does not make g1 a dependant of st1
    assert await ids(sessions, DependantsOf("st1")) == set()
    assert await ids(sessions, DependantsOf("t1")) == set()
    assert await ids(sessions, DependantsOf(UNKNOWN)) == set()
    assert await ids(sessions, ClassesTakenBy(DependantsOf("g1"))) == {"c1", "c2"}
    assert await ids(sessions, ClassesTakenBy(DependantsOf("g2"))) == set()


# --- point questions ------------------------------------------------------------------------------


async def test_staff_reach_people_classes_courses_and_orgs_of_their_orgs(
    relations: SqlRosterRelations,
) -> None:
    s = staff("admin-s")  # s1 and s2

    async def people(*who: str) -> set[str]:
        return {p for p in who if await relations.includes(s, person=p)}

    assert await people("admin-s", "t1", "st4", "g2", "t2") == {"admin-s", "t1", "st4", "g2", "t2"}
    assert await people("g-gone", "st-gone", "admin-d", "admin-r", UNKNOWN) == set()
    for class_id, reached in [("c1", True), ("c3", True), ("c-gone", False), ("c-orphan", False)]:
        assert await relations.includes(s, class_id=class_id) is reached
    for course_id, reached in [("math", True), ("art", True), ("unseen", False), (UNKNOWN, False)]:
        assert await relations.includes(s, course_id=course_id) is reached
    for org_id, reached in [("s1", True), ("s2", True), ("r", False), ("d", False)]:
        assert await relations.includes(s, org_id=org_id) is reached
    district = staff("admin-d")
    assert await relations.includes(district, person="admin-r")
    assert await relations.includes(district, org_id="s3")
    assert not await relations.includes(district, org_id="orphan")
    assert not await relations.includes(district, class_id="c-orphan")  # its school was deleted


async def test_teachers_reach_their_classes_and_those_students(
    relations: SqlRosterRelations,
) -> None:
    t1 = teacher("t1")
    for person, reached in [("t1", True), ("st1", True), ("st2", True), ("st-gone", False),
                            ("st3", False), ("t2", False), ("g1", False)]:  # fmt: skip
        assert await relations.includes(t1, person=person) is reached, person
    for class_id, reached in [("c1", True), ("c2", True), ("c-gone", False), ("c3", False)]:
        assert await relations.includes(t1, class_id=class_id) is reached, class_id
    assert await relations.includes(t1, course_id="math")
    assert await relations.includes(t1, course_id="art")
    assert not await relations.includes(t1, org_id="s1")  # orgs come from their own roles
    t2 = teacher("t2")
    assert await relations.includes(t2, person="t1")  # t1 takes t2's class
    assert await relations.includes(t2, course_id="math")
    assert not await relations.includes(t2, course_id="art")


async def test_guardians_and_students_reach_their_own(relations: SqlRosterRelations) -> None:
    g1 = guardian("g1")
    for person, reached in [("g1", True), ("st1", True), ("st2", True), ("st-gone", False),
                            ("st3", False), ("t1", False)]:  # fmt: skip
        assert await relations.includes(g1, person=person) is reached, person
    assert await relations.includes(g1, class_id="c2")
    assert not await relations.includes(g1, class_id="c3")
    assert await relations.includes(g1, course_id="art")
    g2 = guardian("g2")
    assert await relations.includes(g2, person="st3")
    assert not await relations.includes(g2, class_id="c2")  # st3's enrollment was deleted
    assert not await relations.includes(g2, course_id="art")
    st1 = student("st1")
    assert not await relations.includes(st1, person="st2")
    assert await relations.includes(st1, class_id="c2")
    assert await relations.includes(st1, course_id="math")
    assert not await relations.includes(st1, course_id="unseen")


async def test_everything_nothing_and_one_name(relations: SqlRosterRelations) -> None:
    assert await relations.includes(Scope(everything=True), course_id=UNKNOWN)
    for name in ("person", "class_id", "course_id", "org_id"):
        assert not await relations.includes(Scope(), **{name: "st1"})
    with pytest.raises(TypeError):
        await relations.includes(teacher("t1"), person="st1", class_id="c1")
    with pytest.raises(TypeError):
        await relations.includes(teacher("t1"))


async def test_answers_follow_the_cache_without_delay(
    sessions: SessionFactory, relations: SqlRosterRelations
) -> None:
    assert not await relations.includes(teacher("t2"), class_id="c2")
    await write(sessions, {EntityKind.ENROLLMENTS: [enrollment("e11", "t2", "teacher", "c2")]})
    assert await relations.includes(teacher("t2"), class_id="c2")
    assert await relations.includes(teacher("t2"), person="st1")
    assert await relations.includes(guardian("g1"), person="st1")
    await write(
        sessions,
        {EntityKind.USERS: [{**user("g1", "guardian", "s1"), "status": TO_BE_DELETED}]},
    )
    assert not await relations.includes(guardian("g1"), person="st1")
