"""Sandbox demo data is seeded once, however many processes start together on one database."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from adapters.zoho.upstream import ZohoSettings
from api import composition
from api.composition import demo_accounts
from domain.models.identity import Role
from simulators.kit.server import serve_in_thread
from simulators.zoho.app import ZohoSimulator
from tests.conftest import make_settings, pg_database


@pytest.mark.postgres
async def test_two_apis_starting_together_seed_the_demo_accounts_once(pg_template: str) -> None:
    with pg_database(template=pg_template) as url:
        settings = make_settings(url)

        async def start() -> None:
            # what each `bff serve` does at start, jobs aside: seed accounts, connect the tracker
            async with composition.running(settings, run_jobs=False):
                pass

        results = await asyncio.gather(start(), start(), start(), return_exceptions=True)
        assert [r for r in results if r is not None] == []
        engine = create_async_engine(url)
        try:
            async with engine.connect() as conn:
                emails = (await conn.execute(text("SELECT email FROM accounts"))).scalars().all()
                integrations = (
                    await conn.execute(text("SELECT count(*) FROM integrations"))
                ).scalar_one()
        finally:
            await engine.dispose()
        assert sorted(emails) == sorted(a.email for a in demo_accounts(settings))
        assert integrations == 1


async def test_the_demo_teacher_is_connected_to_a_zoho_simulator_on_a_real_socket(
    tmp_path: Path,
) -> None:
    """`bff simulate zoho` on a socket, the BFF's Zoho URLs pointed at it: the sandbox still
    connects the demo teacher (its browser step goes over the network, not to an in-process
    simulator that serves no such host)."""
    zoho = ZohoSimulator(seed=42)
    with serve_in_thread(zoho.app) as server:
        url = server.url
        settings = make_settings(
            f"sqlite+aiosqlite:///{tmp_path / 'bff.db'}",
            zoho=ZohoSettings(accounts_url=url, projects_url=url, desk_url=url),
        )
        async with (
            composition.running(settings, run_jobs=False) as container,
            container.uow() as uow,
        ):
            teacher = next(a for a in demo_accounts(settings) if a.role is Role.TEACHER)
            account = await uow.accounts.by_email(teacher.email)
            assert account is not None
            found = await uow.integrations.for_account(account.id)
        assert [i.kind for i in found] == ["zoho_projects"]
        assert zoho.state.refresh_tokens
