"""An in-memory roster for policy tests: a district with two schools, classes, people and agents."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from domain.ports.roster_relations import RosterRelations


@dataclass
class InMemoryRosterRelations(RosterRelations):
    org_parent: dict[str, str | None] = field(default_factory=dict)
    person_orgs: dict[str, set[str]] = field(default_factory=dict)
    class_org: dict[str, str] = field(default_factory=dict)
    teaches: dict[str, set[str]] = field(default_factory=dict)
    enrolled: dict[str, set[str]] = field(default_factory=dict)
    agent_for: dict[str, set[str]] = field(default_factory=dict)
    questions: int = 0

    def _descendants(self, roots: set[str]) -> frozenset[str]:
        found = set(roots)
        changed = True
        while changed:
            children = {o for o, parent in self.org_parent.items() if parent in found}
            changed = not children <= found
            found |= children
        return frozenset(found)

    async def orgs_of_person(self, person_id: str) -> frozenset[str]:
        self.questions += 1
        return frozenset(self.person_orgs.get(person_id, set()))

    async def org_subtree(self, org_ids: Iterable[str]) -> frozenset[str]:
        self.questions += 1
        return self._descendants(set(org_ids))

    async def orgs_of_class(self, class_id: str) -> frozenset[str]:
        self.questions += 1
        org = self.class_org.get(class_id)
        return frozenset({org}) if org else frozenset()

    async def classes_taught_by(self, person_id: str) -> frozenset[str]:
        self.questions += 1
        return frozenset(self.teaches.get(person_id, set()))

    async def classes_of_student(self, person_id: str) -> frozenset[str]:
        self.questions += 1
        return frozenset(self.enrolled.get(person_id, set()))

    async def students_of_classes(self, class_ids: Iterable[str]) -> frozenset[str]:
        self.questions += 1
        wanted = set(class_ids)
        return frozenset(s for s, classes in self.enrolled.items() if classes & wanted)

    async def dependants_of(self, guardian_id: str) -> frozenset[str]:
        self.questions += 1
        return frozenset(self.agent_for.get(guardian_id, set()))


def small_district() -> InMemoryRosterRelations:
    """District d1 with schools s1 and s2.

    s1: class c1 (teacher t1; students st1, st2), class c2 (teacher t2; student st3)
    s2: class c3 (teacher t3; student st4)
    guardian g1 is agent for st1; staff a1 works at s1; staff ad works at the district.
    """
    return InMemoryRosterRelations(
        org_parent={"d1": None, "s1": "d1", "s2": "d1"},
        person_orgs={
            "t1": {"s1"},
            "t2": {"s1"},
            "t3": {"s2"},
            "st1": {"s1"},
            "st2": {"s1"},
            "st3": {"s1"},
            "st4": {"s2"},
            "g1": {"s1"},
            "a1": {"s1"},
            "ad": {"d1"},
        },
        class_org={"c1": "s1", "c2": "s1", "c3": "s2"},
        teaches={"t1": {"c1"}, "t2": {"c2"}, "t3": {"c3"}},
        enrolled={"st1": {"c1"}, "st2": {"c1"}, "st3": {"c2"}, "st4": {"c3"}},
        agent_for={"g1": {"st1"}},
    )
