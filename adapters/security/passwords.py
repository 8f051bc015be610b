from __future__ import annotations

import asyncio

from argon2 import DEFAULT_MEMORY_COST, DEFAULT_TIME_COST
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from domain.ports.identity import PasswordHasher

#: OWASP's floor for argon2id; production settings may not go below it.
MIN_MEMORY_KIB = 19 * 1024


class Argon2PasswordHasher(PasswordHasher):
    """argon2id through pwdlib. Hashing takes ~0.2 s of CPU with the recommended costs, so it runs in
    a worker thread: a login must not stall every other request on the event loop."""

    def __init__(
        self, *, time_cost: int = DEFAULT_TIME_COST, memory_kib: int = DEFAULT_MEMORY_COST
    ) -> None:
        self._hash = PasswordHash((Argon2Hasher(time_cost=time_cost, memory_cost=memory_kib),))
        self._dummy: str | None = None

    async def hash(self, password: str) -> str:
        return await asyncio.to_thread(self._hash.hash, password)

    async def verify(self, password: str, password_hash: str) -> bool:
        return await asyncio.to_thread(self._verify, password, password_hash)

    async def verify_dummy(self, password: str) -> None:
        # Verifying against a real hash makes a login for an unknown account cost what a real one costs.
        if self._dummy is None:
            self._dummy = await self.hash("dummy password for timing equalisation")
        await self.verify(password, self._dummy)

    def _verify(self, password: str, password_hash: str) -> bool:
        try:
            return self._hash.verify(password, password_hash)
        except Exception:  # an unreadable stored hash is a failed login, not a 500
            return False
