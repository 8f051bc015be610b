"""Sandbox demo data is seeded once, however many processes start together on one database."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from api import composition
from api.composition import demo_accounts
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
