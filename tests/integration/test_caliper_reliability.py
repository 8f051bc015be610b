"""The Caliper reliability harness (bench/caliper_reliability.py), small: a few hundred events in CI.

Real PostgreSQL, the API and ``bff worker`` as separate processes, the Caliper simulator on a
socket failing 30% of every call (lost replies included), and the worker SIGKILLed once.
"""

from __future__ import annotations

import pytest

from bench.caliper_reliability import HarnessConfig, run
from tests.conftest import PG_ADMIN_URL

pytestmark = pytest.mark.postgres


async def test_every_event_is_stored_upstream_exactly_once_through_faults_and_a_worker_kill(
    pg_template: str,  # PostgreSQL answers (skip locally without it, fail in CI)
) -> None:
    config = HarnessConfig(
        events=300, batch_size=10, fault_rate=0.3, kills=1, seed=11, pg_admin_url=PG_ADMIN_URL
    )
    report = await run(config)
    print("\n".join(report.lines()))
    failed = sum(report.upstream_failed.values())
    assert report.kills == 1
    assert report.events == 300
    assert failed > 0.2 * report.upstream_calls  # the faults really happened
    assert report.upstream_failed.get("lost_reply", 0) > 0  # and some sends lost their reply
    assert report.not_delivered == {}
    assert report.failed == 0
    assert (report.stored_upstream, report.duplicates, report.lost) == (300, 0, 0)
