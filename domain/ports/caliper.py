"""TimeBack's Caliper endpoint, as the event outbox's delivery needs it.

Delivery sends a batch of stored events as one envelope and follows the ingestion job TimeBack
answers with until it completes, to learn the id TimeBack allocated to each event.

Errors: adapters raise the domain's ``UpstreamUnavailable`` (5xx, timeouts: retry later),
``UpstreamRateLimited`` (429, with ``retry_after``) and ``UpstreamRejected`` (the envelope was
refused for good: the message names why; TimeBack's per-event reasons in ``CaliperRefusal``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from domain.errors import UpstreamRejected


class JobState(StrEnum):
    WAITING = "waiting"
    ACTIVE = "active"
    COMPLETED = "completed"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """What TimeBack stored for one event: its id there and the event's own id (``externalId``)."""

    allocated_id: str
    external_id: str


@dataclass(frozen=True, slots=True)
class CaliperJob:
    """An ingestion job: its state, and once completed the ids TimeBack allocated."""

    job_id: str
    state: JobState
    stored: Sequence[StoredEvent] = ()
    #: why a failed job failed, as TimeBack says it
    reason: str | None = None


class CaliperRefusal(UpstreamRejected):
    """TimeBack refused the envelope; ``reasons`` maps event ids to why, when it says per event."""

    def __init__(
        self, detail: str, *, upstream: str, reasons: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(detail, upstream=upstream)
        self.reasons: dict[str, str] = dict(reasons or {})


@dataclass(frozen=True, slots=True)
class Envelope:
    """A Caliper envelope as sent upstream: ``sensor``, ``sendTime`` and the events (JSON objects)."""

    sensor: str
    send_time: str
    data: Sequence[Mapping[str, Any]] = field(default_factory=tuple)


class CaliperSink(Protocol):
    async def send(self, envelope: Envelope) -> str:
        """Send one envelope (``POST /caliper/event``); the ingestion job's id."""
        ...

    async def job(self, job_id: str) -> CaliperJob:
        """The ingestion job's state (``GET /jobs/{id}/status``)."""
        ...
