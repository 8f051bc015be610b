"""The sandbox's simulators, reached from a running container or built as sandbox mode builds them."""

from __future__ import annotations

from typing import Any, TypeVar

from api.composition import Container
from api.composition.sandbox import own_simulators
from api.settings import SandboxSettings, Settings
from simulators.kit.simulator import Simulator
from simulators.sandbox import SandboxSimulators

SimT = TypeVar("SimT", bound=Simulator[Any])


def simulator(container: Container, name: str, kind: type[SimT]) -> SimT:
    """The running sandbox's simulator of upstream ``name``."""
    sims = container.simulators
    assert isinstance(sims, SandboxSimulators), "the container runs no sandbox simulators"
    return sims.get(name, kind)


def seeded_simulators(*, seed: int, users: int, classes: int) -> SandboxSimulators:
    """Every upstream's simulator, as sandbox mode builds them from the upstream list."""
    sandbox = SandboxSettings(seed=seed, users=users, classes=classes)
    return own_simulators(Settings(_env_file=None, sandbox=sandbox))
