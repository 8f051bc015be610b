"""Scripted faults: what the next requests to a simulator should suffer before reaching a route.

Rules are consumed in the order they were added. Latency rules stack with everything else; of the
failure and hang rules, the first one matching a request wins. A rule limited to ``times`` requests
disappears once used up; ``path`` restricts a rule to requests whose path starts with it.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

RuleKind = Literal["fail", "hang", "latency"]


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


class FaultPlan:
    def __init__(self) -> None:
        self._rules: list[FaultRule] = []
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

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def describe(self) -> list[dict[str, object]]:
        with self._lock:
            return [rule.describe() for rule in self._rules]

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


def _positive(times: int) -> int:
    if times < 1:
        raise ValueError("times must be at least 1")
    return times
