"""What an Open edX site (through the Appsembler API) offers the domain.

One implementation talks HTTP to ``/appsembler_api/v0/`` with service credentials (a staff token):
every call here is made as staff, so "may this person do it" is the domain's policy, not Open edX's.

Errors: the models' ``LmsAccountExists`` (create, or an email taken by someone else),
``LmsAccountNotFound``, ``LmsAmbiguousLookup``, ``LmsCourseNotFound``, ``EnrollmentCodeNotFound``,
``EnrollmentCodeRefused`` (with its reason), ``LmsRolesUnsupported``; ``UpstreamRefusedInput``
for a value Open edX refused (malformed email, unknown profile value), and the domain's ``UpstreamUnavailable``,
``UpstreamRateLimited`` (``retry_after``) and ``UpstreamRejected`` for the rest.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol

from domain.models.lms import (
    AccountFilter,
    AccountMatches,
    BulkEnrollmentResult,
    CodeStatusAction,
    CourseRole,
    CreatedLmsAccount,
    EnrollmentAction,
    EnrollmentCodes,
    EnrollmentFilter,
    LmsAccount,
    LmsCourse,
    LmsEnrollment,
    NewLmsAccount,
)


class LmsAccounts(Protocol):
    async def find_accounts(
        self, *, emails: Iterable[str] = (), usernames: Iterable[str] = ()
    ) -> AccountMatches:
        """The accounts matching any of the emails (case-insensitive) or usernames (exact);
        those without an account are simply absent. One read of the site's account list, whatever
        the number asked for."""
        ...

    async def username_exists(self, username: str) -> bool:
        """Whether an account has exactly this username (one cheap call)."""
        ...

    async def create_account(self, account: NewLmsAccount) -> CreatedLmsAccount:
        """Create an active account; no activation mail unless asked. Raises ``LmsAccountExists``
        when the email or username is taken. Never repeated blindly: after a lost answer the
        implementation looks the email up before deciding whether to try again."""
        ...

    async def connect_account(
        self,
        username: str,
        *,
        email: str | None = None,
        name: str | None = None,
        password: str | None = None,
    ) -> int:
        """Set the email, name and/or password of the account with this username; its user id."""
        ...

    async def update_account(self, lookup: str, changes: Mapping[str, str]) -> Sequence[str]:
        """Change the email, name and profile fields of the account whose username or email is
        ``lookup``; the names of the fields Open edX reports updated, in its order."""
        ...


class LmsEnrollments(Protocol):
    async def bulk_enrollment(
        self,
        course_id: str,
        identifiers: Sequence[str],
        action: EnrollmentAction,
        *,
        auto_enroll: bool = True,
        email_students: bool = False,
    ) -> BulkEnrollmentResult:
        """Enroll or unenroll people (emails or usernames) in one course; one result per person,
        in the order given. Long lists are split into as many calls as the site accepts.
        ``auto_enroll`` enrolls people without an account yet once they get one."""
        ...

    async def generate_codes(self, course_id: str, count: int) -> EnrollmentCodes:
        """``count`` new enrollment codes for the course."""
        ...

    async def redeem_code(self, code: str, email: str) -> None:
        """Enroll the account with this email in the code's course (a code can be redeemed again);
        ``EnrollmentCodeRefused`` says why not."""
        ...

    async def set_code_status(self, code: str, action: CodeStatusAction) -> None:
        """Cancel or restore a code; both unenroll whoever redeemed it.
        ``EnrollmentCodeNotFound`` for an unknown code."""
        ...


class LmsCourses(Protocol):
    async def course(self, course_id: str) -> LmsCourse | None:
        """The course with this key, or None: what a write naming a course checks first (Open
        edX itself generates codes for any key)."""
        ...


class LmsCourseRoles(Protocol):
    """Course staff, where the site has Appsembler's roles API; ``LmsRolesUnsupported`` where it
    has not (ask once, then fall back to enrolling teachers as learners)."""

    async def course_roles(self, course_id: str) -> Mapping[CourseRole, Sequence[str]]:
        """The usernames holding each role in the course (every role listed, maybe empty)."""
        ...

    async def grant_course_role(
        self, course_id: str, role: CourseRole, identifiers: Sequence[str]
    ) -> Mapping[CourseRole, Sequence[str]]:
        """Give the people (usernames or emails) this role, taking any other away; unknown
        people are skipped. The roles afterwards."""
        ...

    async def revoke_course_role(
        self, course_id: str, role: CourseRole, identifiers: Sequence[str]
    ) -> Mapping[CourseRole, Sequence[str]]:
        """Take the role from these people (a no-op for those without it). The roles afterwards."""
        ...


class LmsAnalytics(Protocol):
    async def accounts(self, where: AccountFilter) -> Sequence[LmsAccount]:
        """Every account matching the filter (Open edX does not page this list)."""
        ...

    async def enrollments(self, where: EnrollmentFilter) -> Sequence[LmsEnrollment]:
        """Every enrollment matching the filter, with its certificate when one was issued. Only
        the course (and user) asked for, unlike the raw batch."""
        ...


class Lms(LmsAccounts, LmsEnrollments, LmsCourses, LmsCourseRoles, LmsAnalytics, Protocol):
    """The whole of one Open edX site."""
