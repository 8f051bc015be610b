"""The demo population's school year: sessions, courses, classes and enrollments.

Rules (``classes`` below is the number of classes, at least one, and equals the number of teachers):

* one school year (2024-2025) with two terms, Fall and Spring, all owned by the district;
* one course per grade band and subject (so every school's classes have a course), owned by the
  district;
* class ``i`` is taught by teacher ``i`` at that teacher's school; within a school its classes take
  the subjects in turn and alternate between the terms;
* every teacher is enrolled in their class as ``teacher`` (primary); every student is enrolled as
  ``student`` in one to three classes of their own school, and the first student of each school who
  has a guardian always takes that school's first class. The demo teacher (the first one) teaches
  the first class of the first school, so the demo student (the first student with a guardian in
  that school) always sits in one of the demo teacher's classes.

Everything here draws from its own seed stream, so the people are the same as before it existed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Literal

from simulators.kit.seed import SeedGenerator

if TYPE_CHECKING:
    from simulators.kit.population import Org, Person

SessionKind = Literal["schoolYear", "term", "gradingPeriod"]
EnrollmentRole = Literal["student", "teacher"]

SUBJECTS = (
    ("Mathematics", "MATH"),
    ("English Language Arts", "ELA"),
    ("Science", "SCI"),
    ("Social Studies", "SOC"),
)
BAND_NAMES = (("Elementary", "ES"), ("Middle School", "MS"))  # name and code, per grade band
SCHOOL_YEAR = 2025  # OneRoster names a school year by the calendar year it ends in
YEAR_DATES = (date(2024, 8, 19), date(2025, 6, 13))
TERM_DATES = (
    ("Fall 2024", date(2024, 8, 19), date(2024, 12, 20)),
    ("Spring 2025", date(2025, 1, 6), date(2025, 6, 13)),
)
#: each term's grading periods (quarters), by the term's title
GRADING_PERIOD_DATES = {
    "Fall 2024": (
        ("Q1 2024-2025", date(2024, 8, 19), date(2024, 10, 18)),
        ("Q2 2024-2025", date(2024, 10, 21), date(2024, 12, 20)),
    ),
    "Spring 2025": (
        ("Q3 2024-2025", date(2025, 1, 6), date(2025, 3, 21)),
        ("Q4 2024-2025", date(2025, 3, 24), date(2025, 6, 13)),
    ),
}


@dataclass(frozen=True, slots=True)
class Session:
    key: str
    title: str
    kind: SessionKind
    start: date
    end: date
    parent: str | None
    school_year: int
    org: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Course:
    key: str
    title: str
    code: str
    subject: str
    grades: tuple[str, ...]
    org: str
    school_year: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class SchoolClass:
    key: str
    title: str
    code: str
    course: str
    school: str
    term: str
    teacher: str
    subject: str
    grades: tuple[str, ...]
    location: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Enrollment:
    key: str
    role: EnrollmentRole
    person: str
    klass: str
    school: str
    primary: bool
    begin: date
    end: date
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Schedule:
    sessions: tuple[Session, ...]
    courses: tuple[Course, ...]
    classes: tuple[SchoolClass, ...]
    enrollments: tuple[Enrollment, ...]


def build_schedule(
    gen: SeedGenerator,
    district: Org,
    schools: tuple[Org, ...],
    people: list[Person],
    bands: tuple[tuple[str, ...], ...],
) -> Schedule:
    year, *term_list = _sessions(gen, district)
    terms = tuple(term_list)
    # their own stream: every id and date seeded before grading periods existed stays the same
    periods = _grading_periods(gen.stream("grading-periods"), district, terms)
    sessions = (year, *terms, *periods)
    courses = {
        (band, code): Course(
            key=gen.uuid(),
            title=f"{subject} ({BAND_NAMES[band][0]})",
            code=f"{code}-{BAND_NAMES[band][1]}",
            subject=subject,
            grades=grades,
            org=district.key,
            school_year=year.key,
            created_at=gen.moment(within_days=14),
        )
        for band, grades in enumerate(bands)
        for subject, code in SUBJECTS
    }
    band_of = {school.key: i % len(bands) for i, school in enumerate(schools)}
    teachers = [p for p in people if p.role == "teacher"]
    classes: list[SchoolClass] = []
    per_school: dict[str, int] = {}
    for i, teacher in enumerate(teachers):
        local = per_school.get(teacher.org, 0)  # its index in the school
        per_school[teacher.org] = local + 1
        subject, code = SUBJECTS[local % len(SUBJECTS)]
        course = courses[(band_of[teacher.org], code)]
        grade = teacher.grades[0] if teacher.grades else course.grades[0]
        classes.append(
            SchoolClass(
                key=gen.uuid(),
                title=f"{subject} {grade} ({teacher.family_name})",
                code=f"{course.code}-{i + 1:02d}",
                course=course.key,
                school=teacher.org,
                term=terms[local % len(terms)].key,
                teacher=teacher.key,
                subject=subject,
                grades=(grade,),
                location=f"Room {gen.integer(1, 3)}{gen.digits(2)}",
                created_at=gen.moment(within_days=14),
            )
        )
    enrollments = _enrollments(gen, people, classes, terms)
    return Schedule(sessions, tuple(courses.values()), tuple(classes), enrollments)


def _sessions(gen: SeedGenerator, district: Org) -> tuple[Session, ...]:
    def session(
        title: str, kind: SessionKind, dates: tuple[date, date], parent: str | None
    ) -> Session:
        return Session(
            key=gen.uuid(),
            title=title,
            kind=kind,
            start=dates[0],
            end=dates[1],
            parent=parent,
            school_year=SCHOOL_YEAR,
            org=district.key,
            created_at=gen.moment(within_days=14),
        )

    year = session("2024-2025", "schoolYear", YEAR_DATES, None)
    terms = (session(title, "term", (start, end), year.key) for title, start, end in TERM_DATES)
    return (year, *terms)


def _grading_periods(
    gen: SeedGenerator, district: Org, terms: tuple[Session, ...]
) -> tuple[Session, ...]:
    return tuple(
        Session(
            key=gen.uuid(),
            title=title,
            kind="gradingPeriod",
            start=start,
            end=end,
            parent=term.key,
            school_year=SCHOOL_YEAR,
            org=district.key,
            created_at=gen.moment(within_days=14),
        )
        for term in terms
        for title, start, end in GRADING_PERIOD_DATES[term.title]
    )


def _enrollments(
    gen: SeedGenerator,
    people: list[Person],
    classes: list[SchoolClass],
    terms: tuple[Session, ...],
) -> tuple[Enrollment, ...]:
    dates = {t.key: (t.start, t.end) for t in terms}
    enrollments: list[Enrollment] = []

    def enroll(role: EnrollmentRole, person: Person, klass: SchoolClass) -> None:
        begin, end = dates[klass.term]
        enrollments.append(
            Enrollment(
                key=gen.uuid(),
                role=role,
                person=person.key,
                klass=klass.key,
                school=klass.school,
                primary=role == "teacher",
                begin=begin,
                end=end,
                created_at=gen.moment(within_days=30),
            )
        )

    by_key = {p.key: p for p in people}
    for klass in classes:
        enroll("teacher", by_key[klass.teacher], klass)
    by_school: dict[str, list[SchoolClass]] = {}
    for klass in classes:
        by_school.setdefault(klass.school, []).append(klass)
    anchored: set[str] = set()  # schools whose first student with a guardian is placed
    for student in (p for p in people if p.role == "student"):
        offered = by_school.get(student.org, [])
        if not offered:
            continue
        chosen = gen.sample(offered, min(len(offered), gen.integer(1, 3)))
        if student.agents and student.org not in anchored:
            anchored.add(student.org)
            if offered[0] not in chosen:
                chosen = [offered[0], *chosen[:-1]]
        for klass in chosen:
            enroll("student", student, klass)
    return tuple(enrollments)
