"""An in-memory roster for policy tests: a district with two schools, classes, people and agents."""

from __future__ import annotations

from dataclasses import dataclass, field

from domain.ports.roster_relations import RosterRelations
from domain.scope import (
    ClassesTakenBy,
    ClassesTaughtBy,
    ClassTerm,
    DependantsOf,
    Ids,
    OrgsReachedBy,
    OrgTerm,
    PeopleTerm,
    Scope,
    StudentsOf,
)


@dataclass
class InMemoryRosterRelations(RosterRelations):
    """Every object here exists and is active; scope terms are evaluated in Python."""

    org_parent: dict[str, str | None] = field(default_factory=dict)
    person_orgs: dict[str, set[str]] = field(default_factory=dict)
    class_org: dict[str, str] = field(default_factory=dict)
    class_course: dict[str, str] = field(default_factory=dict)
    teaches: dict[str, set[str]] = field(default_factory=dict)
    enrolled: dict[str, set[str]] = field(default_factory=dict)
    agent_for: dict[str, set[str]] = field(default_factory=dict)
    questions: int = 0

    async def orgs_of_person(self, person_id: str) -> frozenset[str]:
        self.questions += 1
        return frozenset(self.person_orgs.get(person_id, set()))

    async def includes(
        self,
        scope: Scope,
        *,
        person: str | None = None,
        class_id: str | None = None,
        course_id: str | None = None,
        org_id: str | None = None,
    ) -> bool:
        named = [x for x in (person, class_id, course_id, org_id) if x is not None]
        if len(named) != 1:
            raise TypeError("name exactly one of person, class_id, course_id, org_id")
        self.questions += 1
        if scope.everything:
            return True
        orgs = self._orgs(scope.orgs)
        if person is not None:
            return person in self._people(scope.people) or bool(
                self.person_orgs.get(person, set()) & orgs
            )
        if org_id is not None:
            return org_id in orgs
        classes = self._classes(scope.classes) | {
            c for c, school in self.class_org.items() if school in orgs
        }
        if class_id is not None:
            return class_id in classes
        return any(self.class_course.get(c) == course_id for c in classes)

    def _people(self, terms: tuple[PeopleTerm, ...]) -> set[str]:
        found: set[str] = set()
        for term in terms:
            match term:
                case Ids(ids):
                    found |= ids
                case StudentsOf(classes):
                    wanted = self._classes((classes,))
                    found |= {s for s, taken in self.enrolled.items() if taken & wanted}
                case DependantsOf(guardian):
                    found |= self.agent_for.get(guardian, set())
        return found

    def _classes(self, terms: tuple[ClassTerm, ...]) -> set[str]:
        found: set[str] = set()
        for term in terms:
            match term:
                case Ids(ids):
                    found |= ids
                case ClassesTaughtBy(teacher):
                    found |= self.teaches.get(teacher, set())
                case ClassesTakenBy(people):
                    for student in self._people((people,)):
                        found |= self.enrolled.get(student, set())
        return found

    def _orgs(self, terms: tuple[OrgTerm, ...]) -> set[str]:
        found: set[str] = set()
        for term in terms:
            match term:
                case Ids(ids):
                    found |= ids
                case OrgsReachedBy(member):
                    found |= self._descendants(self.person_orgs.get(member, set()))
        return found

    def _descendants(self, roots: set[str]) -> set[str]:
        found = set(roots)
        changed = True
        while changed:
            children = {o for o, parent in self.org_parent.items() if parent in found}
            changed = not children <= found
            found |= children
        return found


def small_district() -> InMemoryRosterRelations:
    """District d1 with schools s1 and s2.

    s1: class c1 (teacher t1; students st1, st2), class c2 (teacher t2; student st3)
    s2: class c3 (teacher t3; student st4)
    course math: c1 and c3; course art: c2
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
        class_course={"c1": "math", "c2": "art", "c3": "math"},
        teaches={"t1": {"c1"}, "t2": {"c2"}, "t3": {"c3"}},
        enrolled={"st1": {"c1"}, "st2": {"c1"}, "st3": {"c2"}, "st4": {"c3"}},
        agent_for={"g1": {"st1"}},
    )
