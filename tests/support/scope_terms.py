"""What a scope term stands for in a roster cache: its subquery's ids, for tests."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from adapters.db import scope_sql
from adapters.db.engine import SessionFactory
from domain.scope import (
    ClassesTakenBy,
    ClassesTaughtBy,
    ClassTerm,
    DependantsOf,
    Ids,
    OrgsReachedBy,
    OrgTerm,
    PeopleTerm,
    StudentsOf,
)


async def term_ids(sessions: SessionFactory, term: PeopleTerm | ClassTerm | OrgTerm) -> set[str]:
    """The ids ``term``'s subquery selects."""
    match term:
        case StudentsOf() | DependantsOf():
            stmt: sa.Select[Any] = scope_sql.people(term)
        case ClassesTaughtBy() | ClassesTakenBy():
            stmt = scope_sql.classes(term)
        case OrgsReachedBy():
            stmt = scope_sql.orgs(term)
        case Ids(ids):
            return set(ids)
    async with sessions() as session:
        conn = await session.connection()
        return set((await conn.execute(stmt)).scalars())
