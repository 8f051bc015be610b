from __future__ import annotations

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from domain.ports.identity import PasswordHasher


class Argon2PasswordHasher(PasswordHasher):
    """argon2id through pwdlib, with its recommended parameters."""

    def __init__(self) -> None:
        self._hash = PasswordHash((Argon2Hasher(),))
        # Verifying against this makes a login for an unknown account cost what a real one costs.
        self._dummy = self._hash.hash("dummy password for timing equalisation")

    def hash(self, password: str) -> str:
        return self._hash.hash(password)

    def verify(self, password: str, password_hash: str) -> bool:
        try:
            return self._hash.verify(password, password_hash)
        except Exception:  # an unreadable stored hash is a failed login, not a 500
            return False

    def verify_dummy(self, password: str) -> None:
        self._hash.verify(password, self._dummy)
