from __future__ import annotations

from zxcvbn.frequency_lists import FREQUENCY_LISTS

from domain.services.passwords import CommonPasswords


class ZxcvbnCommonPasswords(CommonPasswords):
    """The most frequent passwords from zxcvbn's leaked-password list (most common first)."""

    def __init__(self, top: int = 10_000) -> None:
        self._words = frozenset(FREQUENCY_LISTS["passwords"][:top])

    def __contains__(self, password: object) -> bool:
        return password in self._words
