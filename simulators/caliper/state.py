"""What the Caliper simulator holds: ingestion jobs and the events they stored.

A job moves ``waiting`` -> ``active`` -> ``completed`` (or ``failed``) one step per status poll
and one step per ``step_seconds`` of simulator time, whichever comes first, as a queue worker
would get to it while the client polls. The events of a job are stored when it completes, each
as a new row with the next allocated id.

An event id sent again is stored again (decision D57): TimeBack documents no deduplication, and
its stored rows carry their own allocated ``id`` beside the event's ``externalId``, so the
simulator takes the case that loses nothing and dedupes nothing; exactly-once is the sender's
job. :meth:`CaliperState.store_counts` says how many rows each ``externalId`` has.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

JsonObject = dict[str, Any]

WAITING, ACTIVE, COMPLETED, FAILED = "waiting", "active", "completed", "failed"
#: steps from creation to a finished job: waiting (0), active (1), finished (2)
FINISHED_AT = 2
#: the properties of a stored event taken as sent (``None`` when the event had none)
STORED_PROPERTIES = (
    "type",
    "profile",
    "action",
    "eventTime",
    "actor",
    "object",
    "generated",
    "target",
    "referrer",
    "edApp",
    "group",
    "membership",
    "session",
    "federatedSession",
    "extensions",
)


@dataclass(slots=True)
class Job:
    id: str
    sensor: str
    send_time: str
    events: list[JsonObject]
    client_app_id: str | None
    created: float
    #: set when it is created: why the job will fail instead of storing its events
    fail_reason: str | None = None
    polls: int = 0
    state: str = WAITING
    results: list[JsonObject] = field(default_factory=list)
    processed_on: str | None = None
    finished_on: str | None = None

    @property
    def finished(self) -> bool:
        return self.state in (COMPLETED, FAILED)

    def to_json(self) -> JsonObject:
        job: JsonObject = {
            "id": self.id,
            "name": "caliper-events",
            "state": self.state,
            "processedOn": self.processed_on,
            "finishedOn": self.finished_on,
            "returnValue": None,
        }
        if self.state == COMPLETED:
            job["returnValue"] = {"status": "success", "results": self.results}
        elif self.state == FAILED:
            job["returnValue"] = {"status": "error", "results": []}
            job["failedReason"] = self.fail_reason
        return job


@dataclass(slots=True)
class CaliperState:
    step_seconds: float = 1.0
    events: list[JsonObject] = field(default_factory=list)
    jobs: dict[str, Job] = field(default_factory=dict)
    #: jobs not finished yet, oldest first (what :meth:`settle` walks)
    pending: list[Job] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    first_row: dict[str, JsonObject] = field(default_factory=dict)
    next_job: int = 1
    #: why each of the next accepted envelopes' jobs will fail (scripted)
    job_failures: list[str] = field(default_factory=list)

    def next_job_failure(self) -> str | None:
        return self.job_failures.pop(0) if self.job_failures else None

    def add_job(
        self,
        *,
        sensor: str,
        send_time: str,
        events: Sequence[JsonObject],
        client_app_id: str | None,
        now: float,
        fail_reason: str | None = None,
    ) -> Job:
        job = Job(
            id=str(self.next_job),
            sensor=sensor,
            send_time=send_time,
            events=list(events),
            client_app_id=client_app_id,
            created=now,
            fail_reason=fail_reason,
        )
        self.next_job += 1
        self.jobs[job.id] = job
        self.pending.append(job)
        return job

    def poll(self, job: Job, now: float) -> Job:
        """One status request: the job takes a step (at least), then says where it is."""
        if not job.finished:
            job.polls += 1
        self._advance(job, now)
        return job

    def settle(self, now: float) -> None:
        """Finish every job whose time has come, so reads see what a worker would have stored."""
        for job in list(self.pending):
            self._advance(job, now)

    def _advance(self, job: Job, now: float) -> None:
        if job.finished:
            return
        elapsed = max(0.0, now - job.created)
        steps = job.polls + (math.floor(elapsed / self.step_seconds) if self.step_seconds else 2)
        if steps >= 1 and job.processed_on is None:
            job.state, job.processed_on = ACTIVE, _iso(self._stepped(job, 1, now))
        if steps >= FINISHED_AT:
            self._finish(job, self._stepped(job, FINISHED_AT, now))

    def _stepped(self, job: Job, step: int, now: float) -> float:
        """When the job took ``step``: now if a poll made it, else when its time came."""
        if job.polls >= step or not self.step_seconds:
            return now
        return min(now, job.created + step * self.step_seconds)

    def _finish(self, job: Job, now: float) -> None:
        job.finished_on = _iso(now)
        self.pending.remove(job)
        if job.fail_reason is not None:
            job.state = FAILED
            return
        job.results = [self._store(job, event, now) for event in job.events]
        job.state = COMPLETED

    def _store(self, job: Job, event: JsonObject, now: float) -> JsonObject:
        allocated = len(self.events) + 1
        stamp = _iso(now)
        external_id = str(event["id"])
        row: JsonObject = {
            "id": allocated,
            "externalId": external_id,
            "sensor": job.sensor,
            "sendTime": job.send_time,
            **{key: event.get(key) for key in STORED_PROPERTIES},
            "created_at": stamp,
            "updated_at": stamp,
            "deleted_at": None,
            "clientAppId": job.client_app_id,
        }
        self.events.append(row)
        self.counts[external_id] += 1
        self.first_row.setdefault(external_id, row)
        return {"allocatedId": str(allocated), "externalId": external_id}

    def event(self, external_id: str) -> JsonObject | None:
        """The first row stored under an event id (a resent id has more: see the module doc)."""
        return self.first_row.get(external_id)

    def store_counts(self) -> dict[str, int]:
        return dict(self.counts)

    def summary(self) -> dict[str, object]:
        states = Counter(job.state for job in self.jobs.values())
        return {
            "events": len(self.events),
            "distinct_events": len(self.counts),
            "duplicated_events": sum(1 for n in self.counts.values() if n > 1),
            "jobs": {state: states.get(state, 0) for state in (WAITING, ACTIVE, COMPLETED, FAILED)},
        }


def _iso(seconds: float) -> str:
    return (
        datetime.fromtimestamp(seconds, UTC)
        .isoformat(timespec="milliseconds")
        .replace("+00:00", "Z")
    )
