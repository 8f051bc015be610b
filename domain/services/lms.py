"""Open edX for staff and admins: accounts, enrollment codes, bulk enrollment, analytics; and a
learner's own redemption of a code.

Who: the LMS is one site with no notion of the district's orgs, so it is an area of its own
(``Area.LMS``): staff and admins read and change it. Anyone logged in may redeem a code for
themselves: the Open edX account is the one with their BFF login's email.

What a write names is checked before it goes upstream (D38): a course (Open edX would happily
generate codes for a course that does not exist) must exist, as 422 naming ``course_id``; an
account to change must exist (404, the path names it). People in a bulk enrollment are reported
one by one, as Open edX does (unknown emails are remembered and enrolled once their account
exists; malformed ones are ``invalid_identifier``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from domain.errors import InvalidInput, PermissionDenied
from domain.models.identity import Actor
from domain.models.lms import (
    AccountFilter,
    AccountMatches,
    BulkEnrollmentResult,
    CodeStatusAction,
    CreatedLmsAccount,
    EnrollmentAction,
    EnrollmentCodes,
    EnrollmentFilter,
    LmsAccount,
    LmsAccountNotFound,
    LmsAmbiguousLookup,
    LmsCourse,
    LmsEnrollment,
    NewLmsAccount,
)
from domain.policy import AccountRef, Action, Area, Policy
from domain.ports import UnitOfWorkFactory
from domain.ports.lms import Lms


@dataclass(frozen=True, slots=True, kw_only=True)
class Redemption:
    code: str
    email: str


class LmsService:
    def __init__(self, *, lms: Lms, policy: Policy, uow: UnitOfWorkFactory) -> None:
        self._lms = lms
        self._policy = policy
        self._uow = uow

    # -- accounts -------------------------------------------------------------------------------

    async def lookup(
        self, *, actor: Actor, emails: Sequence[str], usernames: Sequence[str]
    ) -> list[LmsAccount]:
        await self._policy.require(actor, Action.READ, Area.LMS)
        if not emails and not usernames:  # nothing asked, nothing found (and no site-wide read)
            return []
        found: AccountMatches = await self._lms.find_accounts(emails=emails, usernames=usernames)
        unique = {a.user_id: a for a in (*found.by_email.values(), *found.by_username.values())}
        return sorted(unique.values(), key=lambda a: a.user_id)

    async def account(self, *, actor: Actor, lookup: str) -> LmsAccount:
        """The account whose username or email is ``lookup`` (as Open edX's update_user reads it:
        one whose username is another's email makes the lookup ambiguous)."""
        await self._policy.require(actor, Action.READ, Area.LMS)
        found = await self._lms.find_accounts(emails=[lookup], usernames=[lookup])
        matches = {
            a.user_id: a
            for a in (found.by_username.get(lookup), found.by_email.get(lookup.lower()))
            if a is not None
        }
        if not matches:
            raise LmsAccountNotFound(f"Open edX has no account {lookup!r}")
        if len(matches) > 1:
            raise LmsAmbiguousLookup(
                f"{lookup!r} is one account's username and another's email", field="account"
            )
        return next(iter(matches.values()))

    async def create_account(self, *, actor: Actor, new: NewLmsAccount) -> CreatedLmsAccount:
        await self._policy.require(actor, Action.WRITE, Area.LMS)
        if new.password is not None and not new.username:
            raise InvalidInput("an account with a password needs a username", field="username")
        return await self._lms.create_account(new)

    async def connect_account(
        self,
        *,
        actor: Actor,
        username: str,
        email: str | None,
        name: str | None,
        password: str | None,
    ) -> int:
        await self._policy.require(actor, Action.WRITE, Area.LMS)
        return await self._lms.connect_account(username, email=email, name=name, password=password)

    async def update_account(
        self, *, actor: Actor, lookup: str, changes: Mapping[str, str]
    ) -> Sequence[str]:
        await self._policy.require(actor, Action.WRITE, Area.LMS)
        if not changes:
            raise InvalidInput("nothing to change", field="body")
        return await self._lms.update_account(lookup, changes)

    # -- courses, codes, enrollments -------------------------------------------------------------

    async def _existing_course(self, course_id: str) -> LmsCourse:
        course = await self._lms.course(course_id)
        if course is None:
            raise InvalidInput(f"Open edX has no course {course_id}", field="course_id")
        return course

    async def generate_codes(self, *, actor: Actor, course_id: str, count: int) -> EnrollmentCodes:
        await self._policy.require(actor, Action.WRITE, Area.LMS)
        await self._existing_course(course_id)
        return await self._lms.generate_codes(course_id, count)

    async def redeem_code(self, *, actor: Actor, code: str, email: str | None) -> Redemption:
        """Staff and admins redeem for anyone's email; everyone else for their own account."""
        if await self._policy.allows(actor, Action.WRITE, Area.LMS):
            if email is None:
                email = await self._own_email(actor)
        else:
            await self._policy.require(actor, Action.WRITE, AccountRef(actor.account_id))
            own = await self._own_email(actor)
            if email is not None and email.lower() != own.lower():
                raise PermissionDenied("You may redeem a code only for yourself.")
            email = own
        await self._lms.redeem_code(code, email)
        return Redemption(code=code, email=email)

    async def _own_email(self, actor: Actor) -> str:
        async with self._uow() as uow:
            account = await uow.accounts.get(actor.account_id)
        if account is None:  # deleted between authentication and now
            raise PermissionDenied("Your account no longer exists.")
        return account.email

    async def set_code_status(self, *, actor: Actor, code: str, action: CodeStatusAction) -> None:
        await self._policy.require(actor, Action.WRITE, Area.LMS)
        await self._lms.set_code_status(code, action)

    async def bulk_enrollment(
        self,
        *,
        actor: Actor,
        course_id: str,
        identifiers: Sequence[str],
        action: EnrollmentAction,
        auto_enroll: bool,
        email_students: bool,
    ) -> BulkEnrollmentResult:
        await self._policy.require(actor, Action.WRITE, Area.LMS)
        await self._existing_course(course_id)
        unique = list(dict.fromkeys(i.strip() for i in identifiers if i.strip()))
        if not unique:
            raise InvalidInput("name at least one person", field="identifiers")
        return await self._lms.bulk_enrollment(
            course_id, unique, action, auto_enroll=auto_enroll, email_students=email_students
        )

    # -- analytics ------------------------------------------------------------------------------

    async def accounts(self, *, actor: Actor, where: AccountFilter) -> Sequence[LmsAccount]:
        await self._policy.require(actor, Action.READ, Area.LMS)
        return await self._lms.accounts(where)

    async def enrollments(
        self, *, actor: Actor, where: EnrollmentFilter
    ) -> Sequence[LmsEnrollment]:
        await self._policy.require(actor, Action.READ, Area.LMS)
        return await self._lms.enrollments(where)
