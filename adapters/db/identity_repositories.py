"""Repositories for accounts, tokens, login throttling and the audit trail."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from adapters.db.tables import (
    AccountRow,
    ApiTokenRow,
    AuditEventRow,
    LoginFailureRow,
    RefreshTokenRow,
)
from domain.models.identity import (
    Account,
    ApiToken,
    AuditEvent,
    AuditQuery,
    Outcome,
    RefreshToken,
    Role,
    TokenScope,
)
from domain.ports.identity import (
    AccountRepository,
    ApiTokenRepository,
    AuditRepository,
    LoginThrottleRepository,
    RefreshTokenRepository,
)


def _account(row: AccountRow) -> Account:
    return Account(
        id=row.id,
        email=row.email,
        display_name=row.display_name,
        role=Role(row.role),
        person_sourced_id=row.person_sourced_id,
        password_hash=row.password_hash,
        active=row.active,
        sso_subject=row.sso_subject,
        created_at=row.created_at,
        is_demo=row.is_demo,
        token_version=row.token_version,
    )


def _account_values(account: Account) -> dict[str, object]:
    return {
        "email": account.email,
        "email_key": account.email.casefold(),
        "display_name": account.display_name,
        "role": account.role.value,
        "person_sourced_id": account.person_sourced_id,
        "password_hash": account.password_hash,
        "active": account.active,
        "sso_subject": account.sso_subject,
        "is_demo": account.is_demo,
    }


class SqlAccountRepository(AccountRepository):
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, account: Account) -> None:
        values = {"id": account.id, "created_at": account.created_at, **_account_values(account)}
        self._session.add(AccountRow.model_validate(values))
        await self._session.flush()

    async def get(self, account_id: str) -> Account | None:
        row = await self._session.get(AccountRow, account_id)
        return _account(row) if row else None

    async def by_email(self, email: str) -> Account | None:
        rows = await self._session.exec(
            select(AccountRow).where(AccountRow.email_key == email.casefold())
        )
        row = rows.first()
        return _account(row) if row else None

    async def by_sso_subject(self, subject: str) -> Account | None:
        rows = await self._session.exec(select(AccountRow).where(AccountRow.sso_subject == subject))
        row = rows.first()
        return _account(row) if row else None

    async def list(
        self, *, role: Role | None = None, limit: int = 100, offset: int = 0
    ) -> tuple[Sequence[Account], int]:
        query = select(AccountRow)
        counted = select(func.count()).select_from(AccountRow)
        if role is not None:
            query = query.where(AccountRow.role == role.value)
            counted = counted.where(col(AccountRow.role) == role.value)
        rows = await self._session.exec(
            query.order_by(col(AccountRow.email_key)).limit(limit).offset(offset)
        )
        total = (await self._session.exec(counted)).one()
        return [_account(r) for r in rows], int(total)

    async def update(self, account: Account) -> None:
        await self._session.exec(
            update(AccountRow)
            .where(col(AccountRow.id) == account.id)
            .values(**_account_values(account))
        )

    async def bump_token_version(self, account_id: str) -> None:
        await self._session.exec(
            update(AccountRow)
            .where(col(AccountRow.id) == account_id)
            .values(token_version=AccountRow.token_version + 1)
        )

    async def lock_active_admins(self) -> None:
        # In id order, so two transactions taking the same locks cannot deadlock. SQLite ignores
        # FOR UPDATE; its writers are serialised by the database lock instead.
        await self._session.exec(
            select(AccountRow.id)
            .where(col(AccountRow.role) == Role.ADMIN.value, col(AccountRow.active))
            .order_by(col(AccountRow.id))
            .with_for_update()
        )

    async def count_active_admins(self) -> int:
        counted = (
            select(func.count())
            .select_from(AccountRow)
            .where(col(AccountRow.role) == Role.ADMIN.value, col(AccountRow.active))
        )
        return int((await self._session.exec(counted)).one())

    async def any_demo(self) -> bool:
        rows = await self._session.exec(
            select(AccountRow.id).where(col(AccountRow.is_demo)).limit(1)
        )
        return rows.first() is not None


def _refresh(row: RefreshTokenRow) -> RefreshToken:
    return RefreshToken(
        id=row.id,
        account_id=row.account_id,
        family_id=row.family_id,
        token_hash=row.token_hash,
        issued_at=row.issued_at,
        expires_at=row.expires_at,
        used_at=row.used_at,
        revoked_at=row.revoked_at,
        successor=row.successor,
    )


class SqlRefreshTokenRepository(RefreshTokenRepository):
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, token: RefreshToken) -> None:
        self._session.add(
            RefreshTokenRow(**{f: getattr(token, f) for f in RefreshTokenRow.model_fields})
        )
        await self._session.flush()

    async def by_hash(self, token_hash: str) -> RefreshToken | None:
        row = (
            await self._session.exec(
                select(RefreshTokenRow)
                .where(RefreshTokenRow.token_hash == token_hash)
                # read again after a lost race: the row as committed, not as this session saw it
                .execution_options(populate_existing=True)
            )
        ).first()
        return _refresh(row) if row else None

    async def mark_used(self, token_id: str, *, at: datetime) -> bool:
        # Conditional update: of two concurrent refreshes with the same token only one wins.
        result = await self._session.exec(
            update(RefreshTokenRow)
            .where(col(RefreshTokenRow.id) == token_id, col(RefreshTokenRow.used_at).is_(None))
            .values(used_at=at)
        )
        return bool(result.rowcount)

    async def seal_successor(self, token_id: str, sealed: str) -> None:
        await self._session.exec(
            update(RefreshTokenRow)
            .where(col(RefreshTokenRow.id) == token_id)
            .values(successor=sealed)
        )

    async def forget_successors(self, *, used_before: datetime) -> int:
        result = await self._session.exec(
            update(RefreshTokenRow)
            .where(
                col(RefreshTokenRow.successor).is_not(None),
                col(RefreshTokenRow.used_at) < used_before,
            )
            .values(successor=None)
        )
        return int(result.rowcount or 0)

    async def revoke_family(self, family_id: str, *, at: datetime) -> None:
        await self._session.exec(
            update(RefreshTokenRow)
            .where(col(RefreshTokenRow.family_id) == family_id)
            .values(revoked_at=func.coalesce(RefreshTokenRow.revoked_at, at), successor=None)
        )

    async def revoke_account(self, account_id: str, *, at: datetime) -> None:
        await self._session.exec(
            update(RefreshTokenRow)
            .where(col(RefreshTokenRow.account_id) == account_id)
            .values(revoked_at=func.coalesce(RefreshTokenRow.revoked_at, at), successor=None)
        )


def _api_token(row: ApiTokenRow) -> ApiToken:
    return ApiToken(
        id=row.id,
        account_id=row.account_id,
        name=row.name,
        prefix=row.prefix,
        token_hash=row.token_hash,
        scope=TokenScope(row.scope),
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
        last_used_at=row.last_used_at,
    )


class SqlApiTokenRepository(ApiTokenRepository):
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, token: ApiToken) -> None:
        values = {f: getattr(token, f) for f in ApiTokenRow.model_fields}
        values["scope"] = token.scope.value
        self._session.add(ApiTokenRow(**values))
        await self._session.flush()

    async def by_hash(self, token_hash: str) -> ApiToken | None:
        row = (
            await self._session.exec(
                select(ApiTokenRow).where(ApiTokenRow.token_hash == token_hash)
            )
        ).first()
        return _api_token(row) if row else None

    async def get(self, token_id: str) -> ApiToken | None:
        row = await self._session.get(ApiTokenRow, token_id)
        return _api_token(row) if row else None

    async def for_account(self, account_id: str) -> Sequence[ApiToken]:
        rows = await self._session.exec(
            select(ApiTokenRow)
            .where(ApiTokenRow.account_id == account_id)
            .order_by(col(ApiTokenRow.created_at))
        )
        return [_api_token(r) for r in rows]

    async def revoke(self, token_id: str, *, at: datetime) -> None:
        await self._session.exec(
            update(ApiTokenRow)
            .where(col(ApiTokenRow.id) == token_id, col(ApiTokenRow.revoked_at).is_(None))
            .values(revoked_at=at)
        )

    async def revoke_account(self, account_id: str, *, at: datetime) -> None:
        await self._session.exec(
            update(ApiTokenRow)
            .where(col(ApiTokenRow.account_id) == account_id, col(ApiTokenRow.revoked_at).is_(None))
            .values(revoked_at=at)
        )

    async def touch(self, token_id: str, *, at: datetime) -> None:
        await self._session.exec(
            update(ApiTokenRow).where(col(ApiTokenRow.id) == token_id).values(last_used_at=at)
        )


class SqlLoginThrottleRepository(LoginThrottleRepository):
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def failures(self, key: str, *, since: datetime) -> int:
        counted = select(func.count()).where(
            col(LoginFailureRow.key) == key, col(LoginFailureRow.at) >= since
        )
        return int((await self._session.exec(counted)).one())

    async def record_failure(self, key: str, *, at: datetime) -> None:
        self._session.add(LoginFailureRow(key=key, at=at))
        await self._session.flush()

    async def oldest_failure(self, key: str, *, since: datetime) -> datetime | None:
        oldest = select(func.min(LoginFailureRow.at)).where(
            col(LoginFailureRow.key) == key, col(LoginFailureRow.at) >= since
        )
        value: datetime | None = (await self._session.exec(oldest)).one()
        return value

    async def clear(self, key: str) -> None:
        await self._session.exec(delete(LoginFailureRow).where(col(LoginFailureRow.key) == key))

    async def prune(self, *, before: datetime) -> int:
        result = await self._session.exec(
            delete(LoginFailureRow).where(col(LoginFailureRow.at) < before)
        )
        return int(result.rowcount or 0)


def _audit(row: AuditEventRow) -> AuditEvent:
    return AuditEvent(
        id=row.id,
        at=row.at,
        actor_account_id=row.actor_account_id,
        actor_role=row.actor_role,
        action=row.action,
        resource_type=row.resource_type,
        resource_id=row.resource_id,
        outcome=Outcome(row.outcome),
        status=row.status,
        request_id=row.request_id,
        client_address=row.client_address,
        detail=row.detail,
    )


class SqlAuditRepository(AuditRepository):
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def append(self, event: AuditEvent) -> None:
        values = {f: getattr(event, f) for f in AuditEventRow.model_fields if f != "id"}
        values["outcome"] = event.outcome.value
        self._session.add(AuditEventRow(**values))
        await self._session.flush()

    async def query(self, query: AuditQuery) -> tuple[Sequence[AuditEvent], int]:
        conditions = []
        if query.actor_account_id:
            conditions.append(col(AuditEventRow.actor_account_id) == query.actor_account_id)
        if query.action:
            conditions.append(col(AuditEventRow.action) == query.action)
        if query.resource_type:
            conditions.append(col(AuditEventRow.resource_type) == query.resource_type)
        if query.outcome:
            conditions.append(col(AuditEventRow.outcome) == query.outcome.value)
        if query.since:
            conditions.append(col(AuditEventRow.at) >= query.since)
        if query.until:
            conditions.append(col(AuditEventRow.at) < query.until)
        rows = await self._session.exec(
            select(AuditEventRow)
            .where(*conditions)
            .order_by(col(AuditEventRow.id).desc())
            .limit(query.limit)
            .offset(query.offset)
        )
        total = (
            await self._session.exec(
                select(func.count()).select_from(AuditEventRow).where(*conditions)
            )
        ).one()
        return [_audit(r) for r in rows], int(total)
