"""Building, starting and closing the container; migrations."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from adapters.clock import SystemClock
from adapters.db import migrations
from adapters.db.engine import make_engine, make_session_factory
from adapters.db.locks import database_lock
from adapters.db.probe import SqlDatabaseProbe, wait_until_reachable
from adapters.db.read_engine import make_read_engine
from adapters.db.roster_relations import SqlRosterRelations
from adapters.security.cipher import FernetCipher
from adapters.security.common_passwords import ZxcvbnCommonPasswords
from adapters.security.passwords import Argon2PasswordHasher
from adapters.security.tokens import JwtAccessTokenCodec
from api.composition.container import ROSTER_SYNC_TASK, Container, job_runner
from api.composition.sandbox import (
    connect_demo_tracker,
    refuse_demo_accounts_in_production,
    sandbox_simulators,
    seed_demo_accounts,
)
from api.composition.upstreams import connect_upstreams
from api.settings import Settings
from domain.ports import JobHandler
from domain.services.caliper_delivery import DELIVER_JOB
from domain.services.lms_provisioning import LMS_LINK_RUN_JOB
from domain.services.scheduling import PERIODIC_JOB
from domain.services.sync_admin import ROSTER_SYNC_JOB
from domain.services.time_logs import PUSH_JOB

SANDBOX_SEED_LOCK = "sandbox-demo-data"


MIGRATION_LOCK = "migrations"


async def migrate(settings: Settings) -> None:
    """Apply pending migrations; processes started together (two sandbox APIs, compose's
    ``bff migrate`` beside another) take turns instead of racing to create the same tables."""
    engine = make_engine(settings.database.url, pool_size=1)
    try:
        async with database_lock(engine, MIGRATION_LOCK):
            await asyncio.to_thread(migrations.upgrade_if_behind, settings.database.url)
    finally:
        await engine.dispose()


@asynccontextmanager
async def running(
    settings: Settings,
    *,
    run_jobs: bool = True,
    apply_migrations: bool | None = None,
    seed_sandbox: bool = True,
    own_simulators: bool | None = True,
) -> AsyncIterator[Container]:
    """Build the container, start background work if asked, and close everything on exit.

    Sandbox mode applies migrations at start so the first README command needs nothing else;
    production expects ``bff migrate`` to have run (a deploy step) and ``/ready`` says if not.
    Only the API seeds the sandbox's demo data (``seed_sandbox``), under a database-wide lock so
    that APIs started together seed it once. ``own_simulators`` (sandbox): whether this process
    may run simulators of its own (see ``sandbox_simulators``; D47).
    """
    engine = make_engine(
        settings.database.url, echo=settings.database.echo, pool_size=settings.database.pool_size
    )
    sims = (
        await sandbox_simulators(settings, own=own_simulators)
        if settings.mode == "sandbox"
        else None
    )
    upstreams = connect_upstreams(settings, sims)
    handlers: dict[str, JobHandler] = {}
    auth = settings.auth
    sessions = make_session_factory(engine)
    reads = make_read_engine(engine, pool_size=settings.database.pool_size)
    container = Container(
        settings=settings,
        engine=engine,
        reads=reads,
        sessions=sessions,
        clock=SystemClock(),
        http=upstreams.http,
        probes=upstreams.probes,
        jobs=job_runner(settings, handlers),
        simulators=sims,
        hasher=Argon2PasswordHasher(
            time_cost=auth.password_time_cost, memory_kib=auth.password_memory_kib
        ),
        codec=JwtAccessTokenCodec(
            keys={kid: key.get_secret_value() for kid, key in auth.signing_keys.items()},
            active_key_id=auth.active_key_id,
            issuer=auth.issuer,
            audience=auth.audience,
        ),
        cipher=FernetCipher([k.get_secret_value() for k in auth.encryption_keys]),
        common_passwords=ZxcvbnCommonPasswords(),
        relations=SqlRosterRelations(sessions),
        identity_provider=upstreams.identity_provider,
        database_probe=SqlDatabaseProbe(engine, settings.database.url),
        handlers=handlers,
        trackers=upstreams.trackers,
    )
    scheduler = container.scheduler()
    handlers[PERIODIC_JOB] = scheduler.run
    handlers[ROSTER_SYNC_JOB] = container.roster_sync().run_job
    handlers[PUSH_JOB] = container.time_log_sync().run_job
    handlers[LMS_LINK_RUN_JOB] = container.lms_provisioner().handle
    handlers[DELIVER_JOB] = container.caliper_delivery().run_job
    container.jobs.set_reconciler(scheduler.reconcile)
    try:
        await wait_until_reachable(engine)
        if apply_migrations if apply_migrations is not None else settings.mode == "sandbox":
            await migrate(settings)
        if settings.mode == "sandbox" and seed_sandbox:
            # APIs started together on a fresh database would both find no demo accounts and
            # both create them; the second then fails on the unique email.
            async with database_lock(engine, SANDBOX_SEED_LOCK):
                await seed_demo_accounts(container)
                await connect_demo_tracker(container)
        elif settings.mode != "sandbox":
            await refuse_demo_accounts_in_production(container)
        if run_jobs:
            await scheduler.register()
            if settings.mode == "sandbox" and seed_sandbox:
                # The policy reads the roster cache: the demo accounts' first requests need it
                # filled. Running the periodic task's first run here, before any job starts, claims
                # it, so it is not repeated at once (and PostgreSQL's API process runs no jobs).
                await scheduler.run({"task": ROSTER_SYNC_TASK})
            await container.jobs.start()
        yield container
    finally:
        await container.jobs.stop()
        await upstreams.aclose()
        await reads.dispose()
        await engine.dispose()
