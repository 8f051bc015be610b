"""The demo population every simulator draws from, so one seed tells one story across systems.

The student Ada in TimeBack has an Open edX account with the same email, and her teacher logs time
in Zoho: each simulator maps the same :class:`Population` into its own wire format.

Sizing: ``users`` students; ``classes`` teachers (one per class, at least one); a school for every
three classes; one administrator per school plus one for the district; guardians for about two
students in three, some with siblings. The first school always has a student with a guardian
(the demo accounts need one): if the draw gave it none, its first student gets a guardian, added
last so nobody else changes. The school year, courses, classes and enrollments follow the rules in
:mod:`simulators.kit.schedule`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from simulators.kit.schedule import (
    Course,
    Enrollment,
    SchoolClass,
    Session,
    build_schedule,
)
from simulators.kit.seed import SeedGenerator

Role = Literal["student", "teacher", "guardian", "administrator"]
GRADE_BANDS = (("1", "2", "3", "4", "5"), ("6", "7", "8"))


@dataclass(frozen=True, slots=True)
class Org:
    key: str
    name: str
    kind: Literal["district", "school"]
    identifier: str
    parent: str | None
    created_at: datetime


@dataclass(slots=True)
class Person:
    key: str
    role: Role
    given_name: str
    family_name: str
    username: str
    email: str
    org: str
    identifier: str
    joined_at: datetime
    grades: tuple[str, ...] = ()
    #: for students, their guardians; for guardians, their children
    agents: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Population:
    district: Org
    schools: tuple[Org, ...]
    people: tuple[Person, ...]
    domain: str
    #: the school year first, then its terms
    sessions: tuple[Session, ...] = ()
    courses: tuple[Course, ...] = ()
    classes: tuple[SchoolClass, ...] = ()
    enrollments: tuple[Enrollment, ...] = ()

    def with_role(self, role: Role) -> list[Person]:
        return [p for p in self.people if p.role == role]

    @property
    def orgs(self) -> tuple[Org, ...]:
        return (self.district, *self.schools)

    @property
    def terms(self) -> tuple[Session, ...]:
        return tuple(s for s in self.sessions if s.kind == "term")

    def enrolled(self, *, person: str | None = None, klass: str | None = None) -> list[Enrollment]:
        """Enrollments of one person, or in one class, or both."""
        return [
            e
            for e in self.enrollments
            if (person is None or e.person == person) and (klass is None or e.klass == klass)
        ]


def build_population(seed: int, *, users: int, classes: int) -> Population:
    gen = SeedGenerator(seed, "population")
    place = gen.place()
    domain = place.lower().replace(" ", "") + ".example.edu"
    district = Org(
        gen.uuid(),
        f"{place} Unified School District",
        "district",
        f"D{gen.digits(6)}",
        None,
        gen.moment(within_days=30),
    )
    schools = tuple(
        Org(
            gen.uuid(),
            _school_name(gen, i),
            "school",
            f"S{gen.digits(8)}",
            district.key,
            gen.moment(within_days=30),
        )
        for i in range(max(1, (classes + 2) // 3))
    )
    people = _People(gen, domain)
    band_of = {school.key: GRADE_BANDS[i % 2] for i, school in enumerate(schools)}
    people.add("administrator", district.key)
    for school in schools:
        people.add("administrator", school.key)
    for i in range(max(1, classes)):
        school = schools[i % len(schools)]
        people.add("teacher", school.key, grades=(gen.choice(band_of[school.key]),))
    guardian: Person | None = None
    for i in range(users):
        school = schools[i % len(schools)]
        sibling = guardian if guardian is not None and gen.chance(0.2) else None
        student = people.add(
            "student",
            school.key,
            grades=(gen.choice(band_of[school.key]),),
            family_name=sibling.family_name if sibling else None,
        )
        if sibling is None:
            guardian = (
                people.add("guardian", school.key, family_name=student.family_name)
                if gen.chance(0.65)
                else None
            )
        if guardian is not None:
            _link(guardian, student)
    _ensure_a_guarded_student(people, schools[0].key, gen.stream("guardian"))
    schedule = build_schedule(
        gen.stream("schedule"), district, schools, people.all, bands=GRADE_BANDS
    )
    return Population(
        district,
        schools,
        tuple(people.all),
        domain,
        sessions=schedule.sessions,
        courses=schedule.courses,
        classes=schedule.classes,
        enrollments=schedule.enrollments,
    )


def _link(guardian: Person, student: Person) -> None:
    student.agents.append(guardian.key)
    guardian.agents.append(student.key)


def _ensure_a_guarded_student(people: _People, school: str, gen: SeedGenerator) -> None:
    students = [p for p in people.all if p.role == "student" and p.org == school]
    if not students or any(s.agents for s in students):
        return
    first = students[0]
    _link(people.add("guardian", school, family_name=first.family_name, gen=gen), first)


def _school_name(gen: SeedGenerator, index: int) -> str:
    kind = "Elementary School" if index % 2 == 0 else "Middle School"
    return f"{gen.place()} {kind}"


class _People:
    def __init__(self, gen: SeedGenerator, domain: str) -> None:
        self._gen = gen
        self._domain = domain
        self._usernames: set[str] = set()
        self._suffix: dict[str, int] = {}  # the last suffix handed out per base name
        self.all: list[Person] = []

    def add(
        self,
        role: Role,
        org: str,
        *,
        grades: tuple[str, ...] = (),
        family_name: str | None = None,
        gen: SeedGenerator | None = None,
    ) -> Person:
        gen = gen or self._gen
        given, family = gen.given_name(), family_name or gen.family_name()
        username = base = f"{given}.{family}".lower()
        n = self._suffix.get(base, 1)  # where the search left off: O(1) at any size
        if n > 1:
            username = f"{base}{n}"
        while username in self._usernames:
            n += 1
            username = f"{base}{n}"
        self._suffix[base] = n
        self._usernames.add(username)
        prefix = {"student": "ST", "teacher": "TE", "guardian": "GU", "administrator": "AD"}[role]
        person = Person(
            key=gen.uuid(),
            role=role,
            given_name=given,
            family_name=family,
            username=username,
            email=f"{username}@{self._domain}" if role != "guardian" else f"{username}@example.com",
            org=org,
            identifier=f"{prefix}{gen.digits(6)}",
            joined_at=gen.moment(),
            grades=grades,
        )
        self.all.append(person)
        return person
