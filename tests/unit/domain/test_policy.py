"""The access policy against an in-memory roster: each role sees exactly its share."""

from __future__ import annotations

import pytest

from domain.errors import PermissionDenied
from domain.models.identity import Actor, Role
from domain.policy import (
    AccountRef,
    Action,
    Area,
    ClassRef,
    LearnerRef,
    OrgRef,
    PersonRef,
    Policy,
)
from domain.scope import (
    ClassesTakenBy,
    ClassesTaughtBy,
    DependantsOf,
    Ids,
    OrgsReachedBy,
    Scope,
    StudentsOf,
)
from tests.fakes.roster import InMemoryRosterRelations, small_district

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
def relations() -> InMemoryRosterRelations:
    return small_district()


@pytest.fixture
def policy(relations: InMemoryRosterRelations) -> Policy:
    return Policy(relations)


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


def test_scope_names_relations_and_asks_nothing(
    policy: Policy, relations: InMemoryRosterRelations
) -> None:
    """The scope is the actor's relations as terms; the store resolves them in its query."""
    assert policy.scope(actor(Role.ADMIN, None)) == Scope(everything=True)
    assert policy.scope(actor(Role.STAFF, "a1")) == Scope(
        people=(Ids.of("a1"),), orgs=(OrgsReachedBy("a1"),)
    )
    assert policy.scope(actor(Role.TEACHER, "t1")) == Scope(
        people=(Ids.of("t1"), StudentsOf(ClassesTaughtBy("t1"))), classes=(ClassesTaughtBy("t1"),)
    )
    assert policy.scope(actor(Role.GUARDIAN, "g1")) == Scope(
        people=(Ids.of("g1"), DependantsOf("g1")), classes=(ClassesTakenBy(DependantsOf("g1")),)
    )
    assert policy.scope(actor(Role.STUDENT, "st1")) == Scope(
        people=(Ids.of("st1"),), classes=(ClassesTakenBy(Ids.of("st1")),)
    )
    assert relations.questions == 0
    # equal actors, equal (and equally hashed) scopes: a cache key can be made of them
    again = policy.scope(actor(Role.TEACHER, "t1"))
    assert hash(again) == hash(policy.scope(actor(Role.TEACHER, "t1")))


async def test_scope_matches_single_decisions(
    policy: Policy, relations: InMemoryRosterRelations
) -> None:
    """A list narrowed by scope() holds exactly what single reads allow."""
    everyone = [
        actor(Role.STUDENT, "st1"),
        actor(Role.GUARDIAN, "g1"),
        actor(Role.TEACHER, "t1"),
        actor(Role.STAFF, "a1"),
        actor(Role.STAFF, "ad"),
    ]
    for who in everyone:
        scope = policy.scope(who)
        people = {p for p in PEOPLE if await relations.includes(scope, person=p)}
        classes = {c for c in CLASSES if await relations.includes(scope, class_id=c)}
        assert people == await readable_people(policy, who)
        assert classes == await readable_classes(policy, who)


async def test_a_course_is_reached_through_a_class_of_it(policy: Policy) -> None:
    t1, t3 = actor(Role.TEACHER, "t1"), actor(Role.TEACHER, "t3")
    assert await policy.reaches_course(t1, "math")  # c1
    assert not await policy.reaches_course(t1, "art")
    assert await policy.reaches_course(t3, "math")  # c3
    assert await policy.reaches_course(actor(Role.GUARDIAN, "g1"), "math")  # st1 takes c1
    assert not await policy.reaches_course(actor(Role.GUARDIAN, "g1"), "art")
    assert await policy.reaches_course(actor(Role.STUDENT, "st3"), "art")
    assert await policy.reaches_course(actor(Role.STAFF, "a1"), "art")  # c2 is at s1
    assert not await policy.reaches_course(actor(Role.STUDENT, "st3"), "nope")
    assert await policy.reaches_course(actor(Role.ADMIN, None), "nope")


async def test_a_person_asking_about_themselves_needs_no_question(
    policy: Policy, relations: InMemoryRosterRelations
) -> None:
    for who in ("t1", "st1", "g1", "a1"):
        role = {"t": Role.TEACHER, "s": Role.STUDENT, "g": Role.GUARDIAN, "a": Role.STAFF}[who[0]]
        assert await policy.allows(actor(role, who), Action.WRITE, PersonRef(who))
    assert relations.questions == 0


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
    assert policy.scope(orphan) == Scope()
    assert policy.scope(orphan).empty


async def learners(policy: Policy, who: Actor, action: Action) -> set[str]:
    return {p for p in PEOPLE if await policy.allows(who, action, LearnerRef(p))}


async def test_learning_is_read_by_the_learner_guardians_teachers_and_staff(
    policy: Policy,
) -> None:
    assert await learners(policy, actor(Role.STUDENT, "st1"), Action.READ) == {"st1"}
    assert await learners(policy, actor(Role.GUARDIAN, "g1"), Action.READ) == {"g1", "st1"}
    assert await learners(policy, actor(Role.TEACHER, "t1"), Action.READ) == {"t1", "st1", "st2"}


async def test_teachers_act_for_their_learners_guardians_only_watch(policy: Policy) -> None:
    assert await learners(policy, actor(Role.STUDENT, "st1"), Action.WRITE) == {"st1"}
    assert await learners(policy, actor(Role.GUARDIAN, "g1"), Action.WRITE) == {"g1"}
    assert await learners(policy, actor(Role.TEACHER, "t1"), Action.WRITE) == {"t1", "st1", "st2"}
    staff = actor(Role.STAFF, "a1")
    assert await learners(policy, staff, Action.WRITE) == await learners(policy, staff, Action.READ)
    read_only = actor(Role.TEACHER, "t1", can_write=False)
    assert await learners(policy, read_only, Action.WRITE) == set()
