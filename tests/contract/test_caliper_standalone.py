"""``bff simulate caliper --port N``: the Caliper simulator alone on a real socket, its own token
endpoint at its root, driven by the BFF's adapter as production would reach TimeBack."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from adapters.caliper.sink import TimebackCaliperSink
from adapters.caliper.upstream import CALIPER, CaliperSettings
from adapters.http.oauth import TokenRegistry
from domain.ports.caliper import Envelope, JobState
from tests.support.caliper_sim import activity_event

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def standalone(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = _free_port()
    log = tmp_path_factory.mktemp("caliper") / "simulate.log"
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "api.cli", "simulate", "caliper", "--port", str(port)],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                assert process.poll() is None, log.read_text(errors="replace")[-3000:]
                try:
                    httpx.get(f"{url}/caliper/events", timeout=1)
                    break
                except httpx.TransportError:
                    assert time.monotonic() < deadline, "bff simulate caliper did not answer"
                    time.sleep(0.2)
            yield url
        finally:
            process.terminate()
            process.wait(timeout=20)


async def test_the_adapter_sends_and_follows_a_job_over_a_real_socket(standalone: str) -> None:
    settings = CaliperSettings(base_url=standalone, token_url=f"{standalone}/oauth2/token")
    event = activity_event()
    async with CALIPER.client(settings, None, TokenRegistry()) as http:
        sink = TimebackCaliperSink(http)
        job_id = await sink.send(
            Envelope(sensor="https://bff.example/s", send_time="2025-07-22T21:27:16Z", data=[event])
        )
        states = [(await sink.job(job_id)).state for _ in range(2)]
        assert states == [JobState.ACTIVE, JobState.COMPLETED]
        done = await sink.job(job_id)
        assert [s.external_id for s in done.stored] == [event["id"]]
        stored = (await http.get("/_sim/caliper/stored")).json()
        assert stored["counts"] == {event["id"]: 1}
        tokens = (await http.get("/_sim/requests", params={"path": "/oauth2/token"})).json()
    # one token, from the simulator's own endpoint, by HTTP Basic as TimeBack's Cognito wants
    assert [(r["status"], r["headers"]["authorization"][:6]) for r in tokens["requests"]] == [
        (200, "Basic ")
    ]
