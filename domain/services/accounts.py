"""BFF accounts: created and managed by admins; every person reads their own."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace

from domain.errors import Conflict, InvalidInput, NotFound
from domain.models.identity import Account, Actor, NewAccount, Role
from domain.policy import AccountRef, Action, Area, Policy
from domain.ports import Clock, UnitOfWorkFactory
from domain.ports.identity import PasswordHasher
from domain.roster.entities import EntityKind
from domain.services.passwords import CommonPasswords, check_password


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountChanges:
    display_name: str | None = None
    role: Role | None = None
    person_sourced_id: str | None = None
    active: bool | None = None
    password: str | None = None


class AccountService:
    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        policy: Policy,
        hasher: PasswordHasher,
        common_passwords: CommonPasswords,
        clock: Clock,
    ) -> None:
        self._uow = uow
        self._policy = policy
        self._hasher = hasher
        self._common = common_passwords
        self._clock = clock

    async def create(self, *, actor: Actor | None, new: NewAccount) -> Account:
        """Create an account. ``actor=None`` is the operator at the command line (``bff users create``)."""
        if actor is not None:
            await self._policy.require(actor, Action.WRITE, Area.ACCOUNTS)
        email = new.email.strip()
        if "@" not in email:
            raise InvalidInput("Give a valid email address.", field="email")
        if new.role is not Role.ADMIN and not new.person_sourced_id:
            raise InvalidInput(
                "Every account but an admin's is linked to a roster person (person_sourced_id).",
                field="person_sourced_id",
            )
        if new.password is None and new.sso_subject is None:
            raise InvalidInput(
                "Give a password, or an SSO subject to log in with.", field="password"
            )
        if new.password is not None:
            check_password(new.password, email=email, common=self._common)
        if actor is not None and new.person_sourced_id:
            await self._require_person(new.person_sourced_id)
        account = Account(
            id=uuid.uuid4().hex,
            email=email,
            display_name=new.display_name.strip() or email,
            role=new.role,
            person_sourced_id=new.person_sourced_id,
            password_hash=await self._hasher.hash(new.password) if new.password else None,
            sso_subject=new.sso_subject,
            created_at=self._clock.now(),
            is_demo=new.is_demo,
        )
        async with self._uow() as uow:
            if await uow.accounts.by_email(email) is not None:
                raise Conflict(f"An account with the email {email} already exists.")
            if new.sso_subject and await uow.accounts.by_sso_subject(new.sso_subject):
                raise Conflict("Another account already has that SSO subject.")
            await uow.accounts.add(account)
            await uow.commit()
        return account

    async def get(self, *, actor: Actor, account_id: str) -> Account:
        if not await self._policy.allows(actor, Action.READ, AccountRef(account_id)):
            raise NotFound("No such account.")  # not 403: account ids must not be probeable
        async with self._uow() as uow:
            account = await uow.accounts.get(account_id)
        if account is None:
            raise NotFound("No such account.")
        return account

    async def list(
        self, *, actor: Actor, role: Role | None, limit: int, offset: int
    ) -> tuple[Sequence[Account], int]:
        await self._policy.require(actor, Action.READ, Area.ACCOUNTS)
        async with self._uow() as uow:
            return await uow.accounts.list(role=role, limit=limit, offset=offset)

    async def update(self, *, actor: Actor, account_id: str, changes: AccountChanges) -> Account:
        """Admins change anything; people change their own display name and password."""
        account = await self.get(actor=actor, account_id=account_id)
        privileged = any(
            v is not None for v in (changes.role, changes.person_sourced_id, changes.active)
        )
        await self._policy.require(
            actor, Action.WRITE, Area.ACCOUNTS if privileged else AccountRef(account_id)
        )
        updated = account
        if changes.display_name is not None:
            updated = replace(updated, display_name=changes.display_name.strip() or updated.email)
        if changes.role is not None:
            updated = replace(updated, role=changes.role)
        if changes.person_sourced_id:
            await self._require_person(changes.person_sourced_id)
        if changes.person_sourced_id is not None:
            updated = replace(updated, person_sourced_id=changes.person_sourced_id or None)
        if changes.active is not None:
            updated = replace(updated, active=changes.active)
        if changes.password is not None:
            check_password(changes.password, email=updated.email, common=self._common)
            updated = replace(updated, password_hash=await self._hasher.hash(changes.password))
        if updated.role is not Role.ADMIN and not updated.person_sourced_id:
            raise InvalidInput(
                "A non-admin account must stay linked to a roster person.",
                field="person_sourced_id",
            )
        async with self._uow() as uow:
            await uow.accounts.update(updated)
            if changes.active is False or changes.password is not None:
                await uow.refresh_tokens.revoke_account(account_id, at=self._clock.now())
            await uow.commit()
        return updated

    async def _require_person(self, person_id: str) -> None:
        """An account links to a roster person that exists (D38), in the roster cache the policy
        reads: a link to nothing would make an account that reaches nothing, without a word. The
        operator's command line (no actor) may link ahead of the first sync."""
        async with self._uow() as uow:
            person = await uow.roster.get(EntityKind.USERS, person_id)
        if person is None:
            raise InvalidInput(
                f"There is no roster person {person_id!r} (is the roster synced?).",
                field="person_sourced_id",
            )
