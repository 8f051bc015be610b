"""What a caller may see, described by who they are rather than listed.

The policy (:meth:`domain.policy.Policy.scope`) says which roster relations bound a caller: a
teacher sees the classes they teach and those classes' students; a guardian their dependants and
their dependants' classes; staff the people, classes and records of the orgs they reach. A
:class:`Scope` holds those relations as *terms*, never as id sets read in advance, so a store
compiles them into its query (a subquery or join) and a list costs one statement however many
students a school has. Terms are frozen values: equal scopes compare and hash equal, which is what
a cache key (an ``ETag``) needs.

Each field is a union of its terms. ``Ids`` is a literal set, for what is known up front (the caller
themselves) and for tests.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Ids:
    """These ids, literally."""

    ids: frozenset[str]

    @classmethod
    def of(cls, *ids: str) -> Ids:
        return cls(frozenset(ids))


@dataclass(frozen=True, slots=True)
class ClassesTaughtBy:
    """The active classes an active person teaches."""

    person: str


@dataclass(frozen=True, slots=True)
class ClassesTakenBy:
    """The active classes these people are enrolled in as students."""

    people: PeopleTerm


@dataclass(frozen=True, slots=True)
class StudentsOf:
    """The active students enrolled in these classes."""

    classes: ClassTerm


@dataclass(frozen=True, slots=True)
class DependantsOf:
    """The people a guardian is a OneRoster agent for."""

    guardian: str


@dataclass(frozen=True, slots=True)
class OrgsReachedBy:
    """The orgs a person belongs to, and every org below them (a district's staff reach its
    schools)."""

    person: str


PeopleTerm = Ids | StudentsOf | DependantsOf
ClassTerm = Ids | ClassesTaughtBy | ClassesTakenBy
OrgTerm = Ids | OrgsReachedBy


@dataclass(frozen=True, slots=True, kw_only=True)
class Scope:
    """What a list may contain for an actor: everything, or the union of these people, classes and
    orgs (and what hangs from them: see the roster store's port for each kind)."""

    everything: bool = False
    people: tuple[PeopleTerm, ...] = ()
    classes: tuple[ClassTerm, ...] = ()
    orgs: tuple[OrgTerm, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.everything or self.people or self.classes or self.orgs)


EVERYTHING = Scope(everything=True)
NOTHING = Scope()
