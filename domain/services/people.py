"""Roster people, as far as the caller may see them."""

from __future__ import annotations

from domain.errors import NotFound
from domain.models.identity import Actor
from domain.models.roster import Person
from domain.policy import Action, PersonRef, Policy
from domain.ports.roster_directory import RosterDirectory


class PeopleService:
    def __init__(self, *, directory: RosterDirectory, policy: Policy) -> None:
        self._directory = directory
        self._policy = policy

    async def get(self, *, actor: Actor, person_id: str) -> Person:
        """One person: yourself, your dependants, your students, your orgs' people, per the policy."""
        await self._policy.require(actor, Action.READ, PersonRef(person_id))
        person = await self._directory.person(person_id)
        if person is None:
            raise NotFound(f"No person with sourcedId {person_id!r}.")
        return person
