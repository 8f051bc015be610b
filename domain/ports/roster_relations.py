from __future__ import annotations

from typing import Protocol

from domain.scope import Scope


class RosterRelations(Protocol):
    """The roster facts the access policy needs: who belongs where, and what a scope reaches.

    Served by the local roster cache (decision D24), so a decision is as fresh as the last sync or
    BFF write; by an in-memory fake in tests. Unknown ids give empty sets or False, never errors.
    """

    async def orgs_of_person(self, person_id: str) -> frozenset[str]:
        """The orgs the person belongs to directly (from their roles and org references)."""
        ...

    async def includes(
        self,
        scope: Scope,
        *,
        person: str | None = None,
        class_id: str | None = None,
        course_id: str | None = None,
        org_id: str | None = None,
    ) -> bool:
        """Whether ``scope`` reaches the one thing named (exactly one keyword), in one question:

        * a person: one of its people, or an active person with a role at one of its orgs;
        * a class: one of its classes, or an active class whose school is one of its orgs;
        * a course: an active class of that course that the scope reaches, as a class above;
        * an org: one of its orgs.
        """
        ...
