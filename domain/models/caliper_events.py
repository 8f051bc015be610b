"""Caliper events the BFF accepted, and where each one's delivery to TimeBack stands."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any


class DeliveryState(StrEnum):
    """Where an accepted event's delivery stands (decision D61).

    * ``pending``: not sent, or known not to be stored upstream: may be sent.
    * ``sending``: a worker holds it; once ``sent_at`` is set it may be upstream, and once
      ``job_id`` is set TimeBack's ingestion job says what became of it.
    * ``in_doubt``: a send whose outcome is unknown (timeout, 5xx, lost reply): before any resend,
      TimeBack is asked whether it stored the event.
    * ``delivered``: stored upstream; ``allocated_id`` is TimeBack's id for it.
    * ``failed``: refused by TimeBack for good; ``failure_reason`` says why.
    """

    PENDING = "pending"
    SENDING = "sending"
    IN_DOUBT = "in_doubt"
    DELIVERED = "delivered"
    FAILED = "failed"


#: states with delivery work left
OPEN_STATES = frozenset({DeliveryState.PENDING, DeliveryState.SENDING, DeliveryState.IN_DOUBT})


@dataclass(frozen=True, slots=True, kw_only=True)
class OutboxEvent:
    """One accepted event: the event as it goes upstream (``event``, canonical JSON in the store,
    ``fingerprint`` its SHA-256), what lists filter on, and its delivery."""

    id: str
    event: Mapping[str, Any]
    fingerprint: str
    actor_id: str
    #: the roster person the actor is (None: an actor only an admin may name)
    person_sourced_id: str | None
    type: str
    action: str
    event_time: datetime
    #: the BFF account that sent it
    account_id: str
    accepted_at: datetime
    state: DeliveryState = DeliveryState.PENDING
    attempts: int = 0
    next_attempt_at: datetime | None = None
    sent_at: datetime | None = None
    job_id: str | None = None
    allocated_id: str | None = None
    failure_reason: str | None = None
    #: why the last attempt did not deliver, while the event is still open
    last_error: str | None = None
    delivered_at: datetime | None = None
    updated_at: datetime | None = None


def canonical_json(value: Mapping[str, Any]) -> str:
    """Sorted keys, no insignificant whitespace, text as itself (not ``\\u`` escapes)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
