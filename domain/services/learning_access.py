"""Who a learner-flow request is about, and whether the caller may read or act for them: the
learner named (or the caller), checked as every ``/v1/learning`` route checks it (D85: a student
of the roster cache first, a 422 naming ``learner`` when not; then ``LearnerRef``, a 403)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from domain.errors import InvalidInput
from domain.models.identity import Actor
from domain.policy import Action
from domain.services.learner_references import LearnerReferences


class LearnerAccess:
    def __init__(self, refs: LearnerReferences) -> None:
        self._refs = refs

    async def learner(self, actor: Actor, learner: str | None, action: Action) -> str:
        who = LearnerReferences.learner_of(actor, learner)
        await self._refs.learner(actor, who, action, field="learner")
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
