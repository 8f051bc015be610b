"""Per-token call limits on the simulator's clock: ``calls`` per ``window`` seconds, then blocked.

Zoho documents for Projects "more than 100 calls in 2 minutes: blocked for the next 30 minutes"
(reference 2.4); the block length is configurable so a harness can shorten it. Judged on the
simulator clock, so ``sim.clock.advance`` ends a window without waiting.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

from simulators.kit.clock import SimClock


@dataclass(slots=True)
class Throttle:
    calls: int
    window: float
    #: seconds a caller stays blocked after going over; 0 blocks only until the window frees a slot
    block: float = 0.0
    enabled: bool = True
    _seen: dict[str, deque[float]] = field(default_factory=dict, repr=False)
    _blocked_until: dict[str, float] = field(default_factory=dict, repr=False)

    def check(self, key: str, clock: SimClock) -> int | None:
        """Count one call for ``key``; None if allowed, else the seconds to wait (>= 1)."""
        if not self.enabled:
            return None
        now = clock.now()
        until = self._blocked_until.get(key, 0.0)
        if until > now:
            return max(1, math.ceil(until - now))
        seen = self._seen.setdefault(key, deque())
        while seen and seen[0] <= now - self.window:
            seen.popleft()
        if len(seen) >= self.calls:
            until = now + self.block if self.block > 0 else seen[0] + self.window
            self._blocked_until[key] = until
            return max(1, math.ceil(until - now))
        seen.append(now)
        return None

    def configure(
        self,
        *,
        calls: int | None = None,
        window: float | None = None,
        block: float | None = None,
        enabled: bool | None = None,
    ) -> None:
        if calls is not None:
            self.calls = calls
        if window is not None:
            self.window = window
        if block is not None:
            self.block = block
        if enabled is not None:
            self.enabled = enabled
        self.clear()

    def clear(self) -> None:
        self._seen.clear()
        self._blocked_until.clear()

    def describe(self) -> dict[str, object]:
        return {
            "enabled": self.enabled,
            "calls": self.calls,
            "window": self.window,
            "block": self.block,
        }
