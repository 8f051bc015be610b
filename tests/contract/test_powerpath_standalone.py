"""``bff simulate powerpath --port N`` on a real socket: its own token endpoint takes the sandbox
TimeBack client of ``.env.example``, and it serves the OneRoster lessons and QTI questions it
builds on with the same ids as the sandbox BFF's simulators for the same seed (there PowerPath
reads the TimeBack simulator's live roster)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.composition.sandbox import own_simulators
from api.settings import Settings
from simulators.powerpath import PowerPathSimulator
from simulators.powerpath.roster import lesson_type
from simulators.timeback.seed import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET

ROOT = Path(__file__).resolve().parents[2]
SANDBOX_HOST = "http://powerpath.timeback.sim"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def standalone(tmp_path: Path) -> Iterator[str]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("BFF_")}
    log = tmp_path / "simulate.log"
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "api.cli", "simulate", "powerpath", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert process.poll() is None, log.read_text(errors="replace")[-4000:]
            try:
                if httpx.get(f"{url}/_sim/state", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "bff simulate powerpath did not answer"
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def _read(
    client: httpx.AsyncClient, student: str, course: str, adaptive: str
) -> dict[str, Any]:
    plan = await client.get(f"/powerpath/lessonPlans/{course}/{student}")
    assert plan.status_code == 200, plan.text
    served = await client.get(
        "/powerpath/getNextQuestion", params={"student": student, "lesson": adaptive}
    )
    assert served.status_code == 200, served.text
    units = plan.json()["lessonPlan"]["lessonPlan"]["subComponents"]
    return {
        "units": [u["id"] for u in units],
        "lessons": [r["id"] for u in units for r in u["componentResources"]],
        "question": served.json()["question"]["id"],
        "plan": plan.json()["lessonPlan"]["id"],
    }


async def test_bff_simulate_powerpath_serves_the_sandbox_ids(standalone: str) -> None:
    sandbox = own_simulators(Settings(_env_file=None))
    in_sandbox = sandbox.get("powerpath", PowerPathSimulator)
    roster = in_sandbox.roster
    student = next(
        u["sourcedId"]
        for u in roster.state.users.all()
        if u["roles"][0]["role"] == "student" and roster.courses_of(u["sourcedId"])
    )
    course = roster.courses_of(student)[0]
    adaptive = next(
        lesson["sourcedId"]
        for lesson in roster.course_lessons(course)
        if lesson_type(lesson) == "powerpath-100"
    )

    async with httpx.AsyncClient(base_url=standalone, timeout=30) as client:
        token = await client.post(
            "/oauth2/token",
            data={"grant_type": "client_credentials"},
            auth=(SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET),
        )
        assert token.status_code == 200, token.text
        client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
        alone = await _read(client, student, course, adaptive)

    timeback_token = sandbox["timeback"].tokens.issue(SANDBOX_CLIENT_ID).value
    async with httpx.AsyncClient(
        transport=sandbox.transport(),
        base_url=SANDBOX_HOST,
        headers={"Authorization": f"Bearer {timeback_token}"},
    ) as client:
        together = await _read(client, student, course, adaptive)
    assert alone == together
    assert len(alone["lessons"]) == 6
