"""What both drivers share: run each documented call, keep what it answered or raised, print
everything as one JSON object. Runs under the official clients' own interpreter (Python 3.12,
their venv), so it imports nothing from the project."""

from __future__ import annotations

import json
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import BaseModel


def plain(value: Any) -> Any:
    """The answer as JSON: models by their wire (camelCase) names, bytes by size."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True, exclude_none=True)
    if isinstance(value, bytes):
        return {"bytes": len(value), "zip": value[:2] == b"PK"}
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if hasattr(value, "__dataclass_fields__") or hasattr(value, "has_more"):
        return {k: plain(v) for k, v in vars(value).items() if not k.startswith("_")}
    return value


class Recorder:
    def __init__(self) -> None:
        self.calls: dict[str, dict[str, Any]] = {}

    def call(self, name: str, run: Callable[[], Any]) -> Any:
        try:
            value = run()
        except Exception as exc:  # the test reads the failure
            self._failed(name, exc)
            return None
        self.calls[name] = {"ok": True, "value": plain(value)}
        return value

    async def acall(self, name: str, run: Callable[[], Awaitable[Any]]) -> Any:
        try:
            value = await run()
        except Exception as exc:
            self._failed(name, exc)
            return None
        self.calls[name] = {"ok": True, "value": plain(value)}
        return value

    def _failed(self, name: str, exc: Exception) -> None:
        self.calls[name] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:800]}

    def emit(self) -> None:
        json.dump({"calls": self.calls}, sys.stdout)
        sys.stdout.write("\n")


def read_plan() -> dict[str, Any]:
    """The ids and URLs the test chose, as JSON on standard input."""
    plan: dict[str, Any] = json.load(sys.stdin)
    return plan
