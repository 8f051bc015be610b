"""The TimeBack simulator as its contract tests use it: seeded, with a bearer token already issued
(so a test speaks to the API, not the token endpoint), called through its ASGI app."""

from __future__ import annotations

import httpx

from simulators.kit.transport import SimulatorTransport
from simulators.timeback import TimebackSimulator
from tests.support.shared import shared

#: TimeBack's own OpenAPI file (tests/support/shared.py says where the shared material is)
SPEC = shared("fixtures", "timeback-openapi", "oneroster-api.yaml")


def simulator_with_token(
    token: str, *, seed: int, users: int, classes: int, ttl: int | None = None
) -> TimebackSimulator:
    sim = TimebackSimulator(seed=seed, users=users, classes=classes)
    sim.tokens.issue("sandbox-client", value=token, ttl=ttl)
    return sim


def bearer_client(sim: TimebackSimulator, token: str, base_url: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=SimulatorTransport(sim.app),
        base_url=base_url,
        headers={"Authorization": f"Bearer {token}"},
    )
