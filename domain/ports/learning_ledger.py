"""The completion ledger: one row per completed attempt (learner, lesson, attempt, source), its
Idempotency-Key and fingerprint, the answer to replay, and its gradebook result's delivery; and
answers given under an Idempotency-Key.

Delivery works through leases, as the Caliper outbox does (decision D61): a worker claims due
rows with one conditional update that moves ``next_attempt_at`` past its attempt and stamps its
token; later writes name the token, so a worker whose lease ran out changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from domain.models.learning import Completion, ResultState, StoredAnswer


class CompletionLedger(Protocol):
    async def get(self, completion_id: str) -> Completion | None: ...

    async def by_key(self, account_id: str, key: str) -> Completion | None: ...

    async def for_lesson(self, learner: str, lesson: str) -> Sequence[Completion]:
        """Oldest attempt first."""
        ...

    async def begin(self, completion: Completion, *, token: str) -> Completion | None:
        """Store ``completion`` (state ``finalizing``, leased by ``token``) unless its id is
        taken; then store nothing and return the row that holds it."""
        ...

    async def record(self, completion: Completion, *, token: str) -> Completion | None:
        """Store the recorded completion (leased by ``token`` for its first delivery): a new row,
        or the ``finalizing`` row of the same id. When the id is already recorded, change
        nothing and return that row."""
        ...

    async def forget(self, completion_id: str, *, token: str) -> bool:
        """Drop a ``finalizing`` row held by ``token`` (PowerPath never finalized)."""
        ...

    async def claim(
        self, *, token: str, now: datetime, lease_until: datetime, limit: int
    ) -> Sequence[Completion]:
        """Due ``pending`` and ``finalizing`` rows (their lease run out), leased to ``token``."""
        ...

    async def settle(
        self,
        completion_id: str,
        *,
        token: str,
        state: ResultState,
        error: str | None,
        next_attempt_at: datetime | None,
        now: datetime,
    ) -> bool: ...

    async def stored_answer(self, account_id: str, key: str) -> StoredAnswer | None: ...

    async def store_answer(self, answer: StoredAnswer) -> StoredAnswer | None:
        """Store unless the key is taken; then return the answer stored under it."""
        ...
