"""The access policy's roster relations, read by the real adapter from the TimeBack simulator.

Every answer is checked against the shared demo population the simulator is seeded from.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from adapters.simulation.population import Person, Population, build_population
from adapters.simulation.transport import SimulatorTransport
from adapters.timeback.relations import TimebackRosterRelations
from adapters.timeback.simulator import TimebackSimulator, sandbox_client

UNKNOWN = "no-such-id"


def client_for(sim: TimebackSimulator) -> httpx.AsyncClient:
    return sandbox_client(SimulatorTransport(sim.app))


@pytest.fixture
def sim() -> TimebackSimulator:
    return TimebackSimulator(seed=7, users=24, classes=5)


@pytest.fixture
def population(sim: TimebackSimulator) -> Population:
    return build_population(sim.spec.seed, users=sim.spec.users, classes=sim.spec.classes)


@pytest.fixture
async def relations(sim: TimebackSimulator) -> AsyncIterator[TimebackRosterRelations]:
    async with client_for(sim) as http:
        yield TimebackRosterRelations(http, ttl_seconds=0)


def classes_of(population: Population, person: Person, role: str) -> frozenset[str]:
    return frozenset(e.klass for e in population.enrolled(person=person.key) if e.role == role)


async def test_orgs_of_person_are_the_direct_ones_only(
    population: Population, relations: TimebackRosterRelations
) -> None:
    district_admin = population.with_role("administrator")[0]
    assert district_admin.org == population.district.key
    assert await relations.orgs_of_person(district_admin.key) == {population.district.key}
    for person in population.people:
        assert await relations.orgs_of_person(person.key) == {person.org}


async def test_the_district_subtree_is_the_district_and_its_schools(
    population: Population, relations: TimebackRosterRelations
) -> None:
    schools = {s.key for s in population.schools}
    assert len(schools) > 1
    district = population.district.key
    assert await relations.org_subtree([district]) == {district, *schools}
    school = population.schools[1].key
    assert await relations.org_subtree([school]) == {school}
    assert await relations.org_subtree([]) == frozenset()


async def test_orgs_of_class_is_its_school(
    population: Population, relations: TimebackRosterRelations
) -> None:
    for klass in population.classes:
        assert await relations.orgs_of_class(klass.key) == {klass.school}


async def test_classes_taught_by_each_teacher(
    population: Population, relations: TimebackRosterRelations
) -> None:
    teachers = population.with_role("teacher")
    for i, teacher in enumerate(teachers):
        taught = await relations.classes_taught_by(teacher.key)
        assert taught == classes_of(population, teacher, "teacher")
        assert taught == {population.classes[i].key}  # the i-th teacher teaches class i
    a_student = population.with_role("student")[0]
    assert await relations.classes_taught_by(a_student.key) == frozenset()


async def test_classes_of_each_student(
    population: Population, relations: TimebackRosterRelations
) -> None:
    for student in population.with_role("student"):
        classes = await relations.classes_of_student(student.key)
        assert classes == classes_of(population, student, "student")
        assert 1 <= len(classes) <= 3
        assert {k.school for k in population.classes if k.key in classes} == {student.org}
    a_teacher = population.with_role("teacher")[0]
    assert await relations.classes_of_student(a_teacher.key) == frozenset()


async def test_students_of_classes_is_the_union_of_their_rosters(
    population: Population, relations: TimebackRosterRelations
) -> None:
    def roster(class_key: str) -> frozenset[str]:
        return frozenset(
            e.person for e in population.enrolled(klass=class_key) if e.role == "student"
        )

    for klass in population.classes:
        assert await relations.students_of_classes([klass.key]) == roster(klass.key)
    two = [population.classes[0].key, population.classes[1].key]
    assert await relations.students_of_classes(two) == roster(two[0]) | roster(two[1])
    assert await relations.students_of_classes([]) == frozenset()


async def test_dependants_of_a_guardian_are_their_children(
    population: Population, relations: TimebackRosterRelations
) -> None:
    guardians = population.with_role("guardian")
    assert any(len(g.agents) > 1 for g in guardians)  # siblings are covered
    for guardian in guardians:
        assert await relations.dependants_of(guardian.key) == set(guardian.agents)
    a_student = next(p for p in population.with_role("student") if p.agents)
    assert await relations.dependants_of(a_student.key) == frozenset()


async def test_unknown_ids_give_empty_sets(relations: TimebackRosterRelations) -> None:
    assert await relations.orgs_of_person(UNKNOWN) == frozenset()
    assert await relations.orgs_of_class(UNKNOWN) == frozenset()
    assert await relations.classes_taught_by(UNKNOWN) == frozenset()
    assert await relations.classes_of_student(UNKNOWN) == frozenset()
    assert await relations.students_of_classes([UNKNOWN]) == frozenset()
    assert await relations.dependants_of(UNKNOWN) == frozenset()


@pytest.mark.parametrize(
    ("seed", "users", "classes"),
    [(42, 60, 6), (7, 24, 5), (3, 1, 1), (8, 1, 1), (5, 2, 1), (11, 5, 2), (0, 30, 9)],
)
async def test_the_demo_teacher_teaches_the_demo_student(
    seed: int, users: int, classes: int
) -> None:
    # the people `api.composition.demo_accounts` picks
    population = build_population(seed, users=users, classes=classes)
    teacher = population.with_role("teacher")[0]
    student = next(p for p in population.with_role("student") if p.agents and p.org == teacher.org)
    guardian = student.agents[0]
    sim = TimebackSimulator(seed=seed, users=users, classes=classes)
    async with client_for(sim) as http:
        relations = TimebackRosterRelations(http)
        taught = await relations.classes_taught_by(teacher.key)
        assert taught & await relations.classes_of_student(student.key)
        assert student.key in await relations.students_of_classes(taught)
        assert student.key in await relations.dependants_of(guardian)
        assert await relations.orgs_of_person(student.key) == await relations.orgs_of_person(
            teacher.key
        )
