"""The simulators sandbox mode runs on, and ``bff simulate <system>``.

Which simulators run is not decided here: the BFF's upstream list passes each one's class as a
module path (``"simulators.timeback:TimebackSimulator"``), loaded with importlib, so nothing here
names an upstream and a BFF outside sandbox mode never imports a simulator. In sandbox mode every
upstream URL under ``.sim`` reaches them in-process through :meth:`SandboxSimulators.transport`;
all are seeded from one spec, so the people are the same everywhere. :func:`serve_standalone` runs
one of them on a real socket for benchmarks and harnesses, which script it through ``/_sim/``.

Several processes of one sandbox (two APIs and a worker on one database) must share one upstream
(decision D47): :func:`serve_all` runs every simulator on one socket as ``/{host}/{path}``, and
:class:`RemoteSimulators` is what a process uses instead of simulators of its own: the same
``.sim`` addresses, forwarded there.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx

from simulators.kit.by_host import PathHostRouter
from simulators.kit.server import run
from simulators.kit.simulator import Simulator
from simulators.kit.transport import ForwardingTransport, HostRouter, SimulatorTransport

SimT = TypeVar("SimT", bound=Simulator[Any])


def load_simulator(path: str) -> type[Simulator[Any]]:
    """The simulator class at ``"package.module:Class"``."""
    module, _, name = path.partition(":")
    try:
        found = getattr(importlib.import_module(module), name, None)
    except ImportError as exc:
        raise ValueError(f"{path!r}: no module {module!r}") from exc
    if not (isinstance(found, type) and issubclass(found, Simulator)):
        raise ValueError(f"{path!r} names no simulator class")
    return found


def build_simulator(
    path: str,
    *,
    seed: int = 42,
    users: int = 60,
    classes: int = 6,
    public_url: str | None = None,
    demo_data: bool = False,
) -> Simulator[Any]:
    cls = load_simulator(path)
    return cls(seed=seed, users=users, classes=classes, public_url=public_url, demo_data=demo_data)


@dataclass(frozen=True, slots=True)
class SimulatorSpec:
    """One simulator to run: its class (``"module:Class"``), the URL it is called by (its links
    name it; None: its first host) and hosts to route to it besides its own."""

    path: str
    public_url: str | None = None
    hosts: tuple[str, ...] = ()


class SandboxSimulators:
    def __init__(self) -> None:
        self._sims: dict[str, Simulator[Any]] = {}
        self._hosts: dict[str, tuple[str, ...]] = {}

    @classmethod
    def seeded(
        cls,
        specs: Mapping[str, SimulatorSpec],
        *,
        seed: int,
        users: int,
        classes: int,
        demo_data: bool = True,
    ) -> SandboxSimulators:
        """One simulator per spec, by name, all seeded alike (with the sandbox's demo extras)."""
        sims = cls()
        for name, spec in specs.items():
            built = build_simulator(
                spec.path,
                seed=seed,
                users=users,
                classes=classes,
                public_url=spec.public_url,
                demo_data=demo_data,
            )
            sims.include(built, name=name, hosts=spec.hosts)
        return sims

    def include(
        self, sim: Simulator[Any], *, name: str | None = None, hosts: tuple[str, ...] = ()
    ) -> None:
        """Route one more simulator by its ``hosts``, its public URL's host and ``hosts``."""
        name = name or sim.system
        if name in self._sims:
            raise ValueError(f"a {name} simulator is already included")
        self._sims[name] = sim
        self._hosts[name] = hosts
        self._link()

    def _link(self) -> None:
        """Simulators that accept another's tokens check them in that one's store; those that
        build on another's state read that one's, live."""
        for sim in self._sims.values():
            issuer = self._sims.get(sim.accepts_tokens_of or "")
            if issuer is not None and issuer is not sim:
                sim.tokens = issuer.tokens
            source = self._sims.get(sim.reads_state_of or "")
            if source is not None and source is not sim:
                sim.read_state_of(source)

    def all(self) -> dict[str, Simulator[Any]]:
        return dict(self._sims)

    def __getitem__(self, name: str) -> Simulator[Any]:
        return self._sims[name]

    def get(self, name: str, kind: type[SimT]) -> SimT:
        """The simulator included as ``name``, checked to be a ``kind``."""
        sim = self._sims[name]
        if not isinstance(sim, kind):
            raise TypeError(f"the {name} simulator is a {type(sim).__name__}, not {kind.__name__}")
        return sim

    def _host_names(self, name: str, sim: Simulator[Any]) -> set[str]:
        public = urlsplit(sim.public_url).hostname or sim.hosts[0]
        return {*sim.hosts, *self._hosts[name], public}

    def transport(self) -> httpx.AsyncBaseTransport:
        """One transport for every simulated host; each call gives an independent one."""
        routes: dict[str, httpx.AsyncBaseTransport] = {}
        for name, sim in self._sims.items():
            routes.update(dict.fromkeys(self._host_names(name, sim), SimulatorTransport(sim.app)))
        return HostRouter(routes)

    def asgi(self) -> PathHostRouter:
        """Every simulator on one app, as ``/{host}/{path}``."""
        apps: dict[str, Any] = {}
        for name, sim in self._sims.items():
            apps.update(dict.fromkeys(self._host_names(name, sim), sim.app))
        return PathHostRouter(apps)

    def reset(self) -> None:
        for sim in self._sims.values():
            sim.reset()


def serve_standalone(
    path: str,
    *,
    host: str = "127.0.0.1",
    port: int = 8100,
    seed: int = 42,
    users: int = 60,
    classes: int = 6,
    public_url: str | None = None,
    log_level: str = "info",
) -> None:
    """Run the simulator at ``path`` on ``host:port`` until interrupted; its links name
    ``public_url``."""
    sim = build_simulator(
        path,
        seed=seed,
        users=users,
        classes=classes,
        public_url=public_url or f"http://{host}:{port}",
    )
    run(sim.app, host=host, port=port, log_level=log_level)


class RemoteSimulators:
    """The sandbox's shared simulators, reached at ``base_url`` (``/{host}/{path}``)."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")

    def transport(self) -> httpx.AsyncBaseTransport:
        return ForwardingTransport(self.base_url)


def serve_all(
    specs: Mapping[str, SimulatorSpec],
    *,
    host: str = "127.0.0.1",
    port: int = 8100,
    seed: int = 42,
    users: int = 60,
    classes: int = 6,
    log_level: str = "info",
) -> None:
    """Run every simulator in ``specs`` on ``host:port`` as ``/{host}/{path}``, until interrupted."""
    sims = SandboxSimulators.seeded(specs, seed=seed, users=users, classes=classes)
    run(sims.asgi(), host=host, port=port, log_level=log_level)
