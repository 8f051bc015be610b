"""One upstream simulator in a process of its own on a 127.0.0.1 socket (``bff simulate``), with
the latency a remote API adds set through its control API. The benches share it."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

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
    port = free_port()
    args = [sys.executable, "-m", "api.cli", "simulate", system, "--port", str(port)]
    for flag, value in (("--users", users), ("--classes", classes), ("--seed", seed)):
        if value is not None:
            args += [flag, str(value)]
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + start_timeout
        while True:
            try:
                if httpx.get(f"{base}/_sim/state", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(f"the {system} simulator did not start")
            time.sleep(0.3)
        set_latency(base, latency)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def set_latency(base: str, seconds: float) -> None:
    httpx.post(
        f"{base}/_sim/faults/latency", json={"seconds": seconds}, timeout=10
    ).raise_for_status()


@contextmanager
def simulator_processes(
    systems: tuple[str, ...],
    *,
    latency: float = 0.0,
    users: int | None = None,
    classes: int | None = None,
) -> Iterator[dict[str, str]]:
    """Several simulators, each in its own process, the same data seed; their base URLs."""
    with ExitStack() as stack:
        yield {
            system: stack.enter_context(
                simulator_process(system, latency=latency, users=users, classes=classes)
            )
            for system in systems
        }


def sim_token(base: str) -> dict[str, str]:
    """A bearer header from a standalone simulator's own token endpoint."""
    response = httpx.post(
        f"{base}/oauth2/token", data={"grant_type": "client_credentials"}, auth=CLIENT
    )
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}
