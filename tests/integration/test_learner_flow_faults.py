"""The learner-flow fault harness (bench/learner_flow_faults.py), small: a few learners in CI.

The PowerPath, TimeBack and Caliper simulators in processes of their own failing 30% of every
call (5xx, 429, hangs, lost replies), the API and ``bff worker`` as separate processes, the worker
SIGKILLed once; every completion's gradebook result and Caliper events, and every heartbeat's
event, upstream exactly once. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import pytest

from bench.learner_flow_faults import FaultConfig, run
from tests.conftest import PG_ADMIN_URL


@pytest.mark.parametrize(
    "database", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
async def test_results_and_events_upstream_exactly_once_through_faults_and_a_worker_kill(
    database: str, request: pytest.FixtureRequest
) -> None:
    if database == "postgresql":
        request.getfixturevalue("pg_template")  # PostgreSQL answers (skip locally, fail in CI)
    config = FaultConfig(
        learners=4,
        answers=5,
        kills=1,
        fault_rate=0.3,
        seed=11,
        users=100,
        classes=4,
        upstream_timeout=1.0,
        database=database,
        pg_admin_url=PG_ADMIN_URL,
    )
    report = await run(config)
    print("\n".join(report.lines()))
    failed = {name: sum(kinds.values()) for name, kinds in report.upstream_failed.items()}
    assert report.kills == 1
    assert report.errors == []
    assert report.completions == 4
    assert report.double_taps_same == 4  # a second tap answers the first completion
    assert report.heartbeat_duplicates == 4
    assert failed.get("powerpath", 0) > 0.15 * report.upstream_requests["powerpath"]  # faults
    assert failed.get("timeback", 0) > 0
    assert failed.get("caliper", 0) > 0
    assert sum(k.get("lost_reply", 0) for k in report.upstream_failed.values()) > 0
    assert report.open_at_end == {}
    assert (report.results_expected, report.results_once) == (4, 4)
    assert (report.results_duplicated, report.results_lost, report.results_extra) == (0, 0, 0)
    assert (report.events_expected, report.events_once) == (8, 8)
    assert (report.events_duplicated, report.events_lost, report.events_extra) == (0, 0, 0)
