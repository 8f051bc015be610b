"""The policy's roster relations and scope terms over a cache filled by a real sync from the
TimeBack simulator.

Every answer is checked against the shared demo population the simulator is seeded from, on SQLite
and PostgreSQL: what the policy decides from the cache is what TimeBack says.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from adapters.clock import SystemClock
from adapters.db.engine import SessionFactory, make_engine, make_session_factory
from adapters.db.roster_relations import SqlRosterRelations
from adapters.db.uow import SqlUnitOfWork
from adapters.timeback.oneroster import OneRosterClient
from adapters.timeback.roster_source import TimebackRosterSource
from domain.roster.sync import SyncKind, SyncStatus
from domain.scope import (
    ClassesTakenBy,
    ClassesTaughtBy,
    DependantsOf,
    Ids,
    OrgsReachedBy,
    Scope,
    StudentsOf,
)
from domain.services.roster_sync import RosterSyncService
from simulators.kit.population import Person, Population, build_population
from simulators.kit.transport import SimulatorTransport
from simulators.timeback import TimebackSimulator
from tests.support.scope_terms import term_ids
from tests.support.timeback_client import sandbox_client


@asynccontextmanager
async def synced_cache(
    db_url: str, *, seed: int, users: int, classes: int
) -> AsyncIterator[SessionFactory]:
    """A fresh cache that one full sync from a simulator of this seed filled."""
    engine = make_engine(db_url)
    sessions = make_session_factory(engine)
    sim = TimebackSimulator(seed=seed, users=users, classes=classes)
    async with sandbox_client(SimulatorTransport(sim.app)) as http:
        service = RosterSyncService(
            uow=lambda: SqlUnitOfWork(sessions),
            source=TimebackRosterSource(OneRosterClient(http), page_size=50, concurrency=2),
            clock=SystemClock(),
        )
        run = await service.run((await service.start(SyncKind.FULL)).id)
    assert run.status is SyncStatus.SUCCEEDED, run.error
    try:
        yield sessions
    finally:
        await engine.dispose()


@pytest.fixture
def population() -> Population:
    return build_population(7, users=24, classes=5)


@pytest.fixture
async def sessions(db_url: str) -> AsyncIterator[SessionFactory]:
    async with synced_cache(db_url, seed=7, users=24, classes=5) as sessions:
        yield sessions


@pytest.fixture
def relations(sessions: SessionFactory) -> SqlRosterRelations:
    return SqlRosterRelations(sessions)


def classes_of(population: Population, person: Person, role: str) -> frozenset[str]:
    return frozenset(e.klass for e in population.enrolled(person=person.key) if e.role == role)


async def test_orgs_of_person_are_the_direct_ones_only(
    population: Population, relations: SqlRosterRelations
) -> None:
    district_admin = population.with_role("administrator")[0]
    assert district_admin.org == population.district.key
    assert await relations.orgs_of_person(district_admin.key) == {population.district.key}
    for person in population.people:
        assert await relations.orgs_of_person(person.key) == {person.org}


async def test_the_district_reach_is_the_district_and_its_schools(
    population: Population, sessions: SessionFactory
) -> None:
    schools = {s.key for s in population.schools}
    assert len(schools) > 1
    district_admin = population.with_role("administrator")[0]
    district = population.district.key
    assert await term_ids(sessions, OrgsReachedBy(district_admin.key)) == {district, *schools}
    at_school = next(p for p in population.people if p.org == population.schools[1].key)
    assert await term_ids(sessions, OrgsReachedBy(at_school.key)) == {at_school.org}


async def test_a_class_is_reached_through_its_school(
    population: Population, relations: SqlRosterRelations
) -> None:
    for klass in population.classes:
        for school in population.schools:
            reached = await relations.includes(
                Scope(orgs=(Ids.of(school.key),)), class_id=klass.key
            )
            assert reached is (school.key == klass.school)


async def test_classes_taught_by_each_teacher(
    population: Population, sessions: SessionFactory
) -> None:
    for i, teacher in enumerate(population.with_role("teacher")):
        taught = await term_ids(sessions, ClassesTaughtBy(teacher.key))
        assert taught == classes_of(population, teacher, "teacher")
        assert taught == {population.classes[i].key}  # the i-th teacher teaches class i


async def test_classes_of_each_student(population: Population, sessions: SessionFactory) -> None:
    for student in population.with_role("student"):
        classes = await term_ids(sessions, ClassesTakenBy(Ids.of(student.key)))
        assert classes == classes_of(population, student, "student")
        assert 1 <= len(classes) <= 3
        assert {k.school for k in population.classes if k.key in classes} == {student.org}


async def test_students_of_classes_is_the_union_of_their_rosters(
    population: Population, sessions: SessionFactory
) -> None:
    def roster(class_key: str) -> frozenset[str]:
        return frozenset(
            e.person for e in population.enrolled(klass=class_key) if e.role == "student"
        )

    for klass in population.classes:
        assert await term_ids(sessions, StudentsOf(Ids.of(klass.key))) == roster(klass.key)
    two = Ids.of(population.classes[0].key, population.classes[1].key)
    assert await term_ids(sessions, StudentsOf(two)) == {p for c in two.ids for p in roster(c)}


async def test_dependants_of_a_guardian_are_their_children(
    population: Population, sessions: SessionFactory
) -> None:
    guardians = population.with_role("guardian")
    assert any(len(g.agents) > 1 for g in guardians)  # siblings are covered
    for guardian in guardians:
        assert await term_ids(sessions, DependantsOf(guardian.key)) == set(guardian.agents)
    a_student = next(p for p in population.with_role("student") if p.agents)
    assert await term_ids(sessions, DependantsOf(a_student.key)) == set()


@pytest.mark.parametrize(
    ("seed", "users", "classes"), [(42, 60, 6), (3, 1, 1), (5, 2, 1), (11, 5, 2), (0, 30, 9)]
)
async def test_the_demo_teacher_teaches_the_demo_student(
    db_url: str, seed: int, users: int, classes: int
) -> None:
    # the people `api.composition.demo_accounts` picks
    population = build_population(seed, users=users, classes=classes)
    teacher = population.with_role("teacher")[0]
    student = next(p for p in population.with_role("student") if p.agents and p.org == teacher.org)
    guardian = student.agents[0]
    async with synced_cache(db_url, seed=seed, users=users, classes=classes) as sessions:
        relations = SqlRosterRelations(sessions)
        taught = ClassesTaughtBy(teacher.key)
        assert await term_ids(sessions, taught) & await term_ids(
            sessions, ClassesTakenBy(Ids.of(student.key))
        )
        assert await relations.includes(Scope(people=(StudentsOf(taught),)), person=student.key)
        assert await relations.includes(Scope(people=(DependantsOf(guardian),)), person=student.key)
        assert await relations.orgs_of_person(student.key) == await relations.orgs_of_person(
            teacher.key
        )
