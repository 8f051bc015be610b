"""Lesson completions the BFF recorded, and where their side effects stand (decision D89)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

#: the namespace of every id the learner flow derives (results, line items, events): the same
#: completion always names the same upstream objects, so a repeat can only replace, never add
NAMESPACE = uuid.UUID("6f1c2a0e-5b7d-4e8a-9c31-1d2f3e4a5b6c")


def derived_id(*parts: object) -> str:
    return str(uuid.uuid5(NAMESPACE, "/".join(str(p) for p in parts)))


class Source(StrEnum):
    POWERPATH = "powerpath"  # a PowerPath attempt, scored by PowerPath
    ACTIVITY = "activity"  # anything else, metrics given by the caller


class ResultState(StrEnum):
    """* ``finalizing``: PowerPath is being asked to finalize; nothing recorded yet (an intent:
      a process killed here is noticed by the periodic task, which asks PowerPath).
    * ``pending``: recorded, the gradebook result not written yet.
    * ``delivered``: the result is in the gradebook.
    * ``failed``: the gradebook refused it for good (``last_error`` says why)."""

    FINALIZING = "finalizing"
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


@dataclass(frozen=True, slots=True, kw_only=True)
class Metrics:
    score: float | None = None
    accuracy: float | None = None
    correct_questions: int | None = None
    total_questions: int | None = None
    xp: float | None = None
    mastered_units: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Completion:
    id: str
    learner: str
    lesson: str
    attempt: int
    source: Source
    account_id: str
    idempotency_key: str | None
    fingerprint: str
    state: ResultState
    lesson_type: str | None = None
    course: str | None = None
    metrics: Metrics = field(default_factory=Metrics)
    result_id: str | None = None
    #: what the gradebook gets: ``{"lineItem": {...}, "result": {...}}``
    result: Mapping[str, Any] | None = None
    event_ids: Sequence[str] = ()
    #: the body a repeat of the completing request answers
    answer: Mapping[str, Any] | None = None
    attempts: int = 0
    last_error: str | None = None
    next_attempt_at: datetime | None = None
    created_at: datetime
    updated_at: datetime
    delivered_at: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredAnswer:
    """An answer given under an Idempotency-Key, replayed to a repeat of the same request."""

    account_id: str
    key: str
    fingerprint: str
    answer: Mapping[str, Any]
    created_at: datetime
