"""An audit entry outlives a busy database: the middleware tries again before giving up."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from starlette.types import Message, Receive, Scope, Send
from tenacity import wait_none

import api.audit_trail as audit_trail
from api.audit_trail import AuditTrailMiddleware
from domain.errors import StorageUnavailable
from domain.models.identity import AuditEvent


class _Audit:
    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls = 0
        self.recorded: list[AuditEvent] = []

    async def record(self, event: AuditEvent) -> None:
        self.calls += 1
        if self.calls <= self.failures:
            raise StorageUnavailable("database is locked")
        self.recorded.append(event)


class _Clock:
    def now(self) -> datetime:
        return datetime(2026, 12, 6, tzinfo=UTC)


class _Container:
    def __init__(self, audit: _Audit) -> None:
        self._audit = audit
        self.clock = _Clock()

    def audit(self) -> _Audit:
        return self._audit


async def _created(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 201, "headers": []})
    await send({"type": "http.response.body", "body": b"{}"})


async def _post(audit: _Audit) -> list[Message]:
    sent: list[Message] = []
    scope: dict[str, Any] = {
        "type": "http",
        "method": "POST",
        "path": "/v1/events",
        "state": {"container": _Container(audit)},
    }

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    await AuditTrailMiddleware(_created)(scope, receive, send)
    return sent


@pytest.fixture(autouse=True)
def _no_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(audit_trail, "AUDIT_WAIT", wait_none())


async def test_a_busy_database_delays_the_audit_entry_but_does_not_lose_it() -> None:
    audit = _Audit(failures=3)
    sent = await _post(audit)
    assert sent[0]["status"] == 201
    assert audit.calls == 4
    assert [e.action for e in audit.recorded] == ["POST (no route)"]
    assert audit.recorded[0].status == 201


class _Log:
    def __init__(self) -> None:
        self.errors: list[str] = []

    def exception(self, event: str, **_: object) -> None:
        self.errors.append(event)


async def test_a_database_that_stays_busy_is_given_up_on_loudly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    audit = _Audit(failures=audit_trail.AUDIT_ATTEMPTS)
    log = _Log()
    monkeypatch.setattr(audit_trail, "log", log)
    sent = await _post(audit)
    assert sent[0]["status"] == 201
    assert audit.calls == audit_trail.AUDIT_ATTEMPTS
    assert audit.recorded == []
    assert log.errors == ["audit_write_failed"]
