"""A bounded log of the requests a simulator answered, safe to print: credentials are redacted."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from urllib.parse import parse_qsl, urlencode

REDACTED = "[redacted]"
SECRET_HEADERS = frozenset({"authorization", "cookie", "x-api-key", "x-edx-api-key"})
# Zoho accepts token-endpoint parameters in the query string, secrets included.
SECRET_PARAMS = frozenset({"client_secret", "refresh_token", "code", "password", "access_token"})


@dataclass(frozen=True, slots=True)
class RequestRecord:
    method: str
    host: str
    path: str
    query: str
    headers: dict[str, str]
    body_bytes: int
    status: int | None  # None: the client gave up before an answer (scripted hang)
    started_at: str
    duration_ms: float
    fault: str | None = None

    def to_json(self) -> dict[str, object]:
        return asdict(self)


class RequestLog:
    def __init__(self, *, maxlen: int = 1000) -> None:
        self._entries: deque[RequestRecord] = deque(maxlen=maxlen)
        self._lock = threading.Lock()

    def record(self, entry: RequestRecord) -> None:
        with self._lock:
            self._entries.append(entry)

    def entries(self, *, path: str | None = None, method: str | None = None) -> list[RequestRecord]:
        """Oldest first; ``path`` matches as a prefix."""
        with self._lock:
            items = list(self._entries)
        return [
            e
            for e in items
            if (path is None or e.path.startswith(path)) and (method is None or e.method == method)
        ]

    def last(self) -> RequestRecord:
        with self._lock:
            return self._entries[-1]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


def redact_headers(raw: Iterable[tuple[bytes, bytes]]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for key_bytes, value_bytes in raw:
        key, value = key_bytes.decode("latin-1").lower(), value_bytes.decode("latin-1")
        if key in SECRET_HEADERS:
            # keep the scheme: tests and operators need to see Basic vs Bearer
            scheme, _, credential = value.partition(" ")
            value = f"{scheme} {REDACTED}" if credential else REDACTED
        headers[key] = value
    return headers


def redact_query(query: str) -> str:
    pairs = parse_qsl(query, keep_blank_values=True)
    if not any(k in SECRET_PARAMS for k, _ in pairs):
        return query
    return urlencode([(k, REDACTED if k in SECRET_PARAMS else v) for k, v in pairs])
