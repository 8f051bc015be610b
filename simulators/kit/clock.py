"""The simulator's notion of time: wall time plus an offset that tests and harnesses can advance.

Token expiry is judged against this clock, so "an hour later" costs nothing: ``advance(3601)``.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime


class SimClock:
    def __init__(self) -> None:
        self._offset = 0.0

    def now(self) -> float:
        """Seconds since the epoch, as the simulator sees them."""
        return time.time() + self._offset

    def utcnow(self) -> datetime:
        return datetime.fromtimestamp(self.now(), UTC)

    @property
    def offset(self) -> float:
        return self._offset

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("the simulator clock only moves forward")
        self._offset += seconds

    def reset(self) -> None:
        self._offset = 0.0
