"""``TimebackCaliperSink`` over HTTP against the Caliper simulator, in a sandbox with TimeBack's.

The clients are built the way the composition root builds them (the upstreams' declarations, one
token registry), so the Caliper client takes its token from TimeBack's identity provider and
shares it with the TimeBack client. Retry waits go to a recording ``sleep``: nothing here waits
real seconds except the client timeout of the hang test.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest

from adapters.caliper.sink import TimebackCaliperSink
from adapters.caliper.upstream import CALIPER, CaliperSettings
from adapters.http.oauth import TokenRegistry
from adapters.timeback.retrying import RetryPolicy
from adapters.timeback.upstream import TIMEBACK, TimebackSettings
from domain.errors import NotFound, UpstreamRateLimited, UpstreamUnavailable
from domain.ports.caliper import CaliperJob, CaliperRefusal, Envelope, JobState
from simulators.caliper import CaliperSimulator
from simulators.sandbox import SandboxSimulators
from simulators.timeback import TimebackSimulator
from tests.support.caliper_sim import activity_event, time_spent_event

SEND = "/caliper/event"


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds

    def policy(self) -> RetryPolicy:
        return RetryPolicy(sleep=self.sleep, clock=lambda: self.now, random=lambda: 0.0)


@dataclass
class Sandbox:
    timeback: TimebackSimulator
    caliper: CaliperSimulator
    timeback_http: httpx.AsyncClient
    caliper_http: httpx.AsyncClient
    sink: TimebackCaliperSink
    time: FakeTime

    def sends(self) -> list[int | None]:
        return [e.status for e in self.caliper.log.entries(path=SEND)]


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    sims = SandboxSimulators()
    timeback, caliper = TimebackSimulator(seed=3, users=6, classes=2), CaliperSimulator()
    sims.include(timeback)
    sims.include(caliper)
    tokens = TokenRegistry()
    fake = FakeTime()
    async with (
        TIMEBACK.client(TimebackSettings(), sims.transport(), tokens) as timeback_http,
        CALIPER.client(CaliperSettings(timeout_seconds=0.3), sims.transport(), tokens) as http,
    ):
        yield Sandbox(
            timeback,
            caliper,
            timeback_http,
            http,
            TimebackCaliperSink(http, retry=fake.policy()),
            fake,
        )


def envelope(*events: dict[str, object]) -> Envelope:
    return Envelope(
        sensor="https://bff.example/sensors/1", send_time="2025-07-22T21:27:16Z", data=events
    )


async def follow(sink: TimebackCaliperSink, job_id: str) -> CaliperJob:
    for _ in range(5):
        found = await sink.job(job_id)
        if found.state in (JobState.COMPLETED, JobState.FAILED):
            return found
    raise AssertionError(f"job {job_id} never finished")


async def test_send_then_follow_the_job_to_the_allocated_ids(sandbox: Sandbox) -> None:
    first, second = activity_event(), time_spent_event()
    job_id = await sandbox.sink.send(envelope(first, second))
    assert (await sandbox.sink.job(job_id)).state is JobState.ACTIVE
    done = await follow(sandbox.sink, job_id)
    assert done.job_id == job_id
    assert done.state is JobState.COMPLETED
    assert [(s.allocated_id, s.external_id) for s in done.stored] == [
        ("1", first["id"]),
        ("2", second["id"]),
    ]
    assert sandbox.caliper.store_counts() == {first["id"]: 1, second["id"]: 1}


async def test_the_caliper_client_shares_timebacks_token(sandbox: Sandbox) -> None:
    orgs = await sandbox.timeback_http.get("/ims/oneroster/rostering/v1p2/orgs")
    assert orgs.status_code == 200
    await sandbox.sink.send(envelope(activity_event()))
    assert len(sandbox.timeback.log.entries(path="/oauth2/token")) == 1
    assert sandbox.caliper.log.entries(path="/oauth2/token") == []
    assert sandbox.sends() == [200]
    assert sandbox.caliper_http.token["access_token"] == sandbox.timeback_http.token["access_token"]  # type: ignore[attr-defined]


async def test_a_429_with_a_short_retry_after_is_retried_as_asked(sandbox: Sandbox) -> None:
    sandbox.caliper.fail_next(429, headers={"Retry-After": "2"}, path=SEND)
    event = activity_event()
    job_id = await sandbox.sink.send(envelope(event))
    assert sandbox.sends() == [429, 200]
    assert sandbox.time.slept == [2.0]
    assert (await follow(sandbox.sink, job_id)).stored[0].external_id == event["id"]


async def test_a_429_asking_for_longer_is_rate_limited_with_its_retry_after(
    sandbox: Sandbox,
) -> None:
    sandbox.caliper.fail_next(429, headers={"Retry-After": "120"}, path=SEND)
    with pytest.raises(UpstreamRateLimited) as caught:
        await sandbox.sink.send(envelope(activity_event()))
    assert caught.value.retry_after == 120
    assert caught.value.upstream == "caliper"
    assert sandbox.sends() == [429]


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_a_5xx_on_send_is_unavailable_and_not_retried(sandbox: Sandbox, status: int) -> None:
    sandbox.caliper.fail_next(status, path=SEND)
    with pytest.raises(UpstreamUnavailable):
        await sandbox.sink.send(envelope(activity_event()))
    assert sandbox.sends() == [status]


async def test_a_lost_reply_is_not_resent_blindly(sandbox: Sandbox) -> None:
    sandbox.caliper.faults.set_chaos(1.0, kinds=("lost_reply",), path=SEND)
    event = activity_event()
    with pytest.raises(UpstreamUnavailable):
        await sandbox.sink.send(envelope(event))
    sandbox.caliper.faults.set_chaos(None)
    sandbox.caliper.clock.advance(2)
    # Caliper did ingest it; a blind retry would have stored it twice (D57)
    assert sandbox.caliper.store_counts() == {event["id"]: 1}
    assert len(sandbox.sends()) == 1


async def test_a_send_that_times_out_is_unavailable_and_not_retried(sandbox: Sandbox) -> None:
    sandbox.caliper.timeout_next(path=SEND)
    with pytest.raises(UpstreamUnavailable) as caught:
        await sandbox.sink.send(envelope(activity_event()))
    assert "no answer in time" in str(caught.value)
    assert len(sandbox.sends()) == 1


async def test_a_refused_envelope_carries_calipers_reasons_per_event(sandbox: Sandbox) -> None:
    good, bad = activity_event(), activity_event()
    bad["action"] = "Started"
    bad["object"]["subject"] = "Chemistry"
    with pytest.raises(CaliperRefusal) as caught:
        await sandbox.sink.send(envelope(good, bad))
    refusal = caught.value
    assert set(refusal.reasons) == {bad["id"]}
    assert "data[1].action" in refusal.reasons[bad["id"]]
    assert "data[1].object.subject" in refusal.reasons[bad["id"]]
    assert refusal.upstream == "caliper"
    assert sandbox.sends() == [400]


async def test_job_polling_is_retried_on_transient_failures(sandbox: Sandbox) -> None:
    job_id = await sandbox.sink.send(envelope(activity_event()))
    sandbox.caliper.fail_next(503, times=2, path="/jobs/")
    assert (await sandbox.sink.job(job_id)).state is JobState.ACTIVE
    assert len(sandbox.time.slept) == 2


async def test_a_failed_job_says_why_and_an_unknown_one_is_not_found(sandbox: Sandbox) -> None:
    sandbox.caliper.fail_next_jobs(reason="ingestion worker crashed")
    failed = await follow(sandbox.sink, await sandbox.sink.send(envelope(activity_event())))
    assert (failed.state, failed.stored, failed.reason) == (
        JobState.FAILED,
        (),
        "ingestion worker crashed",
    )
    with pytest.raises(NotFound):
        await sandbox.sink.job("4711")


async def test_the_probe_reads_one_event(sandbox: Sandbox) -> None:
    probe = CALIPER.probe(CaliperSettings(), sandbox.caliper_http)
    check = await probe.check()
    assert check.ok, check.detail
    assert check.detail == "Caliper answered; 0 events stored"
