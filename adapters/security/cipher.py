from __future__ import annotations

from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from domain.errors import InvalidInput
from domain.ports.identity import Cipher


class FernetCipher(Cipher):
    """AES-128-CBC + HMAC (Fernet) with rotation: the first key encrypts, every key decrypts."""

    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise ValueError("at least one encryption key is needed")
        self._fernet = MultiFernet([Fernet(k.encode()) for k in keys])

    def encrypt(self, plaintext: bytes) -> str:
        return self._fernet.encrypt(plaintext).decode()

    def decrypt(self, token: str) -> bytes:
        try:
            return self._fernet.decrypt(token.encode())
        except InvalidToken as exc:
            raise InvalidInput(
                "The stored secret cannot be decrypted with any configured key."
            ) from exc

    def rotate(self, token: str) -> str:
        try:
            return self._fernet.rotate(token.encode()).decode()
        except InvalidToken as exc:
            raise InvalidInput(
                "The stored secret cannot be decrypted with any configured key."
            ) from exc

    @staticmethod
    def generate_key() -> str:
        return Fernet.generate_key().decode()
