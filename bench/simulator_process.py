"""One upstream simulator in a process of its own on a 127.0.0.1 socket (``bff simulate``), with
the latency a remote API adds set through its control API. The benches share it."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from bench.app_overhead import ROOT, free_port

#: the sandbox TimeBack client, which every standalone simulator accepts at its token endpoint
CLIENT = ("sandbox-client", "sandbox-secret")


@contextmanager
def simulator_process(
    system: str,
    *,
    latency: float = 0.0,
    users: int | None = None,
    classes: int | None = None,
    seed: int | None = None,
    start_timeout: float = 300,
) -> Iterator[str]:
    """``bff simulate <system>`` on a free port until the block ends; yields its base URL."""
    with simulator_processes(
        (system,),
        latency=latency,
        users=users,
        classes=classes,
        seed=seed,
        start_timeout=start_timeout,
    ) as urls:
        yield urls[system]


@contextmanager
def simulator_processes(
    systems: tuple[str, ...],
    *,
    latency: float = 0.0,
    users: int | None = None,
    classes: int | None = None,
    seed: int | None = None,
    start_timeout: float = 300,
) -> Iterator[dict[str, str]]:
    """Several simulators, each in its own process, the same data seed, started together;
    their base URLs by system."""
    options: list[str] = []
    for flag, value in (("--users", users), ("--classes", classes), ("--seed", seed)):
        if value is not None:
            options += [flag, str(value)]
    processes: dict[str, tuple[subprocess.Popen[bytes], str]] = {}
    try:
        for system in systems:
            port = free_port()
            args = [sys.executable, "-m", "api.cli", "simulate", system, "--port", str(port)]
            process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
                [*args, *options], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            processes[system] = (process, f"http://127.0.0.1:{port}")
        deadline = time.monotonic() + start_timeout
        for system, (process, base) in processes.items():
            _wait_ready(system, process, base, deadline)
            set_latency(base, latency)
        yield {system: base for system, (_, base) in processes.items()}
    finally:
        for process, _ in processes.values():
            process.terminate()
        for process, _ in processes.values():
            process.wait(timeout=30)


def _wait_ready(system: str, process: subprocess.Popen[bytes], base: str, deadline: float) -> None:
    while True:
        try:
            if httpx.get(f"{base}/_sim/state", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline or process.poll() is not None:
            raise RuntimeError(f"the {system} simulator did not start")
        time.sleep(0.3)


def set_latency(base: str, seconds: float) -> None:
    httpx.post(
        f"{base}/_sim/faults/latency", json={"seconds": seconds}, timeout=10
    ).raise_for_status()


def sim_token(base: str) -> dict[str, str]:
    """A bearer header from a standalone simulator's own token endpoint."""
    response = httpx.post(
        f"{base}/oauth2/token", data={"grant_type": "client_credentials"}, auth=CLIENT
    )
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}
