"""Who a learning request is about, and whether the caller may read or act for them: the
learner named (or the caller), ``LearnerRef`` under the policy, then the roster cache (D90)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from domain.errors import InvalidInput, NotFound
from domain.models.identity import Actor
from domain.policy import Action, LearnerRef, Policy
from domain.ports import UnitOfWorkFactory
from domain.roster.entities import EntityKind


class LearnerAccess:
    def __init__(self, *, uow: UnitOfWorkFactory, policy: Policy) -> None:
        self._uow = uow
        self._policy = policy

    async def learner(
        self, actor: Actor, learner: str | None, action: Action, *, in_body: bool
    ) -> str:
        """The learner's sourcedId. Reach before existence (D38): a caller who may not act for
        the person named is refused before being told whether they exist."""
        who = learner or actor.person_sourced_id
        if not who:
            raise InvalidInput(
                "Name the learner: this account is no roster person.", field="learner"
            )
        await self._policy.require(actor, action, LearnerRef(who))
        async with self._uow() as uow:
            known = await uow.roster.get(EntityKind.USERS, who) is not None
        if not known:
            message = f"No learner with sourcedId '{who}'."
            raise InvalidInput(message, field="learner") if in_body else NotFound(message)
        return who


def replayed(first: str, now: str, answer: Mapping[str, Any]) -> Mapping[str, Any]:
    """The first answer under an Idempotency-Key, when the repeat is the same request."""
    if first != now:
        raise InvalidInput(
            "This Idempotency-Key was already used for a different request; "
            "use a new key for a new request.",
            field="Idempotency-Key",
        )
    return answer
