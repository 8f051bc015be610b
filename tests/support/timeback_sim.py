"""The TimeBack simulator as its contract tests use it: seeded, with a bearer token already issued
(so a test speaks to the API, not the token endpoint), called through its ASGI app."""

from __future__ import annotations

from pathlib import Path

import httpx

from simulators.kit.transport import SimulatorTransport
from simulators.timeback import TimebackSimulator

_FIXTURE = "shared/fixtures/timeback-openapi/oneroster-api.yaml"
#: TimeBack's own OpenAPI file, next to the project root (or in the shared checkout)
SPEC = Path(__file__).resolve().parents[3] / _FIXTURE
if not SPEC.exists():  # the worktree may sit elsewhere
    SPEC = Path("/work") / _FIXTURE


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
