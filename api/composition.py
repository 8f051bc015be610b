"""The composition root: the one module in ``api`` that imports adapters and wires them to ports.

``create_app`` (HTTP) and the ``bff`` CLI both build a :class:`Container` here. Nothing is built at
import time; everything built is closed by :func:`running`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta

import httpx
import structlog
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.appsembler.client import AppsemblerProbe, make_appsembler_client
from adapters.clock import SystemClock
from adapters.db import migrations
from adapters.db.engine import SessionFactory, make_engine, make_session_factory
from adapters.db.probe import SqlDatabaseProbe, wait_until_reachable
from adapters.db.uow import SqlUnitOfWork
from adapters.jobs.inprocess import InProcessJobRunner
from adapters.jobs.procrastinate_runner import ProcrastinateJobRunner, conninfo_from_url
from adapters.jobs.runner import JobRunner
from adapters.simulation.sandbox import SandboxSimulators
from adapters.timeback.client import TimebackProbe, make_timeback_client
from adapters.zoho.client import ZohoProbe, make_zoho_accounts_client
from api.settings import Settings, is_simulated
from domain.ports import Clock, JobHandler, UnitOfWork, UpstreamProbe
from domain.services.scheduling import PERIODIC_JOB, Scheduler, TaskSpec
from domain.services.system import SystemService

log = structlog.get_logger(__name__)

UPSTREAM_CHECK_TASK = "upstream-health"


@dataclass
class Container:
    """Everything long-lived that a request or a job needs, built once per process."""

    settings: Settings
    engine: AsyncEngine
    sessions: SessionFactory
    clock: Clock
    http: dict[str, httpx.AsyncClient]
    probes: list[UpstreamProbe]
    jobs: JobRunner
    simulators: SandboxSimulators | None
    handlers: dict[str, JobHandler] = field(default_factory=dict)

    def uow(self) -> UnitOfWork:
        return SqlUnitOfWork(self.sessions)

    def system(self) -> SystemService:
        return SystemService(
            database=SqlDatabaseProbe(self.engine, self.settings.database.url),
            upstreams=self.probes,
            uow=self.uow,
        )

    def scheduler(self) -> Scheduler:
        return Scheduler(
            uow=self.uow,
            jobs=self.jobs,
            clock=self.clock,
            tasks=[
                TaskSpec(
                    name=UPSTREAM_CHECK_TASK,
                    interval=timedelta(seconds=self.settings.jobs.upstream_check_seconds),
                    work=self.system().check_upstreams,
                )
            ],
        )


def _transport(settings: Settings, url: str, sims: SandboxSimulators | None) -> httpx.AsyncBaseTransport | None:
    if sims is not None and is_simulated(url):
        return sims.transport()
    return None


def _upstream_clients(
    settings: Settings, sims: SandboxSimulators | None
) -> tuple[dict[str, httpx.AsyncClient], list[UpstreamProbe]]:
    tb, ap, zo = settings.timeback, settings.appsembler, settings.zoho
    timeback = make_timeback_client(
        base_url=tb.base_url,
        token_url=tb.token_url,
        client_id=tb.client_id,
        client_secret=tb.client_secret.get_secret_value(),
        timeout=tb.timeout_seconds,
        transport=_transport(settings, tb.base_url, sims),
    )
    appsembler = make_appsembler_client(
        base_url=ap.base_url,
        client_id=ap.client_id,
        client_secret=ap.client_secret.get_secret_value(),
        timeout=ap.timeout_seconds,
        transport=_transport(settings, ap.base_url, sims),
    )
    zoho = make_zoho_accounts_client(
        accounts_url=zo.accounts_url,
        timeout=zo.timeout_seconds,
        transport=_transport(settings, zo.accounts_url, sims),
    )
    probes: list[UpstreamProbe] = [
        TimebackProbe(timeback, client_id=tb.client_id, secret_set=bool(tb.client_secret.get_secret_value())),
        AppsemblerProbe(appsembler, client_id=ap.client_id, secret_set=bool(ap.client_secret.get_secret_value())),
        ZohoProbe(zoho, client_id=zo.client_id, secret_set=bool(zo.client_secret.get_secret_value())),
    ]
    return {"timeback": timeback, "appsembler": appsembler, "zoho": zoho}, probes


def _job_runner(settings: Settings, handlers: dict[str, JobHandler]) -> JobRunner:
    if settings.jobs_backend == "procrastinate":
        return ProcrastinateJobRunner(
            conninfo_from_url(settings.database.url),
            handlers,
            concurrency=settings.jobs.concurrency,
            reconcile_seconds=settings.jobs.reconcile_seconds,
        )
    return InProcessJobRunner(
        handlers,
        concurrency=settings.jobs.concurrency,
        reconcile_seconds=settings.jobs.reconcile_seconds,
    )


async def migrate(settings: Settings) -> None:
    await asyncio.to_thread(migrations.upgrade, settings.database.url)


@asynccontextmanager
async def running(
    settings: Settings, *, run_jobs: bool = True, apply_migrations: bool | None = None
) -> AsyncIterator[Container]:
    """Build the container, start background work if asked, and close everything on exit.

    Sandbox mode applies migrations at start so the first README command needs nothing else;
    production expects ``bff migrate`` to have run (a deploy step) and ``/ready`` says if not.
    """
    engine = make_engine(
        settings.database.url, echo=settings.database.echo, pool_size=settings.database.pool_size
    )
    sims = (
        SandboxSimulators.seeded(
            seed=settings.sandbox.seed, users=settings.sandbox.users, classes=settings.sandbox.classes
        )
        if settings.mode == "sandbox"
        else None
    )
    http, probes = _upstream_clients(settings, sims)
    handlers: dict[str, JobHandler] = {}
    container = Container(
        settings=settings,
        engine=engine,
        sessions=make_session_factory(engine),
        clock=SystemClock(),
        http=http,
        probes=probes,
        jobs=_job_runner(settings, handlers),
        simulators=sims,
        handlers=handlers,
    )
    scheduler = container.scheduler()
    handlers[PERIODIC_JOB] = scheduler.run
    container.jobs.set_reconciler(scheduler.reconcile)
    try:
        await wait_until_reachable(engine)
        if apply_migrations if apply_migrations is not None else settings.mode == "sandbox":
            await migrate(settings)
        if run_jobs:
            await scheduler.register()
            await container.jobs.start()
        yield container
    finally:
        await container.jobs.stop()
        for client in http.values():
            await client.aclose()
        await engine.dispose()
