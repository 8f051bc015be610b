"""The simulators sandbox mode runs on, and ``bff simulate <system>``.

In sandbox mode every upstream URL under ``.sim`` reaches these simulators in-process through
:meth:`SandboxSimulators.transport`; all three are seeded from one spec, so the people are the same
everywhere. :func:`serve_standalone` runs one of them on a real socket for benchmarks and
harnesses, which script it through its ``/_sim/`` control API.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import httpx

from simulators.appsembler import AppsemblerSimulator
from simulators.kit.server import run
from simulators.kit.simulator import Simulator
from simulators.kit.transport import HostRouter, SimulatorTransport
from simulators.timeback import TimebackSimulator
from simulators.zoho import ZohoSimulator

SIMULATORS: dict[str, type[Simulator[Any]]] = {
    "timeback": TimebackSimulator,
    "appsembler": AppsemblerSimulator,
    "zoho": ZohoSimulator,
}
#: The names ``bff simulate`` accepts.
SANDBOX_SYSTEMS: tuple[str, ...] = tuple(SIMULATORS)


def build_simulator(
    system: str,
    *,
    seed: int = 42,
    users: int = 60,
    classes: int = 6,
    public_url: str | None = None,
) -> Simulator[Any]:
    try:
        cls = SIMULATORS[system]
    except KeyError:
        raise ValueError(
            f"unknown system {system!r}; choose one of {', '.join(SANDBOX_SYSTEMS)}"
        ) from None
    return cls(seed=seed, users=users, classes=classes, public_url=public_url)


class SandboxSimulators:
    def __init__(
        self, *, timeback: TimebackSimulator, appsembler: AppsemblerSimulator, zoho: ZohoSimulator
    ) -> None:
        self.timeback = timeback
        self.appsembler = appsembler
        self.zoho = zoho
        self._extra: dict[str, Simulator[Any]] = {}

    def include(self, sim: Simulator[Any]) -> None:
        """Route one more simulator (an identity provider, say) by its ``hosts``."""
        if sim.system in self.all():
            raise ValueError(f"a {sim.system} simulator is already included")
        self._extra[sim.system] = sim

    @classmethod
    def seeded(cls, *, seed: int, users: int, classes: int) -> SandboxSimulators:
        return cls(
            timeback=TimebackSimulator(seed=seed, users=users, classes=classes),
            appsembler=AppsemblerSimulator(seed=seed, users=users, classes=classes),
            zoho=ZohoSimulator(seed=seed, users=users, classes=classes),
        )

    def all(self) -> dict[str, Simulator[Any]]:
        core: dict[str, Simulator[Any]] = {
            "timeback": self.timeback,
            "appsembler": self.appsembler,
            "zoho": self.zoho,
        }
        return core | self._extra

    def __getitem__(self, system: str) -> Simulator[Any]:
        return self.all()[system]

    def transport(self) -> httpx.AsyncBaseTransport:
        """One transport for every simulated host; each call gives an independent one."""
        routes: dict[str, httpx.AsyncBaseTransport] = {}
        for sim in self.all().values():
            transport = SimulatorTransport(sim.app)
            hosts = {*sim.hosts, urlsplit(sim.public_url).hostname or sim.hosts[0]}
            routes.update(dict.fromkeys(hosts, transport))
        return HostRouter(routes)

    def reset(self) -> None:
        for sim in self.all().values():
            sim.reset()


def serve_standalone(
    system: str,
    *,
    host: str = "127.0.0.1",
    port: int = 8100,
    seed: int = 42,
    users: int = 60,
    classes: int = 6,
    public_url: str | None = None,
    log_level: str = "info",
) -> None:
    """Run one simulator on ``host:port`` until interrupted; its links name ``public_url``."""
    sim = build_simulator(
        system,
        seed=seed,
        users=users,
        classes=classes,
        public_url=public_url or f"http://{host}:{port}",
    )
    run(sim.app, host=host, port=port, log_level=log_level)
