"""Class against course (``domain/services/lms_diff.py``): what a run would do, from the class, the
link's own record and, when read, the course."""

from __future__ import annotations

from domain.models.lms_links import ClassMember, LinkMember, MemberRole, PersonAction
from domain.services.lms_diff import CourseState, departed_teachers, diff


def student(n: int, email: str | None = "") -> ClassMember:
    return ClassMember(
        person_id=f"s{n}",
        role=MemberRole.STUDENT,
        email=f"s{n}@school.test" if email == "" else email,
        name=f"Student {n}",
        enrollment_id=f"e{n}",
    )


def teacher(n: int) -> ClassMember:
    return ClassMember(
        person_id=f"t{n}", role=MemberRole.TEACHER, email=f"t{n}@school.test", name=f"T {n}"
    )


def linked(m: ClassMember, username: str | None = None) -> LinkMember:
    return LinkMember(
        person_id=m.person_id,
        role=m.role,
        email=m.email or "",
        username=username,
        enrollment_id=m.enrollment_id,
    )


def test_a_new_link_enrolls_every_student_and_makes_every_teacher_staff() -> None:
    members = [student(2), student(1), teacher(1)]
    d = diff(members=members, linked={})
    assert [s.person_id for s in d.to_add] == ["s1", "s2"]
    assert [s.action for s in d.to_add] == [PersonAction.ENROLL] * 2
    assert [(s.person_id, s.action) for s in d.teachers] == [("t1", PersonAction.STAFF)]
    assert d.to_drop == ()
    assert d.in_step == 0


def test_the_record_stands_for_the_course_so_only_changes_are_planned() -> None:
    kept, left, joined = student(1), student(2), student(3)
    record = {m.person_id: linked(m, f"u{m.person_id}") for m in (kept, left, teacher(1))}
    d = diff(members=[kept, joined, teacher(1)], linked=record)
    assert [s.person_id for s in d.to_add] == ["s3"]
    assert [(s.person_id, s.action, s.username) for s in d.to_drop] == [
        ("s2", PersonAction.UNENROLL, "us2")
    ]
    assert d.teachers == ()
    assert d.in_step == 1


def test_the_course_read_finds_students_enrolled_by_hand_and_dropped_by_hand() -> None:
    a, b = student(1), student(2)
    # Open edX holds a (enrolled by someone else), not b (the link's record says it enrolled b)
    course = CourseState(emails=frozenset({"s1@school.test"}), usernames=frozenset({"ua"}))
    d = diff(members=[a, b], linked={"s2": linked(b, "ub")}, course=course)
    assert [s.person_id for s in d.to_add] == ["s2"]
    assert d.in_step == 1
    # a recorded student who left the class and whom the course no longer holds needs no drop
    gone = diff(members=[a], linked={"s2": linked(b, "ub")}, course=course)
    assert gone.to_drop == ()


def test_teachers_who_leave_lose_the_staff_role_only_if_the_link_gave_it() -> None:
    given, refused = teacher(1), teacher(2)
    record = {"t1": linked(given, "ut1"), "t2": linked(refused)}
    d = diff(members=[], linked=record)
    assert [(s.person_id, s.action) for s in d.teachers] == [("t1", PersonAction.UNSTAFF)]
    assert d.to_drop == ()
    assert departed_teachers(members=[], linked=record) == ["t2"]


def test_a_student_without_an_email_is_still_planned_and_refused_later() -> None:
    d = diff(members=[student(1, email=None)], linked={})
    assert d.to_add[0].email is None
