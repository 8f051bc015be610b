"""The access policy against an in-memory roster: each role sees exactly its share."""

from __future__ import annotations

import pytest

from domain.errors import PermissionDenied
from domain.models.identity import Actor, Role
from domain.policy import AccountRef, Action, Area, ClassRef, OrgRef, PersonRef, Policy
from tests.fakes.roster import small_district

PEOPLE = ["t1", "t2", "t3", "st1", "st2", "st3", "st4", "g1", "a1", "ad"]
CLASSES = ["c1", "c2", "c3"]


def actor(role: Role, person: str | None, *, can_write: bool = True) -> Actor:
    return Actor(
        account_id=f"acc-{person or 'admin'}",
        role=role,
        person_sourced_id=person,
        can_write=can_write,
    )


@pytest.fixture
def policy() -> Policy:
    return Policy(small_district())


async def readable_people(policy: Policy, who: Actor) -> set[str]:
    return {p for p in PEOPLE if await policy.allows(who, Action.READ, PersonRef(p))}


async def readable_classes(policy: Policy, who: Actor) -> set[str]:
    return {c for c in CLASSES if await policy.allows(who, Action.READ, ClassRef(c))}


async def test_student_sees_only_themselves_and_their_classes(policy: Policy) -> None:
    st1 = actor(Role.STUDENT, "st1")
    assert await readable_people(policy, st1) == {"st1"}
    assert await readable_classes(policy, st1) == {"c1"}
    assert not await policy.allows(st1, Action.WRITE, ClassRef("c1"))


async def test_guardian_sees_themselves_and_their_dependants(policy: Policy) -> None:
    g1 = actor(Role.GUARDIAN, "g1")
    assert await readable_people(policy, g1) == {"g1", "st1"}
    assert await readable_classes(policy, g1) == {"c1"}
    assert not await policy.allows(g1, Action.WRITE, PersonRef("st1"))


async def test_teacher_sees_their_classes_and_those_students(policy: Policy) -> None:
    t1 = actor(Role.TEACHER, "t1")
    assert await readable_people(policy, t1) == {"t1", "st1", "st2"}
    assert await readable_classes(policy, t1) == {"c1"}
    assert await policy.allows(t1, Action.WRITE, ClassRef("c1"))
    assert not await policy.allows(t1, Action.WRITE, ClassRef("c2"))


async def test_staff_see_everything_in_their_orgs_and_below(policy: Policy) -> None:
    school_staff = actor(Role.STAFF, "a1")
    assert await readable_people(policy, school_staff) == {
        "t1",
        "t2",
        "st1",
        "st2",
        "st3",
        "g1",
        "a1",
    }
    assert await readable_classes(policy, school_staff) == {"c1", "c2"}
    district_staff = actor(Role.STAFF, "ad")
    assert await readable_people(policy, district_staff) == set(PEOPLE)
    assert await policy.allows(district_staff, Action.WRITE, OrgRef("s2"))


async def test_admin_sees_everything(policy: Policy) -> None:
    admin = actor(Role.ADMIN, None)
    assert await readable_people(policy, admin) == set(PEOPLE)
    assert await policy.allows(admin, Action.READ, Area.AUDIT)


async def test_scope_matches_single_decisions(policy: Policy) -> None:
    """A list narrowed by scope() holds exactly what single reads allow."""
    for who in [actor(Role.STUDENT, "st1"), actor(Role.GUARDIAN, "g1"), actor(Role.TEACHER, "t1")]:
        scope = await policy.scope(who)
        assert {p for p in PEOPLE if scope.allows_person(p)} == await readable_people(policy, who)
        assert {c for c in CLASSES if scope.allows_class(c)} == await readable_classes(policy, who)


async def test_read_only_tokens_never_write(policy: Policy) -> None:
    admin = actor(Role.ADMIN, None, can_write=False)
    assert await policy.allows(admin, Action.READ, Area.ACCOUNTS)
    assert not await policy.allows(admin, Action.WRITE, Area.ACCOUNTS)
    with pytest.raises(PermissionDenied):
        await policy.require(admin, Action.WRITE, PersonRef("st1"))


async def test_areas_and_accounts(policy: Policy) -> None:
    staff = actor(Role.STAFF, "a1")
    teacher = actor(Role.TEACHER, "t1")
    assert await policy.allows(staff, Action.READ, Area.OPERATIONS)
    assert not await policy.allows(teacher, Action.READ, Area.OPERATIONS)
    assert not await policy.allows(staff, Action.READ, Area.AUDIT)
    assert await policy.allows(teacher, Action.READ, AccountRef("acc-t1"))
    assert not await policy.allows(teacher, Action.READ, AccountRef("acc-t2"))


async def test_an_actor_without_a_person_sees_nothing_personal(policy: Policy) -> None:
    orphan = actor(Role.TEACHER, None)
    assert await readable_people(policy, orphan) == set()
    assert (await policy.scope(orphan)).people == frozenset()
