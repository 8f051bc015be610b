"""The demo population's school year: sessions, courses, classes, enrollments and the demo pair."""

from __future__ import annotations

from collections import Counter

import pytest

from simulators.kit import schedule
from simulators.kit.population import Population, build_population

SIZES = [(1, 1), (2, 1), (3, 2), (5, 2), (12, 4), (24, 5), (60, 6), (40, 10), (0, 3), (4, 0)]


def populations() -> list[Population]:
    return [
        build_population(seed, users=users, classes=classes)
        for seed in range(25)
        for users, classes in SIZES
    ]


def test_one_school_year_with_two_terms_of_two_quarters_owned_by_the_district() -> None:
    population = build_population(4, users=10, classes=4)
    year, *rest = population.sessions
    terms = [s for s in rest if s.kind == "term"]
    periods = [s for s in rest if s.kind == "gradingPeriod"]
    assert year.kind == "schoolYear"
    assert len(rest) == len(terms) + len(periods)
    assert [t.kind for t in terms] == ["term", "term"] == [t.kind for t in population.terms]
    assert all(t.parent == year.key for t in terms)
    assert all(s.org == population.district.key for s in population.sessions)
    assert year.start == terms[0].start
    assert year.end == terms[-1].end
    assert terms[0].end < terms[1].start
    for term in terms:
        quarters = [p for p in periods if p.parent == term.key]
        assert len(quarters) == 2
        assert quarters[0].start == term.start
        assert quarters[0].end < quarters[1].start
        assert quarters[1].end == term.end


def test_grading_periods_leave_every_other_seeded_id_unchanged(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # they draw from a stream of their own: without them, everything else is seeded as before
    population = build_population(4, users=10, classes=4)
    monkeypatch.setattr(schedule, "_grading_periods", lambda *_: ())
    without = build_population(4, users=10, classes=4)
    kept = [s for s in population.sessions if s.kind != "gradingPeriod"]
    assert kept == list(without.sessions)
    assert (population.people, population.courses, population.classes) == (
        without.people,
        without.courses,
        without.classes,
    )
    assert population.enrollments == without.enrollments


def test_classes_follow_teachers_schools_courses_and_terms() -> None:
    population = build_population(2, users=30, classes=7)
    teachers = population.with_role("teacher")
    assert len(population.classes) == len(teachers) == 7
    courses = {c.key: c for c in population.courses}
    assert len(courses) == 8  # two grade bands, four subjects
    terms = {t.key for t in population.terms}
    for teacher, klass in zip(teachers, population.classes, strict=True):
        assert klass.teacher == teacher.key  # the i-th teacher teaches class i
        assert klass.school == teacher.org
        assert klass.term in terms
        assert set(klass.grades) <= set(courses[klass.course].grades)
        assert courses[klass.course].subject == klass.subject
    assert len({c.code for c in population.classes}) == 7


def test_no_classes_asked_still_gives_one() -> None:
    population = build_population(1, users=3, classes=0)
    assert len(population.classes) == 1
    assert len(population.enrolled(klass=population.classes[0].key)) == 4


@pytest.mark.parametrize("population", populations()[::7])
def test_enrollment_rules(population: Population) -> None:
    classes = {c.key: c for c in population.classes}
    for teacher, klass in zip(population.with_role("teacher"), population.classes, strict=True):
        [enrollment] = population.enrolled(person=teacher.key)
        assert (enrollment.role, enrollment.klass, enrollment.primary) == (
            "teacher",
            klass.key,
            True,
        )
    for student in population.with_role("student"):
        rows = population.enrolled(person=student.key)
        assert 1 <= len(rows) <= 3
        assert len({e.klass for e in rows}) == len(rows)
        assert all(e.role == "student" and not e.primary for e in rows)
        assert all(classes[e.klass].school == e.school == student.org for e in rows)
    enrolled_roles = Counter(
        next(p.role for p in population.people if p.key == e.person) for e in population.enrollments
    )
    assert set(enrolled_roles) <= {"student", "teacher"}


def test_the_demo_teacher_teaches_the_demo_student_for_any_seed_and_size() -> None:
    """The people ``api.composition.demo_accounts`` picks share a class."""
    for population in populations():
        if not population.with_role("student"):
            continue
        teacher = population.with_role("teacher")[0]
        student = next(
            p for p in population.with_role("student") if p.agents and p.org == teacher.org
        )
        taught = {e.klass for e in population.enrolled(person=teacher.key)}
        assert taught & {e.klass for e in population.enrolled(person=student.key)}


def test_the_first_school_always_has_a_student_with_a_guardian() -> None:
    population = build_population(1, users=1, classes=1)  # this seed draws no guardian
    student, guardian = population.with_role("student")[0], population.with_role("guardian")[0]
    assert population.people[-1] is guardian  # added last, so nobody else moved
    assert (student.agents, guardian.agents) == ([guardian.key], [student.key])
    assert guardian.family_name == student.family_name


def test_the_schedule_is_deterministic() -> None:
    first = build_population(9, users=40, classes=6)
    again = build_population(9, users=40, classes=6)
    assert (first.sessions, first.courses, first.classes, first.enrollments) == (
        again.sessions,
        again.courses,
        again.classes,
        again.enrollments,
    )
    assert first.enrollments != build_population(10, users=40, classes=6).enrollments
