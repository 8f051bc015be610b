"""The reliability harness (bench/timesheets_reliability.py), small: a few hundred logs in CI.

Real PostgreSQL, the API and ``bff worker`` as separate processes, the Zoho simulator on a socket
failing 30% of Projects calls (lost replies included), and the worker SIGKILLed half way.
"""

from __future__ import annotations

import pytest

from bench.timesheets_reliability import HarnessConfig, run
from tests.conftest import PG_ADMIN_URL

pytestmark = pytest.mark.postgres


async def test_every_complete_log_reaches_zoho_exactly_once_through_faults_and_a_worker_kill(
    pg_template: str,  # PostgreSQL answers (skip locally without it, fail in CI)
) -> None:
    config = HarnessConfig(logs=240, fault_rate=0.3, seed=11, pg_admin_url=PG_ADMIN_URL)
    report = await run(config)
    print("\n".join(report.lines()))
    failed = sum(report.upstream_failed.values())
    assert report.worker_kills == 1
    assert report.logs_created == 240
    assert failed > 0.2 * report.upstream_requests  # the faults really happened
    assert report.upstream_failed.get("lost_reply", 0) > 0  # and some writes lost their reply
    assert report.not_synced == {}
    assert report.mismatched == []
    assert (report.complete_logs, report.logs_upstream) == (240, 240)
    assert (report.duplicates, report.lost) == (0, 0)
