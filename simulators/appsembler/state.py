"""What the Open edX simulator holds: OAuth applications, accounts, courses, enrollments,
certificates and enrollment codes, each indexed the ways the API looks them up (a site of 60,000
learners answers any one call without scanning them all)."""

from __future__ import annotations

import bisect
from collections import defaultdict, deque
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class OAuthApp:
    """A DOT application; client-credentials tokens act as its owner user."""

    client_id: str
    client_secret: str
    user_id: int


@dataclass(slots=True)
class Account:
    id: int
    username: str
    email: str
    is_active: bool
    is_staff: bool
    date_joined: datetime
    name: str = ""
    password: str | None = None
    #: UserProfile columns (country, gender, bio...)
    profile: dict[str, str] = field(default_factory=dict)
    #: the registration extension form's row; None: the user has none (updates then write nothing)
    extension: dict[str, str] | None = None
    retired: bool = False


@dataclass(slots=True)
class Course:
    course_id: str
    name: str
    org: str
    number: str
    run: str
    start: datetime
    #: whether the course has the mode enrollment codes enroll in ("audit")
    has_default_mode: bool = True
    enrollment_closed: bool = False
    max_students: int | None = None
    #: the OneRoster class or course the demo course was made for (not on the wire)
    source: str | None = None


@dataclass(slots=True)
class Enrollment:
    id: int
    user_id: int
    course_id: str
    created: datetime
    is_active: bool = True
    mode: str = "audit"


@dataclass(slots=True)
class Certificate:
    user_id: int
    course_id: str
    created: datetime
    grade: str
    verify_uuid: str


@dataclass(slots=True)
class RegistrationCode:
    code: str
    course_id: str
    created_by: int
    is_valid: bool = True
    #: the user the last redemption enrolled (codes can be redeemed again)
    redeemed_by: int | None = None


@dataclass(slots=True)
class LmsState:
    apps: dict[str, OAuthApp] = field(default_factory=dict)
    accounts: dict[int, Account] = field(default_factory=dict)
    courses: dict[str, Course] = field(default_factory=dict)
    codes: dict[str, RegistrationCode] = field(default_factory=dict)
    by_username: dict[str, Account] = field(default_factory=dict)
    #: lower-cased: MySQL's collation makes Open edX's email lookups case-insensitive
    by_email: dict[str, Account] = field(default_factory=dict)
    #: (date_joined, id) in order, for the exclusive date filters of the accounts batch
    joined: list[tuple[datetime, int]] = field(default_factory=list)
    enrollments: dict[int, Enrollment] = field(default_factory=dict)
    by_course: dict[str, dict[int, Enrollment]] = field(default_factory=lambda: defaultdict(dict))
    by_user: dict[int, dict[str, Enrollment]] = field(default_factory=lambda: defaultdict(dict))
    certificates: dict[str, dict[int, Certificate]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    certified_courses: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))
    #: CourseEnrollmentAllowed: lower-cased email -> {course_id: auto_enroll}
    allowed: dict[str, dict[str, bool]] = field(default_factory=lambda: defaultdict(dict))
    #: per user: instants of recent throttled calls, by throttle name
    hits: dict[tuple[str, int], deque[float]] = field(default_factory=dict)
    #: Hawthorn's course roles: course -> {user id: role} (one role per person and course)
    roles: dict[str, dict[int, str]] = field(default_factory=dict)
    #: failed session logins by lower-cased email
    login_failures: dict[str, int] = field(default_factory=dict)
    next_enrollment_id: int = 1
    last_user_id: int = 0

    # -- accounts -----------------------------------------------------------------------------

    def add_account(self, account: Account) -> None:
        self.accounts[account.id] = account
        self.by_username[account.username] = account
        self.by_email[account.email.lower()] = account
        bisect.insort(self.joined, (account.date_joined, account.id))
        self.last_user_id = max(self.last_user_id, account.id)

    def account(self, user_id: int) -> Account | None:
        return self.accounts.get(user_id)

    def next_user_id(self) -> int:
        return self.last_user_id + 1

    def change_email(self, account: Account, email: str) -> None:
        self.by_email.pop(account.email.lower(), None)
        account.email = email
        self.by_email[email.lower()] = account
        self._apply_allowed(account)

    def joined_between(self, after: datetime | None, before: datetime | None) -> list[Account]:
        lo = 0 if after is None else bisect.bisect_right(self.joined, (after, 1 << 62))
        hi = len(self.joined) if before is None else bisect.bisect_left(self.joined, (before, -1))
        return sorted((self.accounts[i] for _, i in self.joined[lo:hi]), key=lambda a: a.id)

    # -- enrollments --------------------------------------------------------------------------

    def enrollment(self, user_id: int, course_id: str) -> Enrollment | None:
        return self.by_user.get(user_id, {}).get(course_id)

    def is_enrolled(self, user_id: int, course_id: str) -> bool:
        found = self.enrollment(user_id, course_id)
        return found is not None and found.is_active

    def active_count(self, course_id: str) -> int:
        return sum(1 for e in self.by_course.get(course_id, {}).values() if e.is_active)

    def enroll(self, user_id: int, course_id: str, now: datetime) -> Enrollment:
        """Activate (or create) the row: Open edX keeps one row per user and course forever."""
        found = self.enrollment(user_id, course_id)
        if found is not None:
            found.is_active = True
            return found
        row = Enrollment(self.next_enrollment_id, user_id, course_id, now)
        self.next_enrollment_id += 1
        self.enrollments[row.id] = row
        self.by_course[course_id][user_id] = row
        self.by_user[user_id][course_id] = row
        return row

    def unenroll(self, user_id: int, course_id: str) -> None:
        found = self.enrollment(user_id, course_id)
        if found is not None:
            found.is_active = False

    def allow(self, email: str, course_id: str, *, auto_enroll: bool) -> None:
        self.allowed[email.lower()][course_id] = auto_enroll

    def _apply_allowed(self, account: Account, now: datetime | None = None) -> None:
        """An account appearing for an allowed email is enrolled where ``auto_enroll`` was set."""
        pending = self.allowed.get(account.email.lower())
        if not pending or now is None:
            return
        for course_id, auto in pending.items():
            if auto:
                self.enroll(account.id, course_id, now)

    def account_created(self, account: Account, now: datetime) -> None:
        self.add_account(account)
        self._apply_allowed(account, now)

    def add_certificate(self, cert: Certificate) -> None:
        self.certificates[cert.course_id][cert.user_id] = cert
        self.certified_courses[cert.user_id].add(cert.course_id)

    def certificate(self, user_id: int, course_id: str) -> Certificate | None:
        return self.certificates.get(course_id, {}).get(user_id)
