"""The procrastinate job runner: a PostgreSQL queue shared by any number of worker processes.

The API process only defers jobs (``start`` opens a small connection pool). ``bff worker`` processes
call :meth:`ProcrastinateJobRunner.run_worker`, which runs the jobs and, through a procrastinate
periodic task, the reconciler. Running many workers on many machines is safe:

- procrastinate defers each periodic tick once (a unique row per tick in its own table), so the
  reconciler runs about once per tick across the whole fleet, not once per worker;
- :meth:`enqueue` passes the dedupe key as procrastinate's ``queueing_lock``, so a second job with
  the same key is not queued while the first one still waits;
- and even when the same work is delivered twice, the handler finds out from the database whether
  anything is left to do (the scheduler's conditional claim).

procrastinate's tables live in the ``procrastinate`` PostgreSQL schema (Alembic revision 0002), so
every connection of this runner sets ``search_path=procrastinate``.
"""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import Mapping
from typing import Any

import procrastinate
import structlog
from procrastinate import exceptions as procrastinate_exceptions
from procrastinate.jobs import DeleteJobCondition
from psycopg import pq
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from sqlalchemy.engine import make_url

from adapters.db.errors import storage_errors
from adapters.jobs.collector import collector_tuned_for_bulk_work
from adapters.jobs.runner import JobRunner, ReconcilerSlot
from domain.ports import JobHandler, JobPayload

log = structlog.get_logger(__name__)

SCHEMA = "procrastinate"
RUN_JOB_TASK = "bff.run_job"
RECONCILE_TASK = "bff.reconcile"

# asyncpg spells "sslmode" as "ssl" and also accepts booleans there.
_SSL_MODES = {"true": "require", "1": "require", "false": "disable", "0": "disable"}


def conninfo_from_url(sqlalchemy_url: str) -> str:
    """A libpq conninfo string for the database of a SQLAlchemy URL (``postgresql+asyncpg://...``).

    Query parameters libpq knows are kept, asyncpg's ``ssl`` becomes ``sslmode``, and driver-only
    parameters (``prepared_statement_cache_size``...) are dropped.
    """
    url = make_url(sqlalchemy_url)
    if url.get_backend_name() != "postgresql":
        raise ValueError(f"procrastinate needs PostgreSQL, not {url.get_backend_name()!r}")
    known = {opt.keyword.decode() for opt in pq.Conninfo.get_defaults()}
    params: dict[str, str | int] = {}
    for key, value in url.query.items():
        text = value if isinstance(value, str) else value[-1]
        if key == "ssl":
            params.setdefault("sslmode", _SSL_MODES.get(text.lower(), text))
        elif key in known:
            params[key] = text
    if url.host:
        params["host"] = url.host
    if url.port:
        params["port"] = url.port
    if url.database:
        params["dbname"] = url.database
    if url.username:
        params["user"] = url.username
    if url.password is not None:
        params["password"] = str(url.password)
    return make_conninfo("", **params)


def with_search_path(conninfo: str, schema: str = SCHEMA) -> str:
    """``conninfo`` with ``-c search_path=<schema>`` added to its server ``options``."""
    options = conninfo_to_dict(conninfo).get("options")
    extra = f"-c search_path={schema}"
    return make_conninfo(conninfo, options=f"{options} {extra}" if options else extra)


def reconcile_cron(seconds: float) -> str:
    """A cron line (procrastinate's optional 6th column is seconds) close to every ``seconds``."""
    step = max(1, round(seconds))
    if step < 60:
        return f"* * * * * */{step}"
    minutes = round(step / 60)
    if minutes < 60:
        return f"*/{minutes} * * * *"
    return "0 * * * *"


class ProcrastinateJobRunner(ReconcilerSlot, JobRunner):
    """One procrastinate task, ``bff.run_job(job, payload)``, dispatches to ``handlers[job]``.

    ``handlers`` is read at run time, so the composition root may fill it after construction.
    """

    runner_name = "procrastinate"

    def __init__(
        self,
        conninfo: str,
        handlers: Mapping[str, JobHandler],
        *,
        concurrency: int,
        reconcile_seconds: float,
        shutdown_timeout: float = 30.0,
        pool_max_size: int | None = None,
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
        self._open = False
        self._stopped = False  # stop() ran: enqueue no longer reopens the pool
        self._open_lock = asyncio.Lock()
        self._workers: set[asyncio.Task[None]] = set()
        connector = procrastinate.PsycopgConnector(
            conninfo=with_search_path(conninfo),
            min_size=1,
            max_size=pool_max_size or max(4, concurrency + 2),
        )
        self.app = procrastinate.App(connector=connector)
        self._run_job_task = self.app.task(name=RUN_JOB_TASK)(self._run_job)
        reconcile_task = self.app.task(name=RECONCILE_TASK, queueing_lock=RECONCILE_TASK)(
            self._reconcile_tick
        )
        self.app.periodic(cron=reconcile_cron(reconcile_seconds), periodic_id="reconcile")(
            reconcile_task
        )

    # -- JobQueue -------------------------------------------------------------------------------

    async def enqueue(
        self, job: str, payload: JobPayload, *, dedupe_key: str | None = None
    ) -> None:
        if not self._open:
            if self._stopped:  # shutting down: the reconciler enqueues it again later
                log.warning("job_dropped_runner_stopped", job=job, dedupe_key=dedupe_key)
                return
            with storage_errors():
                await self.start()
        try:
            with storage_errors():
                await self._run_job_task.configure(queueing_lock=dedupe_key).defer_async(
                    job=job, payload=dict(payload)
                )
        except procrastinate_exceptions.AlreadyEnqueued:
            log.debug("job_deduplicated", job=job, dedupe_key=dedupe_key)

    # -- JobRunner ------------------------------------------------------------------------------

    async def start(self) -> None:
        async with self._open_lock:
            self._stopped = False
            if not self._open:
                await self.app.open_async()
                self._open = True
                log.info("job_runner_started", runner="procrastinate")

    async def stop(self) -> None:
        workers = [t for t in self._workers if t is not asyncio.current_task()]
        for task in workers:
            task.cancel()  # procrastinate stops gracefully on cancel: running jobs finish first
        if workers:
            await asyncio.gather(*workers, return_exceptions=True)
        async with self._open_lock:
            self._stopped = True
            if self._open:
                await self.app.close_async()
                self._open = False
                log.info("job_runner_stopped", runner="procrastinate")

    async def run_worker(
        self, *, install_signal_handlers: bool = True, drain: bool = False
    ) -> None:
        """Run jobs, and the reconciler every ``reconcile_seconds``, until stopped.

        Stops on SIGINT/SIGTERM (when ``install_signal_handlers``), on cancellation and on
        :meth:`stop`; jobs already running get ``shutdown_timeout`` seconds to finish. With
        ``drain``, it returns once no job is waiting (after reconciling once).
        """
        opened_here = not self._open
        await self.start()
        try:
            await self.reconcile_now()  # at once; the periodic task takes over from here
            if not self._open:
                return  # stop() ran meanwhile
            worker = asyncio.create_task(
                self.app.run_worker_async(
                    name=f"bff@{socket.gethostname()}:{os.getpid()}",
                    concurrency=self._concurrency,
                    wait=not drain,
                    install_signal_handlers=install_signal_handlers,
                    delete_jobs=DeleteJobCondition.SUCCESSFUL,
                    shutdown_graceful_timeout=self._shutdown_timeout,
                ),
                name="procrastinate-worker",
            )
            self._workers.add(worker)
            try:
                await worker
            except asyncio.CancelledError:
                current = asyncio.current_task()
                if current is not None and current.cancelling():
                    raise
                # stopped through stop(): a normal end, not a cancellation of our caller
            finally:
                self._workers.discard(worker)
        finally:
            if opened_here:
                await self.stop()

    # -- procrastinate tasks --------------------------------------------------------------------

    async def _run_job(self, job: str, payload: dict[str, Any]) -> None:
        handler = self._handlers.get(job)
        if handler is None:
            log.warning("job_unknown_dropped", job=job)
            return
        try:
            with collector_tuned_for_bulk_work():  # jobs are the bulk work (roster syncs)
                await handler(payload)
        except Exception:
            log.exception("job_failed", job=job, payload=payload)
            raise  # procrastinate records the job as failed; the reconciler decides what is due

    async def _reconcile_tick(self, timestamp: int) -> None:
        await self.reconcile_now()
