"""A learner named by each step of a lesson is looked up in the roster cache once a while, not
once a step; the policy is asked every time."""

from __future__ import annotations

from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self

import pytest

from domain.errors import NotFound, PermissionDenied
from domain.models.identity import Actor, Role
from domain.policy import Action, Policy
from domain.roster.entities import EntityKind, RosterRecord, UserRole
from domain.services import learner_references
from domain.services.learner_references import LearnerReferences
from tests.fakes.roster import InMemoryRosterRelations, small_district


class _Users:
    def __init__(self, people: dict[str, str], lookups: list[str]) -> None:
        self._people = people
        self._lookups = lookups

    async def get(self, kind: EntityKind, sourced_id: str) -> RosterRecord | None:
        self._lookups.append(sourced_id)
        role = self._people.get(sourced_id)
        if kind is not EntityKind.USERS or role is None:
            return None
        return RosterRecord(
            kind=kind,
            sourced_id=sourced_id,
            status="active",
            date_last_modified=datetime(2026, 1, 1, tzinfo=UTC),
            payload={"sourcedId": sourced_id},
            roles=(UserRole(role=role, org_id="s1"),),
        )


class _Uow:
    def __init__(self, people: dict[str, str], lookups: list[str]) -> None:
        self.roster = _Users(people, lookups)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None


@pytest.fixture
def relations() -> InMemoryRosterRelations:
    return small_district()


def refs(
    relations: InMemoryRosterRelations, people: dict[str, str], lookups: list[str]
) -> LearnerReferences:
    def uow() -> Any:
        return _Uow(people, lookups)

    return LearnerReferences(uow=uow, policy=Policy(relations), relations=relations)


def actor(role: Role, person: str) -> Actor:
    return Actor(account_id=f"acc-{person}", role=role, person_sourced_id=person, can_write=True)


async def test_a_student_is_looked_up_once_the_policy_every_time(
    relations: InMemoryRosterRelations,
) -> None:
    lookups: list[str] = []
    checked = refs(relations, {"st1": "student", "t1": "teacher"}, lookups)
    for _ in range(5):
        await checked.learner(actor(Role.STUDENT, "st1"), "st1", Action.WRITE)
    assert lookups == ["st1"]
    # remembered as a student, still refused to whoever may not act for them
    with pytest.raises(PermissionDenied):
        await checked.learner(actor(Role.STUDENT, "st2"), "st1", Action.WRITE)
    with pytest.raises(PermissionDenied):
        await checked.learner(actor(Role.GUARDIAN, "g1"), "st1", Action.WRITE)
    assert lookups == ["st1"]


async def test_who_is_no_student_is_asked_about_each_time(
    relations: InMemoryRosterRelations,
) -> None:
    lookups: list[str] = []
    checked = refs(relations, {"t1": "teacher"}, lookups)
    for _ in range(2):
        with pytest.raises(NotFound):
            await checked.learner(actor(Role.TEACHER, "t1"), "t1", Action.READ)
        with pytest.raises(NotFound):
            await checked.learner(actor(Role.TEACHER, "t1"), "nobody", Action.READ)
    assert lookups == ["t1", "nobody", "t1", "nobody"]


async def test_a_student_is_looked_up_again_after_a_while(
    relations: InMemoryRosterRelations, monkeypatch: pytest.MonkeyPatch
) -> None:
    lookups: list[str] = []
    people = {"st1": "student"}
    checked = refs(relations, people, lookups)
    now = [1000.0]
    monkeypatch.setattr("domain.services.learner_references.time.monotonic", lambda: now[0])
    await checked.learner(actor(Role.STUDENT, "st1"), "st1", Action.READ)
    now[0] += learner_references.STUDENT_TTL_SECONDS + 1
    del people["st1"]  # left the roster since
    with pytest.raises(NotFound):
        await checked.learner(actor(Role.STUDENT, "st1"), "st1", Action.READ)
    assert lookups == ["st1", "st1"]
