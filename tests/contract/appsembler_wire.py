"""Raw HTTP to the Open edX simulator, as the upstream's own tests speak to the LMS."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from simulators.appsembler import AppsemblerSimulator
from simulators.appsembler.state import Account
from simulators.kit.transport import SimulatorTransport

BASE = "http://appsembler.sim"
API = "/appsembler_api/v0"


def token_for(sim: AppsemblerSimulator, user: Account | None = None) -> str:
    """A live DOT token acting as ``user`` (the service user by default)."""
    subject = str(user.id if user is not None else 1)
    return sim.tokens.issue(subject, scope="read write email profile").value


@asynccontextmanager
async def wire(
    sim: AppsemblerSimulator, user: Account | None = None
) -> AsyncIterator[httpx.AsyncClient]:
    headers = {"Authorization": f"Bearer {token_for(sim, user)}"}
    async with httpx.AsyncClient(
        transport=SimulatorTransport(sim.app), base_url=BASE + API, headers=headers
    ) as http:
        yield http


def learners(sim: AppsemblerSimulator) -> list[Account]:
    return [a for a in sim.state.accounts.values() if not a.is_staff]


def class_course(sim: AppsemblerSimulator, n: int = 0) -> str:
    return [c for c in sim.state.courses if not c.endswith("self_paced")][n]
