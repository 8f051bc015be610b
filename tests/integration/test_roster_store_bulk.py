"""A 20k-row upsert streams through in batches: memory stays bounded whatever the row count."""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from adapters.db.engine import make_engine, make_session_factory
from adapters.db.roster_store import SqlRosterStore
from domain.roster.entities import EntityKind, RosterRecord, record_from_payload
from domain.roster.query import RosterQuery
from domain.scope import Scope

ROWS = 20_000
ALL = Scope(everything=True)
BASE = datetime(2024, 1, 1, tzinfo=UTC)


def users(count: int, *, generation: int = 0) -> Iterator[RosterRecord]:
    """Users made one at a time, so only the store's batches are ever held in memory."""
    for i in range(count):
        org = {"sourcedId": f"school-{i % 20}", "type": "org"}
        yield record_from_payload(
            EntityKind.USERS,
            {
                "sourcedId": f"user-{i:06d}",
                "status": "active",
                "dateLastModified": (BASE + timedelta(seconds=i + generation)).isoformat(),
                "username": f"user{i}",
                "enabledUser": "true",
                "givenName": f"Given{i % 977}",
                "familyName": f"Family{i % 1013}",
                "email": f"user{i}@example.edu",
                "roles": [{"roleType": "primary", "role": "student", "org": org}],
                "agents": [{"sourcedId": f"guardian-{i}", "type": "user"}] if i % 3 == 0 else [],
                "primaryOrg": org,
                "grades": ["5"],
                "metadata": {"generation": generation, "padding": "x" * 200},
            },
        )


async def test_a_20k_row_upsert_runs_in_bounded_memory(db_url: str) -> None:
    engine = make_engine(db_url)
    sessions = make_session_factory(engine)
    try:
        started = time.perf_counter()
        async with sessions() as session:
            changed = await SqlRosterStore(session).upsert_many(EntityKind.USERS, users(ROWS))
            await session.commit()
        elapsed = time.perf_counter() - started
        assert changed == ROWS

        # every row changes (a new generation), under tracemalloc: the peak must not grow with ROWS
        tracemalloc.start()
        async with sessions() as session:
            store = SqlRosterStore(session)
            changed = await store.upsert_many(EntityKind.USERS, users(ROWS, generation=1))
            await session.commit()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert changed == ROWS
        # 20k users of ~1 KB of JSON each would be >20 MB held at once; batches of 500 stay far under.
        assert peak < 16 * 1024 * 1024, f"peak traced memory {peak / 2**20:.1f} MiB"

        started = time.perf_counter()
        async with sessions() as session:
            store = SqlRosterStore(session)
            unchanged = await store.upsert_many(EntityKind.USERS, users(ROWS, generation=1))
            _, total = await store.query(RosterQuery(kind=EntityKind.USERS, scope=ALL, limit=1))
            assert total == ROWS
            changes, _ = await store.changes_since(0, limit=100_000)
            await session.commit()
        again = time.perf_counter() - started
        assert unchanged == 0
        assert len(changes) == 2 * ROWS
        print(
            f"\n[{engine.dialect.name}] {ROWS} new users: {elapsed:.2f}s ({ROWS / elapsed:,.0f} rows/s); "
            f"{ROWS} changed users peak traced memory {peak / 2**20:.1f} MiB; "
            f"identical re-upsert {again:.2f}s ({ROWS / again:,.0f} rows/s)"
        )
    finally:
        await engine.dispose()
