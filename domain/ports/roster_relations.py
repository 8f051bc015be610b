from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol


class RosterRelations(Protocol):
    """The roster facts the access policy needs: who belongs where, teaches what, is whose agent.

    Served by the local roster cache (decision D24), so a decision is as fresh as the last sync or
    BFF write; by an in-memory fake in tests. Unknown ids give empty sets, never errors.
    """

    async def orgs_of_person(self, person_id: str) -> frozenset[str]:
        """The orgs the person belongs to directly (from their roles and org references)."""
        ...

    async def org_subtree(self, org_ids: Iterable[str]) -> frozenset[str]:
        """These orgs and every org below them: a district's staff reach its schools."""
        ...

    async def orgs_of_class(self, class_id: str) -> frozenset[str]: ...

    async def classes_taught_by(self, person_id: str) -> frozenset[str]: ...

    async def classes_of_student(self, person_id: str) -> frozenset[str]: ...

    async def students_of_classes(self, class_ids: Iterable[str]) -> frozenset[str]: ...

    async def dependants_of(self, guardian_id: str) -> frozenset[str]:
        """People this guardian is a OneRoster agent for."""
        ...
