"""Scripted faults: what the next requests to a simulator should suffer before reaching a route.

A rate limit (off by default) answers 429 with ``Retry-After`` once more than ``per_second``
requests arrived in the current second, as a rate-limited upstream does.

Chaos (off by default) makes a seeded random share of requests fail in one of four ways: a 5xx
before the route runs, a 429 with ``Retry-After``, a hang, or a *lost reply* -- the route runs (the
write is applied) and the client gets a 502 instead of the answer, as when a gateway or the network
drops a response. Lost replies are what exactly-once delivery must survive.

Rules are consumed in the order they were added. Latency rules stack with everything else; of the
failure and hang rules, the first one matching a request wins. A rule limited to ``times`` requests
disappears once used up; ``path`` restricts a rule to requests whose path starts with it.
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

RuleKind = Literal["fail", "hang", "latency"]
ChaosKind = Literal["error", "throttle", "hang", "lost_reply"]
CHAOS_KINDS: tuple[ChaosKind, ...] = ("error", "throttle", "hang", "lost_reply")


@dataclass(slots=True)
class FaultRule:
    kind: RuleKind
    remaining: int | None
    path: str | None = None
    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    body: object = None
    seconds: float = 0.0

    def matches(self, path: str) -> bool:
        return self.path is None or path.startswith(self.path)

    def describe(self) -> dict[str, object]:
        out: dict[str, object] = {"kind": self.kind, "remaining": self.remaining, "path": self.path}
        if self.kind == "fail":
            out |= {"status": self.status, "headers": self.headers, "body": self.body}
        if self.kind == "latency":
            out["seconds"] = self.seconds
        return out


@dataclass(frozen=True, slots=True)
class FaultAction:
    """What the middleware does to one request."""

    latency: float = 0.0
    hang: bool = False
    failure: FaultRule | None = None
    #: Run the route, then answer with ``failure`` instead of its response.
    lose_reply: bool = False


@dataclass(slots=True)
class Chaos:
    rate: float
    kinds: tuple[ChaosKind, ...]
    rng: random.Random
    path: str | None = None
    injected: dict[str, int] = field(default_factory=dict)
    #: requests chaos was asked about (those under ``path``), failed or not
    seen: int = 0

    def pick(self, path: str) -> ChaosKind | None:
        if self.path is not None and not path.startswith(self.path):
            return None
        self.seen += 1
        if self.rng.random() >= self.rate:
            return None
        kind = self.rng.choice(self.kinds)
        self.injected[kind] = self.injected.get(kind, 0) + 1
        return kind

    def describe(self) -> dict[str, object]:
        return {
            "kind": "chaos",
            "rate": self.rate,
            "kinds": list(self.kinds),
            "path": self.path,
            "injected": dict(self.injected),
        }


@dataclass(slots=True)
class RateLimit:
    per_second: float
    path: str | None = None
    window: int = -1  # the whole second being counted
    count: int = 0

    def exceeded(self, path: str, now: float) -> bool:
        if self.path is not None and not path.startswith(self.path):
            return False
        second = math.floor(now)
        if second != self.window:
            self.window, self.count = second, 0
        self.count += 1
        return self.count > self.per_second

    def describe(self) -> dict[str, object]:
        return {"kind": "rate_limit", "per_second": self.per_second, "path": self.path}


class FaultPlan:
    def __init__(self) -> None:
        self._rules: list[FaultRule] = []
        self._rate_limit: RateLimit | None = None
        self._chaos: Chaos | None = None
        # the standalone server's loop thread reads while a harness thread may script
        self._lock = threading.Lock()

    def fail_next(
        self,
        status: int,
        *,
        times: int = 1,
        headers: Mapping[str, str] | None = None,
        body: object = None,
        path: str | None = None,
    ) -> None:
        """Answer the next ``times`` requests with ``status`` (default body: the upstream's own)."""
        if not 400 <= status <= 599:
            raise ValueError("a scripted failure needs a 4xx or 5xx status")
        self._add(FaultRule("fail", _positive(times), path, status, dict(headers or {}), body))

    def timeout_next(self, *, times: int = 1, path: str | None = None) -> None:
        """Hang the next ``times`` requests for longer than any client waits."""
        self._add(FaultRule("hang", _positive(times), path))

    def add_latency(
        self, seconds: float, *, times: int | None = None, path: str | None = None
    ) -> None:
        """Delay requests by ``seconds``: every request until cleared, or the next ``times``."""
        if seconds < 0:
            raise ValueError("latency cannot be negative")
        remaining = None if times is None else _positive(times)
        self._add(FaultRule("latency", remaining, path, seconds=seconds))

    def set_rate_limit(self, per_second: float | None, *, path: str | None = None) -> None:
        """Allow ``per_second`` requests each second (429 beyond); None switches it off."""
        if per_second is not None and per_second <= 0:
            raise ValueError("a rate limit must be positive")
        with self._lock:
            self._rate_limit = None if per_second is None else RateLimit(per_second, path)

    def set_chaos(
        self,
        rate: float | None,
        *,
        seed: int = 0,
        kinds: tuple[ChaosKind, ...] = CHAOS_KINDS,
        path: str | None = None,
    ) -> None:
        """Fail a ``rate`` share of requests (0 < rate <= 1) at random, reproducibly for a
        ``seed``, in one of ``kinds``; None switches chaos off."""
        if rate is not None and not 0 < rate <= 1:
            raise ValueError("a chaos rate is a share between 0 and 1")
        if rate is not None and (not kinds or any(k not in CHAOS_KINDS for k in kinds)):
            raise ValueError(f"chaos kinds are among {', '.join(CHAOS_KINDS)}")
        with self._lock:
            self._chaos = None if rate is None else Chaos(rate, tuple(kinds), _rng(seed), path)

    def chaos_injected(self) -> dict[str, int]:
        """How many requests chaos has failed so far, by kind."""
        with self._lock:
            return {} if self._chaos is None else dict(self._chaos.injected)

    def chaos_seen(self) -> int:
        """How many requests chaos has judged so far (the failed ones included)."""
        with self._lock:
            return 0 if self._chaos is None else self._chaos.seen

    @property
    def rate_limit(self) -> float | None:
        return None if self._rate_limit is None else self._rate_limit.per_second

    def clear(self) -> None:
        """Drop every rule, the rate limit and chaos."""
        with self._lock:
            self._rules.clear()
            self._rate_limit = None
            self._chaos = None

    def describe(self) -> list[dict[str, object]]:
        with self._lock:
            rules = [rule.describe() for rule in self._rules]
            rules += [self._rate_limit.describe()] if self._rate_limit else []
            return rules + ([self._chaos.describe()] if self._chaos else [])

    def next_action(self, path: str) -> FaultAction:
        with self._lock:
            latency = 0.0
            chosen: FaultRule | None = None
            for rule in self._rules:
                if not rule.matches(path):
                    continue
                if rule.kind == "latency":
                    latency += rule.seconds
                    self._use(rule)
                elif chosen is None:
                    chosen = rule
                    self._use(rule)
            self._rules = [r for r in self._rules if r.remaining is None or r.remaining > 0]
            limit = self._rate_limit
            if chosen is None and limit is not None and limit.exceeded(path, time.monotonic()):
                chosen = FaultRule("fail", None, status=429, headers={"Retry-After": "1"})
            if chosen is None and self._chaos is not None:
                return _chaos_action(self._chaos.pick(path), self._chaos.rng, latency)
        if chosen is None:
            return FaultAction(latency=latency)
        if chosen.kind == "hang":
            return FaultAction(latency=latency, hang=True)
        return FaultAction(latency=latency, failure=chosen)

    def _add(self, rule: FaultRule) -> None:
        with self._lock:
            self._rules.append(rule)

    @staticmethod
    def _use(rule: FaultRule) -> None:
        if rule.remaining is not None:
            rule.remaining -= 1


def _chaos_action(kind: ChaosKind | None, rng: random.Random, latency: float) -> FaultAction:
    match kind:
        case None:
            return FaultAction(latency=latency)
        case "hang":
            return FaultAction(latency=latency, hang=True)
        case "throttle":
            throttled = FaultRule("fail", None, status=429, headers={"Retry-After": "1"})
            return FaultAction(latency=latency, failure=throttled)
        case "error":
            status = rng.choice((500, 502, 503))
            return FaultAction(latency=latency, failure=FaultRule("fail", None, status=status))
        case "lost_reply":
            lost = FaultRule("fail", None, status=502)
            return FaultAction(latency=latency, failure=lost, lose_reply=True)


def _positive(times: int) -> int:
    if times < 1:
        raise ValueError("times must be at least 1")
    return times


def _rng(seed: int) -> random.Random:
    return random.Random(seed)  # noqa: S311 - reproducible fault choice, not security
