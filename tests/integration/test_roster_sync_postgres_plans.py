"""A full sync on PostgreSQL, with every statement's executed plan captured as the server ran it.

``auto_explain`` (loaded per connection, logging at NOTICE so the plans come back to the client)
reports the plan, actual rows and buffers of each statement exactly as the driver sent it: the
prepared statement, its parameter types, and the plan PostgreSQL chose for it (generic or custom).
A 100k-user sync on PostgreSQL went quadratic because the id lookups kept a generic plan made
while the tables were empty: a sequential scan of the whole table per batch (issue 14). These
tests assert on plans and on rows per statement, never on time.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import event

from adapters.clock import SystemClock
from adapters.db.engine import make_engine, make_session_factory
from adapters.db.uow import SqlUnitOfWork
from adapters.timeback.oneroster import OneRosterClient
from adapters.timeback.roster_source import TimebackRosterSource
from domain.ports import UnitOfWork
from domain.roster.sync import SyncKind, SyncStatus
from domain.services.roster_sync import RosterSyncService
from simulators.kit.transport import SimulatorTransport
from simulators.timeback import TimebackSimulator
from tests.conftest import pg_database
from tests.support.timeback_client import sandbox_client

pytestmark = pytest.mark.postgres

PAGE = 40
USERS = 600  # ~900 user rows with guardians: the tables grow to many times a page


@dataclass
class Plans:
    """Every statement's executed plan, as auto_explain reported it."""

    statements: list[dict[str, Any]] = field(default_factory=list)

    def listen(self, _connection: object, message: Any) -> None:
        text = message.message
        start = text.find("{")
        if text.startswith("duration:") and start >= 0:
            self.statements.append(json.loads(text[start:]))


def _nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", ()):
        yield from _nodes(child)


@pytest.fixture
async def synced(pg_template: str) -> Plans:
    """A full sync of a 600-user roster into an empty PostgreSQL cache, plans captured."""
    plans = Plans()
    with pg_database(template=pg_template) as url:
        engine = make_engine(url, pool_size=2)

        @event.listens_for(engine.sync_engine, "connect")
        def explain_everything(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            for setting in (
                "LOAD 'auto_explain'",
                "SET auto_explain.log_min_duration = 0",
                "SET auto_explain.log_analyze = on",
                "SET auto_explain.log_buffers = on",
                "SET auto_explain.log_format = json",
                "SET auto_explain.log_level = notice",
            ):
                cursor.execute(setting)
            cursor.close()
            dbapi_connection.driver_connection.add_log_listener(plans.listen)

        sessions = make_session_factory(engine)

        def new_uow() -> UnitOfWork:
            return SqlUnitOfWork(sessions)

        sim = TimebackSimulator(seed=11, users=USERS, classes=12)
        async with sandbox_client(SimulatorTransport(sim.app)) as http:
            source = TimebackRosterSource(OneRosterClient(http), page_size=PAGE, concurrency=2)
            service = RosterSyncService(uow=new_uow, source=source, clock=SystemClock())
            run = await service.run((await service.start(SyncKind.FULL)).id)
        assert run.status is SyncStatus.SUCCEEDED, run.error
        await engine.dispose()
    return plans


def _touching(plans: Plans, table: str, verb: str) -> list[dict[str, Any]]:
    return [
        s
        for s in plans.statements
        if s["Query Text"].lstrip().upper().startswith(verb) and table in s["Query Text"]
    ]


async def test_id_lookups_are_planned_for_the_table_as_it_is(synced: Plans) -> None:
    """A batch's lookups by id (stored hashes, dropped links) are planned with the table's size at
    the time they run. A sequential scan is fine on a table of a few pages, but its estimated cost
    must cover the pages it really read (at least ``seq_page_cost``, 1.0, a page): a plan kept from
    when the table was empty costs a few units and then reads every page of the grown table."""
    lookups = [
        s
        for verb, table in (
            ("SELECT", "FROM roster_users"),
            ("DELETE", "FROM roster_user_roles"),
            ("DELETE", "FROM roster_user_agents"),
            ("SELECT", "FROM roster_enrollments"),
        )
        for s in _touching(synced, table, verb)
        if " IN (" in s["Query Text"] or "ANY (" in s["Query Text"]  # a batch of ids
    ]
    assert len(lookups) > 20, "the sync's id lookups were not captured"
    stale = [
        (s["Query Text"][:100], node["Total Cost"], read)
        for s in lookups
        for node in _nodes(s["Plan"])
        if node["Node Type"] == "Seq Scan"
        and (read := node["Shared Hit Blocks"] + node["Shared Read Blocks"]) > node["Total Cost"]
    ]
    assert not stale, f"plans costed for a smaller table (text, cost, pages read): {stale[:3]}"


async def test_a_page_is_written_in_a_few_statements_not_one_per_row(synced: Plans) -> None:
    """Each table gets one INSERT per page (array parameters), not one statement per row."""
    inserts = _touching(synced, "INTO roster_users ", "INSERT")
    rows = sum(s["Plan"]["Plans"][0]["Actual Rows"] for s in inserts)
    assert rows > USERS
    assert len(inserts) <= rows // PAGE + 8, (
        f"{len(inserts)} INSERT statements for {rows} user rows"
    )
    changes = _touching(synced, "INTO roster_changes ", "INSERT")
    assert len(changes) < sum(s["Plan"]["Plans"][0]["Actual Rows"] for s in changes) / 10
