"""Open edX (through the Appsembler API) as the domain sees it: accounts, enrollments, codes.

Everything here is what the LMS answered, already cleaned of its wire quirks (the adapter reads the
``"user_id "`` key, empty-bodied 404s and string booleans, and filters the enrollment batch down to
what was asked for). Identifiers: an account is named by its numeric ``user_id`` or its username;
a course by its course key (``course-v1:Org+Course+Run``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from domain.errors import Conflict, InvalidInput, NotFound, UpstreamRejected


@dataclass(frozen=True, slots=True, kw_only=True)
class LmsAccount:
    """One Open edX account as the accounts batch lists it."""

    user_id: int
    username: str
    email: str
    is_active: bool
    date_joined: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class LmsCourse:
    course_id: str
    name: str
    org: str
    number: str
    start: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class NewLmsAccount:
    """An account to create. Without ``password`` Open edX picks the username (from the email) and
    the person signs in by resetting it; with one, ``username`` is required."""

    email: str
    name: str
    username: str | None = None
    password: str | None = None
    #: Open edX mails an activation link only when asked; provisioning never asks
    send_activation_email: bool = False
    #: profile and extension-form fields (``country``, ``year_of_birth``, ``district``...)
    profile: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class CreatedLmsAccount:
    user_id: int
    username: str
    #: False when a retried create found the account the first attempt had made after all
    created: bool = True


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountMatches:
    """The accounts found for a set of emails and usernames (lower-cased emails as keys)."""

    by_email: Mapping[str, LmsAccount] = field(default_factory=dict)
    by_username: Mapping[str, LmsAccount] = field(default_factory=dict)


class EnrollmentAction(StrEnum):
    ENROLL = "enroll"
    UNENROLL = "unenroll"


class EnrollmentOutcome(StrEnum):
    """What a bulk enrollment did for one person, read from Open edX's before/after states."""

    ENROLLED = "enrolled"
    ALREADY_ENROLLED = "already_enrolled"
    UNENROLLED = "unenrolled"
    NOT_ENROLLED = "not_enrolled"  # unenroll of someone who was not enrolled
    #: no account with that email: Open edX remembers it and enrolls the account once it exists
    ALLOWED = "allowed"
    #: an invitation without an account was withdrawn (unenroll of an "allowed" email)
    DISALLOWED = "disallowed"
    INVALID_IDENTIFIER = "invalid_identifier"
    FAILED = "failed"


@dataclass(frozen=True, slots=True, kw_only=True)
class PersonEnrollment:
    """One identifier's result in a bulk enrollment."""

    identifier: str
    outcome: EnrollmentOutcome
    #: whether an account answered to the identifier
    has_account: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class BulkEnrollmentResult:
    course_id: str
    action: EnrollmentAction
    results: Sequence[PersonEnrollment] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class EnrollmentCodes:
    course_id: str
    codes: Sequence[str]
    #: the course's about page, relative to the LMS
    course_url: str


class CodeStatusAction(StrEnum):
    CANCEL = "cancel"
    RESTORE = "restore"


class CodeRefusalReason(StrEnum):
    """Why Open edX refused to redeem an enrollment code."""

    USER_NOT_FOUND = "user_not_found"
    #: unknown or cancelled code
    CODE_NOT_FOUND = "code_not_found"
    #: the course has no mode the code can enroll in
    CODE_ERROR = "code_error"
    ENROLLMENT_CLOSED = "enrollment_closed"
    COURSE_FULL = "course_full"
    ALREADY_ENROLLED = "already_enrolled"
    UNSPECIFIED = "unspecified"


@dataclass(frozen=True, slots=True, kw_only=True)
class Certificate:
    completion_date: datetime
    #: the grade as Open edX states it (a decimal string, ``"0.85"``)
    grade: str
    url: str


@dataclass(frozen=True, slots=True, kw_only=True)
class LmsEnrollment:
    enrollment_id: int
    user_id: int
    username: str
    course_id: str
    date_enrolled: datetime
    certificate: Certificate | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountFilter:
    """Accounts that joined strictly after ``joined_after`` and strictly before ``joined_before``."""

    joined_after: datetime | None = None
    joined_before: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class EnrollmentFilter:
    """Enrollments made strictly between the two instants, of one course and/or one user."""

    course_id: str | None = None
    username: str | None = None
    enrolled_after: datetime | None = None
    enrolled_before: datetime | None = None


class CourseRole(StrEnum):
    """Open edX's course roles (one per person and course)."""

    INSTRUCTOR = "instructor"
    STAFF = "staff"
    BETA = "beta"
    CCX_COACH = "ccx_coach"


class LmsRolesUnsupported(UpstreamRejected):
    """This Open edX has no course roles API (Appsembler's Hawthorn fork has one, the current
    plugin does not): course staff are then set in Studio."""


class LmsAccountExists(Conflict):
    """Open edX already has an account with this email or username (retired ones included)."""


class LmsAccountNotFound(NotFound):
    pass


class LmsAmbiguousLookup(InvalidInput):
    """One account's username is another's email: a lookup by that string names two people."""


class LmsCourseNotFound(NotFound):
    pass


class EnrollmentCodeNotFound(NotFound):
    pass


class EnrollmentCodeRefused(InvalidInput):
    """Open edX refused to redeem a code; ``reason`` says why."""

    def __init__(self, detail: str, *, reason: CodeRefusalReason) -> None:
        super().__init__(detail, field="code")
        self.reason = reason
