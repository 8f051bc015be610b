"""Delivering accepted Caliper events to TimeBack, each stored there exactly once (decision D61).

The outbox rows are the truth; a ``caliper-deliver`` job only triggers work (a kick after each
accept, and the periodic reconciler for whatever is due: back-offs, dead workers' leases). One
round takes a batch:

1. *Claim* up to ``batch`` due open events (one conditional update: a lease and a claim token).
2. Events sent before whose ingestion job is known: follow the job (``GET /jobs/{id}/status``).
3. Events sent before with no job known (the reply was lost, the send timed out, the worker died
   after sending): once ``settle`` has passed since that send, ask TimeBack for each
   (``GET /caliper/events/{externalId}``). Stored: delivered. Not stored: sent again.
4. The rest: mark them sent (committed *before* the envelope leaves), send one envelope, record
   the job id TimeBack answers, follow the job to completion, record each allocated id.

So an event is sent again only when TimeBack said it was not stored (a 429, a refusal of the
envelope, a lookup that found nothing after the settle time): never on a guess. Failures: 429
back to pending after ``Retry-After`` at least; 5xx, timeouts and lost replies in doubt; a refused
envelope marks the events TimeBack names failed with its reason and sends the others again (an
envelope refused without reasons is sent again one event at a time, so only the bad one fails).
"""

from __future__ import annotations

import asyncio
import logging
import random
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from domain.errors import UpstreamError, UpstreamRateLimited, UpstreamRejected
from domain.models.caliper_events import DeliveryState, OutboxEvent
from domain.ports import Clock, JobPayload, JobQueue, UnitOfWorkFactory
from domain.ports.caliper import (
    CaliperJob,
    CaliperRefusal,
    CaliperSink,
    Envelope,
    JobState,
    StoredEvent,
)
from domain.ports.caliper_lookup import CaliperLookup

DELIVER_JOB = "caliper-deliver"
#: delivery jobs that may run at once, each on its own batches
LANES = 2

log = logging.getLogger(__name__)


async def kick_delivery(jobs: JobQueue, lanes: int = LANES) -> None:
    """Ask for delivery now (one job per lane; a lane's job already waiting is not queued again)."""
    for lane in range(lanes):
        await jobs.enqueue(DELIVER_JOB, {"lane": lane}, dedupe_key=f"{DELIVER_JOB}:{lane}")


@dataclass(frozen=True, slots=True, kw_only=True)
class DeliveryConfig:
    sensor: str
    batch: int = 100
    lanes: int = LANES
    #: longer than one round can take (a send, the lookups and the job follow, with timeouts)
    lease: timedelta = timedelta(minutes=2)
    #: after a send of unknown outcome, how long before TimeBack is asked whether it stored the
    #: events: longer than the send's own timeout plus the time TimeBack takes to run a job
    settle: timedelta = timedelta(seconds=60)
    #: how long one round follows an ingestion job before leaving it for a later round
    job_wait: timedelta = timedelta(seconds=20)
    job_poll: timedelta = timedelta(milliseconds=500)
    backoff_base: timedelta = timedelta(seconds=2)
    backoff_max: timedelta = timedelta(minutes=5)
    #: rounds one job runs before it hands over to a fresh job (other work gets a turn)
    rounds_per_job: int = 50
    #: lookups of events in doubt asked at once
    lookups: int = 8


Sleep = Callable[[float], Awaitable[None]]


class CaliperDeliveryService:
    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        sink: CaliperSink,
        lookup: CaliperLookup,
        jobs: JobQueue,
        clock: Clock,
        config: DeliveryConfig,
        sleep: Sleep = asyncio.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self._uow = uow
        self._sink = sink
        self._lookup = lookup
        self._jobs = jobs
        self._clock = clock
        self._config = config
        self._sleep = sleep
        self._jitter = jitter
        #: after a 429, no round starts in this process before this instant
        self._paused_until: datetime | None = None

    async def run_job(self, payload: JobPayload) -> None:
        """The ``caliper-deliver`` job: rounds until nothing is due (or its share is done)."""
        for _ in range(self._config.rounds_per_job):
            if not await self.deliver_round():
                return
        await kick_delivery(self._jobs, self._config.lanes)

    async def reconcile(self) -> str:
        """The periodic task: wake delivery when anything is due (lost jobs, back-offs, leases of
        dead workers)."""
        async with self._uow() as uow:
            due = await uow.caliper_events.has_due(self._clock.now())
        if due:
            await kick_delivery(self._jobs, self._config.lanes)
        return "caliper events due" if due else "no caliper events due"

    async def deliver_round(self) -> bool:
        """One batch; False when there was nothing to claim (or TimeBack asked us to wait)."""
        now = self._clock.now()
        if self._paused_until is not None and now < self._paused_until:
            return False
        token = uuid.uuid4().hex
        async with self._uow() as uow:
            claimed = await uow.caliper_events.claim(
                token=token, now=now, lease_until=now + self._config.lease, limit=self._config.batch
            )
            await uow.commit()
        if not claimed:
            return False
        following: dict[str, list[OutboxEvent]] = {}
        unsure: list[OutboxEvent] = []
        fresh: list[OutboxEvent] = []
        for event in claimed:
            if event.sent_at is None:
                fresh.append(event)
            elif event.state is DeliveryState.SENDING and event.job_id is not None:
                following.setdefault(event.job_id, []).append(event)
            else:
                unsure.append(event)
        for job_id, events in following.items():
            await self._follow(token, job_id, events)
        fresh += await self._settle(token, unsure)
        if fresh:
            await self._send(token, fresh)
        return True

    # -- sends of unknown outcome ---------------------------------------------------------------

    async def _settle(self, token: str, events: Sequence[OutboxEvent]) -> list[OutboxEvent]:
        """Ask TimeBack about events sent before with no job known; the ones it has not stored."""
        now = self._clock.now()
        ready = [e for e in events if now >= (e.sent_at or now) + self._config.settle]
        for event in events:
            if event not in ready:
                at = (event.sent_at or now) + self._config.settle
                await self._retry([event], token, DeliveryState.IN_DOUBT, at, event.last_error)
        gate = asyncio.Semaphore(self._config.lookups)

        async def ask(event: OutboxEvent) -> StoredEvent | UpstreamError | None:
            async with gate:
                try:
                    return await self._lookup.stored(event.id)
                except UpstreamError as exc:
                    return exc

        answers = await asyncio.gather(*(ask(e) for e in ready))
        stored = {
            e.id: a.allocated_id
            for e, a in zip(ready, answers, strict=True)
            if a and not isinstance(a, UpstreamError)
        }
        await self._delivered(token, stored)
        unanswered = [
            (e, a) for e, a in zip(ready, answers, strict=True) if isinstance(a, UpstreamError)
        ]
        if unanswered:
            await self._back_off(
                [e for e, _ in unanswered], token, unanswered[0][1], DeliveryState.IN_DOUBT
            )
        return [e for e, a in zip(ready, answers, strict=True) if a is None]

    # -- sending --------------------------------------------------------------------------------

    async def _send(self, token: str, events: Sequence[OutboxEvent]) -> None:
        ids = [e.id for e in events]
        now = self._clock.now()
        async with self._uow() as uow:
            marked = await uow.caliper_events.mark_sent(ids, token=token, now=now)
            if marked != len(ids):  # the lease ran out and another worker holds some: send none
                await uow.rollback()
                return
            await uow.commit()
        envelope = Envelope(
            sensor=self._config.sensor,
            send_time=now.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            data=[e.event for e in events],
        )
        try:
            job_id = await self._sink.send(envelope)
        except UpstreamRateLimited as exc:
            # refused before anything was taken: nothing upstream, a resend is safe
            self._pause(exc.retry_after)
            await self._back_off(events, token, exc, DeliveryState.PENDING, forget_send=True)
            return
        except CaliperRefusal as exc:
            await self._refused(token, events, exc.detail, exc.reasons)
            return
        except UpstreamRejected as exc:
            await self._refused(token, events, exc.detail, {})
            return
        except Exception as exc:  # 5xx, timeout, lost reply, anything: the events may be upstream
            if not isinstance(exc, UpstreamError):
                log.exception("caliper delivery: unexpected failure while sending")
            await self._back_off(events, token, exc, DeliveryState.IN_DOUBT)
            return
        async with self._uow() as uow:
            await uow.caliper_events.record_job(ids, token=token, job_id=job_id, check_at=now)
            await uow.commit()
        await self._follow(token, job_id, events)

    async def _refused(
        self,
        token: str,
        events: Sequence[OutboxEvent],
        detail: str,
        reasons: dict[str, str],
    ) -> None:
        """TimeBack refused the envelope: nothing of it was stored."""
        named = {e.id: reasons[e.id] for e in events if e.id in reasons}
        others = [e for e in events if e.id not in named]
        if named:
            await self._failed(token, named)
        elif len(events) == 1:
            await self._failed(token, {events[0].id: detail})
            return
        elif others:
            # No event named: find the bad ones by sending each alone (the others then pass).
            for event in others:
                await self._send(token, [event])
            return
        if others:
            await self._send(token, others)

    # -- ingestion jobs -------------------------------------------------------------------------

    async def _follow(self, token: str, job_id: str, events: Sequence[OutboxEvent]) -> None:
        deadline = self._clock.now() + self._config.job_wait
        while True:
            try:
                job = await self._sink.job(job_id)
            except UpstreamError as exc:
                await self._back_off(events, token, exc, DeliveryState.SENDING)
                return
            if job.state in (JobState.COMPLETED, JobState.FAILED):
                await self._finished(token, job, events)
                return
            if self._clock.now() >= deadline:
                later = self._clock.now() + self._config.job_poll
                await self._retry(
                    events, token, DeliveryState.SENDING, later, "TimeBack's job runs"
                )
                return
            await self._sleep(self._config.job_poll.total_seconds())

    async def _finished(self, token: str, job: CaliperJob, events: Sequence[OutboxEvent]) -> None:
        if job.state is JobState.FAILED:
            reason = f"TimeBack's ingestion job {job.job_id} failed: {job.reason or 'no reason'}"
            await self._failed(token, {e.id: reason for e in events})
            return
        allocated = {s.external_id: s.allocated_id for s in job.stored}
        await self._delivered(token, {e.id: allocated[e.id] for e in events if e.id in allocated})
        missing = [e for e in events if e.id not in allocated]
        if missing:  # the job says nothing of them: ask TimeBack about each after the settle time
            ready = self._clock.now() + self._config.settle
            note = f"TimeBack's job {job.job_id} completed without naming this event"
            await self._retry(missing, token, DeliveryState.IN_DOUBT, ready, note)

    # -- outcomes -------------------------------------------------------------------------------

    async def _delivered(self, token: str, allocated: dict[str, str]) -> None:
        if not allocated:
            return
        async with self._uow() as uow:
            await uow.caliper_events.delivered(allocated, token=token, now=self._clock.now())
            await uow.commit()

    async def _failed(self, token: str, reasons: dict[str, str]) -> None:
        async with self._uow() as uow:
            await uow.caliper_events.failed(reasons, token=token, now=self._clock.now())
            await uow.commit()

    async def _retry(
        self,
        events: Sequence[OutboxEvent],
        token: str,
        state: DeliveryState,
        at: datetime,
        error: str | None,
        *,
        count: bool = False,
        forget_send: bool = False,
    ) -> None:
        async with self._uow() as uow:
            await uow.caliper_events.retry(
                [e.id for e in events],
                token=token,
                state=state,
                next_attempt_at=at,
                error=error,
                count_attempt=count,
                forget_send=forget_send,
                now=self._clock.now(),
            )
            await uow.commit()

    async def _back_off(
        self,
        events: Sequence[OutboxEvent],
        token: str,
        exc: Exception,
        state: DeliveryState,
        *,
        forget_send: bool = False,
    ) -> None:
        attempts = max(e.attempts for e in events) + 1
        retry_after = exc.retry_after if isinstance(exc, UpstreamRateLimited) else None
        at = self._clock.now() + self._delay(attempts, retry_after)
        if state is DeliveryState.IN_DOUBT:  # not asked about before the settle time
            at = max(at, self._clock.now() + self._config.settle)
        detail = exc.detail if isinstance(exc, UpstreamError) else type(exc).__name__
        await self._retry(
            events,
            token,
            state,
            at,
            f"Not delivered yet: {detail}",
            count=True,
            forget_send=forget_send,
        )

    def _delay(self, attempts: int, retry_after: float | None) -> timedelta:
        """Exponential back-off with jitter over its upper half; never sooner than the
        upstream's ``Retry-After``."""
        ceiling = min(
            self._config.backoff_max, self._config.backoff_base * 2 ** min(attempts - 1, 30)
        ).total_seconds()
        delay = ceiling * (0.5 + self._jitter() / 2)
        if retry_after is not None:
            delay = max(delay, retry_after)
        return timedelta(seconds=delay)

    def _pause(self, retry_after: float | None) -> None:
        if retry_after:
            self._paused_until = self._clock.now() + timedelta(seconds=retry_after)
