"""A OneRoster class linked to an Open edX course, the runs that keep the course in step with the
class, and what each run did for each person."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class MemberRole(StrEnum):
    STUDENT = "student"
    TEACHER = "teacher"


class PersonAction(StrEnum):
    """What a run is to do for one person."""

    ENROLL = "enroll"  # a student of the class, not (known to be) in the course
    UNENROLL = "unenroll"  # left the class: dropped from the course unless the link keeps drops
    STAFF = "staff"  # a teacher of the class: course staff, where the API allows it
    UNSTAFF = "unstaff"  # a teacher who left the class: staff role taken away


class Outcome(StrEnum):
    PENDING = "pending"
    ENROLLED = "enrolled"
    ALREADY_ENROLLED = "already_enrolled"
    ACCOUNT_CREATED = "account_created"  # created (no activation mail) and enrolled
    UNENROLLED = "unenrolled"
    KEPT = "kept"  # left the class, kept in the course by the link's option
    REFUSED = "refused"  # with a reason


class RunStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class RunTrigger(StrEnum):
    CREATED = "created"  # the link was just made
    MANUAL = "manual"  # POST /v1/lms/links/{id}/runs
    ROSTER = "roster"  # the change feed named people of the class


@dataclass(frozen=True, slots=True, kw_only=True)
class ClassMember:
    """A person of the class as the roster cache has them."""

    person_id: str
    role: MemberRole
    email: str | None
    name: str
    #: the roster enrollment that puts them there (how a deleted enrollment finds its class)
    enrollment_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class LinkMember:
    """A person the link has put in the course (its own record: what a drop must undo)."""

    person_id: str
    role: MemberRole
    email: str
    username: str | None = None
    enrollment_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CourseLink:
    id: str
    class_id: str
    course_id: str
    #: people who leave the class stay enrolled in the course
    keep_drops: bool = False
    created_at: datetime
    created_by: str | None = None
    #: the change feed named people of the class since the last run planned
    dirty: bool = False
    last_run_id: str | None = None
    #: the run holding the link (a claim with a lease: one run at a time per link)
    active_run_id: str | None = None
    lease_until: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RunCounts:
    enrolled: int = 0
    already_enrolled: int = 0
    accounts_created: int = 0
    unenrolled: int = 0
    kept: int = 0
    refused: int = 0
    pending: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class LinkRun:
    id: str
    link_id: str
    trigger: RunTrigger
    status: RunStatus
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    error: str | None = None
    #: why teachers were not made course staff, when they were not
    note: str | None = None
    #: upstream calls this run made (all attempts, including its resumptions)
    upstream_calls: int = 0
    counts: RunCounts = field(default_factory=RunCounts)


@dataclass(frozen=True, slots=True, kw_only=True)
class PersonStep:
    """One person's row in a run: what to do, and (once done) what happened."""

    person_id: str
    role: MemberRole
    action: PersonAction
    email: str | None
    name: str = ""
    username: str | None = None
    enrollment_id: str | None = None
    outcome: Outcome = Outcome.PENDING
    reason: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class LinkDiff:
    """Class against course, as a run would see it now."""

    to_add: tuple[PersonStep, ...]
    to_drop: tuple[PersonStep, ...]
    teachers: tuple[PersonStep, ...]
    in_step: int

    @property
    def steps(self) -> tuple[PersonStep, ...]:
        return self.to_add + self.to_drop + self.teachers


@dataclass(frozen=True, slots=True, kw_only=True)
class StudentProgress:
    person_id: str
    name: str
    email: str | None
    username: str | None
    enrolled: bool
    date_enrolled: datetime | None = None
    certificate_grade: str | None = None
    certificate_date: str | None = None
    certificate_url: str | None = None
