"""Who may read and change a time log: its owner, staff over people in their orgs, admins."""

from __future__ import annotations

import pytest

from domain.models.identity import Actor, Role
from domain.policy import Action, Policy, TimeLogRef
from tests.fakes.roster import InMemoryRosterRelations


@pytest.fixture
def policy() -> Policy:
    relations = InMemoryRosterRelations(
        org_parent={"district": None, "north": "district", "south": "district"},
        person_orgs={
            "staff-north": {"north"},
            "teacher-north": {"north"},
            "teacher-south": {"south"},
            "student-north": {"north"},
        },
    )
    return Policy(relations)


def actor(account: str, role: Role, person: str | None, *, can_write: bool = True) -> Actor:
    return Actor(account_id=account, role=role, person_sourced_id=person, can_write=can_write)


NORTH_TEACHER_LOG = TimeLogRef("acct-teacher-north", "teacher-north")
SOUTH_TEACHER_LOG = TimeLogRef("acct-teacher-south", "teacher-south")


@pytest.mark.parametrize("action", [Action.READ, Action.WRITE])
async def test_owners_staff_in_the_org_and_admins_may(policy: Policy, action: Action) -> None:
    owner = actor("acct-teacher-north", Role.TEACHER, "teacher-north")
    staff = actor("acct-staff", Role.STAFF, "staff-north")
    admin = actor("acct-admin", Role.ADMIN, None)
    student = actor("acct-student", Role.STUDENT, "student-north")
    assert await policy.allows(owner, action, NORTH_TEACHER_LOG)
    assert await policy.allows(staff, action, NORTH_TEACHER_LOG)
    assert await policy.allows(admin, action, SOUTH_TEACHER_LOG)
    assert not await policy.allows(staff, action, SOUTH_TEACHER_LOG)
    assert not await policy.allows(student, action, NORTH_TEACHER_LOG)
    assert not await policy.allows(owner, action, SOUTH_TEACHER_LOG)
    # an admin's own logs have no roster person; only they and other admins reach them
    admins_log = TimeLogRef("acct-admin", None)
    assert await policy.allows(admin, action, admins_log)
    assert not await policy.allows(staff, action, admins_log)


async def test_read_only_tokens_never_write_even_their_own(policy: Policy) -> None:
    owner = actor("acct-teacher-north", Role.TEACHER, "teacher-north", can_write=False)
    assert await policy.allows(owner, Action.READ, NORTH_TEACHER_LOG)
    assert not await policy.allows(owner, Action.WRITE, NORTH_TEACHER_LOG)
