"""The in-process job runner: asyncio workers inside the API process, for the SQLite embedded mode.

Jobs live in memory only. That is enough because a job only *triggers* work: when the process dies,
the jobs it held are lost, and the reconciler (run at start and every ``reconcile_seconds``)
enqueues again whatever the database says is due.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Mapping
from dataclasses import dataclass

import structlog

from adapters.jobs.runner import JobRunner, ReconcilerSlot
from domain.ports import JobHandler, JobPayload
from domain.ports.jobs import JsonScalar

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class _Job:
    name: str
    payload: dict[str, JsonScalar]
    dedupe_key: str | None


class InProcessJobRunner(ReconcilerSlot, JobRunner):
    """``concurrency`` asyncio workers over an in-memory queue, plus a reconcile ticker.

    ``handlers`` is read at run time, so the composition root may fill it after construction.
    """

    runner_name = "inprocess"

    def __init__(
        self,
        handlers: Mapping[str, JobHandler],
        *,
        concurrency: int,
        reconcile_seconds: float,
        shutdown_timeout: float = 10.0,
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        if reconcile_seconds <= 0:
            raise ValueError("reconcile_seconds must be positive")
        self._handlers = handlers
        self._concurrency = concurrency
        self._reconcile_seconds = reconcile_seconds
        self._shutdown_timeout = shutdown_timeout
        ReconcilerSlot.__init__(self)
        self._queue: asyncio.Queue[_Job] = asyncio.Queue()
        self._waiting: set[str] = set()  # dedupe keys of queued jobs that have not started
        self._workers: list[asyncio.Task[None]] = []
        self._ticker: asyncio.Task[None] | None = None
        self._running: set[asyncio.Task[None]] = set()  # handler calls in flight
        self._stopping = asyncio.Event()

    # -- JobQueue -------------------------------------------------------------------------------

    async def enqueue(
        self, job: str, payload: JobPayload, *, dedupe_key: str | None = None
    ) -> None:
        if dedupe_key is not None:
            if dedupe_key in self._waiting:
                log.debug("job_deduplicated", job=job, dedupe_key=dedupe_key)
                return
            self._waiting.add(dedupe_key)
        self._queue.put_nowait(_Job(job, dict(payload), dedupe_key))

    # -- JobRunner ------------------------------------------------------------------------------

    @property
    def started(self) -> bool:
        return bool(self._workers)

    async def start(self) -> None:
        if self._workers:
            return
        self._stopping.clear()
        self._workers = [
            asyncio.create_task(self._work(), name=f"inprocess-job-worker-{i}")
            for i in range(self._concurrency)
        ]
        self._ticker = asyncio.create_task(self._tick(), name="inprocess-job-reconciler")
        log.info("job_runner_started", runner="inprocess", concurrency=self._concurrency)

    async def stop(self) -> None:
        if not self._workers:
            return
        self._stopping.set()  # the ticker finishes its current reconcile and leaves
        workers, self._workers = self._workers, []
        ticker, self._ticker = self._ticker, None
        pending: list[asyncio.Task[None]] = [*workers]
        if ticker is not None:
            pending.append(ticker)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(ticker), self._shutdown_timeout)
        if self._running:  # let handlers in flight finish, within bounds
            await asyncio.wait(set(self._running), timeout=self._shutdown_timeout)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        # What was still waiting is dropped: the reconciler enqueues it again after a restart.
        while not self._queue.empty():
            self._queue.get_nowait()
            self._queue.task_done()
        self._waiting.clear()
        log.info("job_runner_stopped", runner="inprocess")

    async def run_worker(self, *, install_signal_handlers: bool = True) -> None:
        """Run the workers until SIGINT/SIGTERM, cancellation or :meth:`stop`.

        When the runner was not started yet, it is started here and stopped on the way out.
        """
        started_here = not self._workers
        await self.start()
        loop = asyncio.get_running_loop()
        installed: list[signal.Signals] = []
        if install_signal_handlers:
            for sig in (signal.SIGINT, signal.SIGTERM):
                with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                    loop.add_signal_handler(sig, self._stopping.set)
                    installed.append(sig)
        try:
            await self._stopping.wait()
        finally:
            for sig in installed:
                loop.remove_signal_handler(sig)
            if started_here:
                await self.stop()

    # -- internals ------------------------------------------------------------------------------

    async def _tick(self) -> None:
        while not self._stopping.is_set():
            await self.reconcile_now()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self._reconcile_seconds)

    async def _work(self) -> None:
        while True:
            job = await self._queue.get()
            try:
                if job.dedupe_key is not None:
                    self._waiting.discard(job.dedupe_key)  # started: the same key may queue again
                if self._stopping.is_set():
                    continue
                call = asyncio.create_task(self._run(job), name=f"job {job.name}")
                self._running.add(call)
                call.add_done_callback(self._running.discard)
                try:
                    await call
                except asyncio.CancelledError:
                    current = asyncio.current_task()
                    if current is not None and current.cancelling():
                        raise  # this worker is being stopped
                    log.warning("job_cancelled", job=job.name)  # the handler cancelled itself
            finally:
                self._queue.task_done()

    async def _run(self, job: _Job) -> None:
        handler = self._handlers.get(job.name)
        if handler is None:
            log.warning("job_unknown_dropped", job=job.name)
            return
        try:
            await handler(job.payload)
        except Exception:
            log.exception("job_failed", job=job.name, payload=job.payload)
