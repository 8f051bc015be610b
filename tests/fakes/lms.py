"""The LMS port for tests: ``FakeLms`` keeps an Open edX site in memory (accounts by email,
enrollments per course, Open edX's bulk-enrollment outcomes); ``CountingLms`` wraps any ``Lms``
and records each call with the people it named, so tests count what a run asked upstream."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

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
    EnrollmentOutcome,
    LmsAccount,
    LmsAccountExists,
    LmsCourse,
    LmsCourseNotFound,
    LmsEnrollment,
    LmsRolesUnsupported,
    NewLmsAccount,
    PersonEnrollment,
)
from domain.ports.lms import Lms

JOINED = datetime(2026, 1, 5, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Call:
    name: str
    course_id: str | None = None
    action: EnrollmentAction | None = None
    people: tuple[str, ...] = ()


class FakeLms(Lms):
    def __init__(
        self, *, courses: Iterable[str] = (), emails: Iterable[str] = (), roles_api: bool = True
    ) -> None:
        self.courses = set(courses)
        self.roles_api = roles_api
        self.roles: dict[str, dict[CourseRole, set[str]]] = {}
        self.by_email: dict[str, LmsAccount] = {}
        self.enrolled: dict[str, set[str]] = {c: set() for c in self.courses}
        self.enrollments_made: Counter[tuple[str, str]] = Counter()
        self._ids = itertools.count(2)
        for email in emails:
            self._add(email)

    def _add(self, email: str) -> LmsAccount:
        account = LmsAccount(
            user_id=next(self._ids),
            username=email.split("@")[0].replace(".", "_"),
            email=email,
            is_active=True,
            date_joined=JOINED,
        )
        self.by_email[email.lower()] = account
        return account

    async def find_accounts(
        self, *, emails: Iterable[str] = (), usernames: Iterable[str] = ()
    ) -> AccountMatches:
        wanted = {e.lower() for e in emails}
        names = set(usernames)
        return AccountMatches(
            by_email={e: a for e, a in self.by_email.items() if e in wanted},
            by_username={a.username: a for a in self.by_email.values() if a.username in names},
        )

    async def username_exists(self, username: str) -> bool:
        return any(a.username == username for a in self.by_email.values())

    async def create_account(self, account: NewLmsAccount) -> CreatedLmsAccount:
        if account.email.lower() in self.by_email:
            raise LmsAccountExists("User already exists")
        made = self._add(account.email)
        return CreatedLmsAccount(user_id=made.user_id, username=made.username)

    async def connect_account(
        self,
        username: str,
        *,
        email: str | None = None,
        name: str | None = None,
        password: str | None = None,
    ) -> int:
        raise NotImplementedError("not used by provisioning")

    async def update_account(self, lookup: str, changes: Mapping[str, str]) -> Sequence[str]:
        raise NotImplementedError("not used by provisioning")

    def _account(self, identifier: str) -> LmsAccount | None:
        found = self.by_email.get(identifier.lower())
        if found is not None:
            return found
        return next((a for a in self.by_email.values() if a.username == identifier), None)

    async def bulk_enrollment(
        self,
        course_id: str,
        identifiers: Sequence[str],
        action: EnrollmentAction,
        *,
        auto_enroll: bool = True,
        email_students: bool = False,
    ) -> BulkEnrollmentResult:
        if course_id not in self.courses:
            raise LmsCourseNotFound(f"Open edX has no course {course_id}")
        held = self.enrolled[course_id]
        results = []
        for identifier in identifiers:
            account = self._account(identifier)
            if "@" not in identifier and account is None:
                outcome = EnrollmentOutcome.INVALID_IDENTIFIER
            elif account is None:
                outcome = (
                    EnrollmentOutcome.ALLOWED
                    if action is EnrollmentAction.ENROLL
                    else EnrollmentOutcome.DISALLOWED
                )
            elif action is EnrollmentAction.ENROLL:
                if account.username in held:
                    outcome = EnrollmentOutcome.ALREADY_ENROLLED
                else:
                    held.add(account.username)
                    self.enrollments_made[(course_id, account.username)] += 1
                    outcome = EnrollmentOutcome.ENROLLED
            elif account.username in held:
                held.discard(account.username)
                outcome = EnrollmentOutcome.UNENROLLED
            else:
                outcome = EnrollmentOutcome.NOT_ENROLLED
            results.append(
                PersonEnrollment(
                    identifier=identifier, outcome=outcome, has_account=account is not None
                )
            )
        return BulkEnrollmentResult(course_id=course_id, action=action, results=tuple(results))

    async def course(self, course_id: str) -> LmsCourse | None:
        if course_id not in self.courses:
            return None
        return LmsCourse(course_id=course_id, name=course_id, org="Fake", number=course_id)

    def _roles(self, course_id: str) -> dict[CourseRole, set[str]]:
        if not self.roles_api:
            raise LmsRolesUnsupported("no course roles API", upstream="fake")
        if course_id not in self.courses:
            raise LmsCourseNotFound(f"Open edX has no course {course_id}")
        return self.roles.setdefault(course_id, {r: set() for r in CourseRole})

    def _listed(self, course_id: str) -> dict[CourseRole, Sequence[str]]:
        return {r: tuple(sorted(u)) for r, u in self._roles(course_id).items()}

    async def course_roles(self, course_id: str) -> Mapping[CourseRole, Sequence[str]]:
        return self._listed(course_id)

    async def grant_course_role(
        self, course_id: str, role: CourseRole, identifiers: Sequence[str]
    ) -> Mapping[CourseRole, Sequence[str]]:
        roles = self._roles(course_id)
        for identifier in identifiers:
            account = self._account(identifier)
            if account is None:
                continue  # Open edX skips unknown people
            for held in roles.values():
                held.discard(account.username)
            roles[role].add(account.username)
        return self._listed(course_id)

    async def revoke_course_role(
        self, course_id: str, role: CourseRole, identifiers: Sequence[str]
    ) -> Mapping[CourseRole, Sequence[str]]:
        roles = self._roles(course_id)
        for identifier in identifiers:
            account = self._account(identifier)
            if account is not None:
                roles[role].discard(account.username)
        return self._listed(course_id)

    async def generate_codes(self, course_id: str, count: int) -> EnrollmentCodes:
        raise NotImplementedError("not used by provisioning")

    async def redeem_code(self, code: str, email: str) -> None:
        raise NotImplementedError("not used by provisioning")

    async def set_code_status(self, code: str, action: CodeStatusAction) -> None:
        raise NotImplementedError("not used by provisioning")

    async def accounts(self, where: AccountFilter) -> Sequence[LmsAccount]:
        return list(self.by_email.values())

    async def enrollments(self, where: EnrollmentFilter) -> Sequence[LmsEnrollment]:
        by_name = {a.username: a for a in self.by_email.values()}
        return [
            LmsEnrollment(
                enrollment_id=i,
                user_id=by_name[u].user_id,
                username=u,
                course_id=c,
                date_enrolled=JOINED,
            )
            for i, (c, u) in enumerate(
                sorted((c, u) for c, us in self.enrolled.items() for u in us), start=1
            )
            if where.course_id in (None, c) and u in by_name
        ]


@dataclass
class CountingLms(Lms):
    """Any ``Lms``, with every call recorded (``calls``) before it is passed on."""

    inner: Lms
    calls: list[Call] = field(default_factory=list)

    def named(self, name: str, action: EnrollmentAction | None = None) -> list[Call]:
        return [c for c in self.calls if c.name == name and (action is None or c.action is action)]

    def people(self, action: EnrollmentAction) -> Counter[str]:
        """How many times each identifier was sent in a bulk call of this action."""
        return Counter(p.lower() for c in self.named("bulk_enrollment", action) for p in c.people)

    async def find_accounts(
        self, *, emails: Iterable[str] = (), usernames: Iterable[str] = ()
    ) -> AccountMatches:
        listed = tuple(emails)
        self.calls.append(Call("find_accounts", people=listed))
        return await self.inner.find_accounts(emails=listed, usernames=usernames)

    async def username_exists(self, username: str) -> bool:
        self.calls.append(Call("username_exists", people=(username,)))
        return await self.inner.username_exists(username)

    async def create_account(self, account: NewLmsAccount) -> CreatedLmsAccount:
        self.calls.append(Call("create_account", people=(account.email,)))
        return await self.inner.create_account(account)

    async def connect_account(
        self,
        username: str,
        *,
        email: str | None = None,
        name: str | None = None,
        password: str | None = None,
    ) -> int:
        self.calls.append(Call("connect_account", people=(username,)))
        return await self.inner.connect_account(username, email=email, name=name, password=password)

    async def update_account(self, lookup: str, changes: Mapping[str, str]) -> Sequence[str]:
        self.calls.append(Call("update_account", people=(lookup,)))
        return await self.inner.update_account(lookup, changes)

    async def bulk_enrollment(
        self,
        course_id: str,
        identifiers: Sequence[str],
        action: EnrollmentAction,
        *,
        auto_enroll: bool = True,
        email_students: bool = False,
    ) -> BulkEnrollmentResult:
        self.calls.append(Call("bulk_enrollment", course_id, action, tuple(identifiers)))
        return await self.inner.bulk_enrollment(
            course_id, identifiers, action, auto_enroll=auto_enroll, email_students=email_students
        )

    async def course(self, course_id: str) -> LmsCourse | None:
        self.calls.append(Call("course", course_id))
        return await self.inner.course(course_id)

    async def course_roles(self, course_id: str) -> Mapping[CourseRole, Sequence[str]]:
        self.calls.append(Call("course_roles", course_id))
        return await self.inner.course_roles(course_id)

    async def grant_course_role(
        self, course_id: str, role: CourseRole, identifiers: Sequence[str]
    ) -> Mapping[CourseRole, Sequence[str]]:
        self.calls.append(Call("grant_course_role", course_id, people=tuple(identifiers)))
        return await self.inner.grant_course_role(course_id, role, identifiers)

    async def revoke_course_role(
        self, course_id: str, role: CourseRole, identifiers: Sequence[str]
    ) -> Mapping[CourseRole, Sequence[str]]:
        self.calls.append(Call("revoke_course_role", course_id, people=tuple(identifiers)))
        return await self.inner.revoke_course_role(course_id, role, identifiers)

    async def generate_codes(self, course_id: str, count: int) -> EnrollmentCodes:
        self.calls.append(Call("generate_codes", course_id))
        return await self.inner.generate_codes(course_id, count)

    async def redeem_code(self, code: str, email: str) -> None:
        self.calls.append(Call("redeem_code", people=(email,)))
        await self.inner.redeem_code(code, email)

    async def set_code_status(self, code: str, action: CodeStatusAction) -> None:
        self.calls.append(Call("set_code_status"))
        await self.inner.set_code_status(code, action)

    async def accounts(self, where: AccountFilter) -> Sequence[LmsAccount]:
        self.calls.append(Call("accounts"))
        return await self.inner.accounts(where)

    async def enrollments(self, where: EnrollmentFilter) -> Sequence[LmsEnrollment]:
        self.calls.append(Call("enrollments", where.course_id))
        return await self.inner.enrollments(where)
