"""What the ``bff`` command runs, built on the container."""

from __future__ import annotations

from api.composition.lifecycle import running
from api.composition.sandbox import seed_demo_accounts
from api.observability import configure_logging
from api.settings import Settings
from domain.models.identity import Account, NewAccount


async def create_account(settings: Settings, new: NewAccount) -> Account:
    async with running(settings, run_jobs=False) as container:
        return await container.accounts().create(actor=None, new=new)


async def seed(settings: Settings) -> list[str]:
    async with running(settings, run_jobs=False) as container:
        created = await seed_demo_accounts(container)
    return [f"{a.role.value:<9} {a.email}" for a in created]


async def run_worker(settings: Settings) -> None:
    """The ``bff worker`` process: runs jobs until interrupted."""
    configure_logging(level=settings.log_level, fmt=settings.log_format)
    async with running(settings, run_jobs=False, apply_migrations=False) as container:
        await container.scheduler().register()
        await container.jobs.run_worker()
