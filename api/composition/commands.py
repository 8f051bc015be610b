"""What the ``bff`` command runs, built on the container."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from adapters.jobs.collector import collector_tuned_for_bulk_work
from api.composition.lifecycle import running
from api.composition.sandbox import seed_demo_accounts
from api.observability import configure_logging
from api.settings import Settings
from domain.models.identity import Account, NewAccount
from domain.roster.sync import SyncKind, SyncRun


async def create_account(settings: Settings, new: NewAccount) -> Account:
    async with running(settings, run_jobs=False, own_simulators=None) as container:
        return await container.accounts().create(actor=None, new=new)


async def seed(settings: Settings) -> list[str]:
    # running() seeds them (once, under the seeding lock); this lists what exists now.
    async with running(settings, run_jobs=False, own_simulators=None) as container:
        created = await seed_demo_accounts(container)
    return [f"{a.role.value:<9} {a.email}" for a in created]


async def run_worker(settings: Settings) -> None:
    """The ``bff worker`` process: runs jobs until interrupted."""
    configure_logging(level=settings.log_level, fmt=settings.log_format)
    async with running(
        settings, run_jobs=False, apply_migrations=False, seed_sandbox=False, own_simulators=False
    ) as container:
        await container.scheduler().register()
        await container.jobs.run_worker()


async def sync_roster(
    settings: Settings, *, full: bool, on_progress: Callable[[SyncRun], None]
) -> SyncRun:
    """`bff sync roster`: one run in this process; ``on_progress`` sees the run as it advances."""
    async with running(settings, run_jobs=False, own_simulators=None) as container:
        service = container.roster_sync()
        run = await service.start(SyncKind.FULL if full else SyncKind.INCREMENTAL)
        with collector_tuned_for_bulk_work():
            work = asyncio.create_task(service.run(run.id))
            while not work.done():
                async with container.uow() as uow:
                    current = await uow.roster.get_run(run.id)
                if current is not None:
                    on_progress(current)
                await asyncio.wait({work}, timeout=0.2)
            finished = await work
        on_progress(finished)
        return finished
