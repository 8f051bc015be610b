"""Class against course: who a run must enroll, drop or make staff, and who is already in step.

Pure: the class comes from the roster cache, the link's own record says whom it has put in the
course, and (when the caller read it) the course's enrollments say who is really there. Without
the course's enrollments the link's record stands for them, which is what lets a roster-driven run
touch only the people who changed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from domain.models.lms_links import (
    ClassMember,
    LinkDiff,
    LinkMember,
    MemberRole,
    PersonAction,
    PersonStep,
)


@dataclass(frozen=True, slots=True)
class CourseState:
    """Who the course really holds, lower-cased: by email (where an account was found for a
    class member's email) and by username."""

    emails: frozenset[str]
    usernames: frozenset[str]

    def holds(self, email: str | None, username: str | None) -> bool:
        return bool(email and email.lower() in self.emails) or bool(
            username and username.lower() in self.usernames
        )


def diff(
    *,
    members: Iterable[ClassMember],
    linked: Mapping[str, LinkMember],
    course: CourseState | None = None,
) -> LinkDiff:
    """``linked`` by person id; without ``course``, the link's record stands for the course."""
    in_class: set[str] = set()
    to_add: list[PersonStep] = []
    teachers: list[PersonStep] = []
    in_step = 0
    for m in sorted(members, key=lambda m: m.person_id):
        in_class.add(m.person_id)
        known = linked.get(m.person_id)
        if m.role is MemberRole.TEACHER:
            if known is None or known.role is not MemberRole.TEACHER:
                teachers.append(_step(m, PersonAction.STAFF, known))
            continue
        if _present(m, known, course):
            in_step += 1
            continue
        to_add.append(_step(m, PersonAction.ENROLL, known))
    to_drop = [
        PersonStep(
            person_id=k.person_id,
            role=k.role,
            action=PersonAction.UNENROLL,
            email=k.email,
            username=k.username,
            enrollment_id=k.enrollment_id,
        )
        for k in sorted(linked.values(), key=lambda k: k.person_id)
        # teachers were never enrolled by the link: they leave its record without a call
        if k.person_id not in in_class
        and k.role is MemberRole.STUDENT
        and (course is None or course.holds(k.email, k.username))
    ]
    teachers += [
        PersonStep(
            person_id=k.person_id,
            role=k.role,
            action=PersonAction.UNSTAFF,
            email=k.email,
            username=k.username,
            enrollment_id=k.enrollment_id,
        )
        for k in sorted(linked.values(), key=lambda k: k.person_id)
        # made staff by the link (its username known) and no longer teaching the class
        if k.person_id not in in_class and k.role is MemberRole.TEACHER and k.username
    ]
    return LinkDiff(
        to_add=tuple(to_add), to_drop=tuple(to_drop), teachers=tuple(teachers), in_step=in_step
    )


def departed_teachers(
    *, members: Iterable[ClassMember], linked: Mapping[str, LinkMember]
) -> list[str]:
    """Teachers in the link's record who no longer teach the class and were never made staff
    (forgotten without a call)."""
    in_class = {m.person_id for m in members}
    return sorted(
        k.person_id
        for k in linked.values()
        if k.role is MemberRole.TEACHER and k.person_id not in in_class and not k.username
    )


def _present(m: ClassMember, known: LinkMember | None, course: CourseState | None) -> bool:
    if course is not None:
        return course.holds(m.email, known.username if known else None)
    return known is not None and known.role is MemberRole.STUDENT


def _step(m: ClassMember, action: PersonAction, known: LinkMember | None) -> PersonStep:
    return PersonStep(
        person_id=m.person_id,
        role=m.role,
        action=action,
        email=m.email,
        name=m.name,
        username=known.username if known is not None else None,
        enrollment_id=m.enrollment_id,
    )
