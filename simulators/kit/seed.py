"""Deterministic demo values: the same seed gives the same names, ids and dates on every machine.

Each consumer takes its own ``stream``, so adding a field to one simulator's data never shifts the
values another simulator draws. Not for secrets: ``random`` is the point here.
"""

from __future__ import annotations

import random
import string
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TypeVar

T = TypeVar("T")

GIVEN_NAMES = (
    "Ada", "Amara", "Aiden", "Beatriz", "Bilal", "Carmen", "Chen", "Darius", "Elena", "Emeka",
    "Farah", "Felix", "Grace", "Hiro", "Imani", "Isla", "Jamal", "Jun", "Kavya", "Keanu", "Lena",
    "Liam", "Maya", "Mateo", "Nadia", "Noah", "Olu", "Priya", "Quinn", "Rafael", "Rosa", "Sami",
    "Sofia", "Tariq", "Uma", "Valentina", "Wei", "Xavier", "Yara", "Zane",
)  # fmt: skip
FAMILY_NAMES = (
    "Abara", "Bauer", "Castillo", "Dubois", "Eriksen", "Fernandes", "Garcia", "Haddad", "Ivanova",
    "Johnson", "Kowalski", "Lindqvist", "Mensah", "Nakamura", "Okafor", "Patel", "Quispe", "Rossi",
    "Santos", "Tanaka", "Umarov", "Vargas", "Walker", "Xu", "Yilmaz", "Zhang", "Nguyen", "Murphy",
    "Kim", "Osei",
)  # fmt: skip
PLACES = (
    "Maple Grove", "Riverside", "Cedar Hills", "Lakeview", "Harbor Point", "Pine Ridge",
    "Sunnyvale", "Oak Park", "Brookfield", "Fairmont", "Willow Creek", "Stonebridge",
)  # fmt: skip
#: Demo data lives in a fixed window so it never depends on when it was generated.
EPOCH = datetime(2024, 8, 1, tzinfo=UTC)


class SeedGenerator:
    def __init__(self, seed: int, stream: str = "") -> None:
        self.seed = seed
        self.name = stream
        self._rng = random.Random(f"{seed}:{stream}")

    def stream(self, name: str) -> SeedGenerator:
        """An independent generator for one consumer of the same seed."""
        return SeedGenerator(self.seed, f"{self.name}/{name}" if self.name else name)

    def uuid(self) -> str:
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def digits(self, length: int) -> str:
        first = self._rng.choice("123456789")
        return first + "".join(self._rng.choice(string.digits) for _ in range(length - 1))

    def hex(self, length: int) -> str:
        return "".join(self._rng.choice("0123456789abcdef") for _ in range(length))

    def token(self, length: int, alphabet: str = string.ascii_letters + string.digits) -> str:
        return "".join(self._rng.choice(alphabet) for _ in range(length))

    def integer(self, low: int, high: int) -> int:
        return self._rng.randint(low, high)

    def chance(self, probability: float) -> bool:
        return self._rng.random() < probability

    def choice(self, options: Sequence[T]) -> T:
        return self._rng.choice(options)

    def sample(self, options: Sequence[T], k: int) -> list[T]:
        """``k`` distinct picks, in the order drawn."""
        return self._rng.sample(list(options), k)

    def given_name(self) -> str:
        return self._rng.choice(GIVEN_NAMES)

    def family_name(self) -> str:
        return self._rng.choice(FAMILY_NAMES)

    def place(self) -> str:
        return self._rng.choice(PLACES)

    def moment(self, *, after: datetime = EPOCH, within_days: int = 365) -> datetime:
        """A timestamp with microseconds, like database-generated ones."""
        micros = self._rng.randrange(within_days * 86_400 * 1_000_000)
        return after + timedelta(microseconds=micros)
