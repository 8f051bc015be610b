"""The QTI adapter's own rules: the BFF's window out of QTI's pages, QTI's errors as domain errors
carrying its validation messages, and retries only where a second try is harmless."""

from __future__ import annotations

import httpx
import pytest

from adapters.qti.calls import QtiCalls, validation_messages
from adapters.qti.content import QtiContent
from adapters.timeback.errors import FAMILY
from adapters.timeback.retrying import RetryPolicy
from domain.errors import Conflict, DomainError, NotFound, UpstreamRefusedInput, UpstreamUnavailable
from domain.ports.assessments import ContentKind, ContentQuery

ROWS = [{"identifier": f"i-{n:02d}"} for n in range(23)]


async def _no_sleep(_: float) -> None:
    return None


def _calls(handler: httpx.MockTransport) -> QtiCalls:
    http = httpx.AsyncClient(transport=handler, base_url="http://qti.test")
    return QtiCalls(http, FAMILY, RetryPolicy(sleep=_no_sleep, random=lambda: 0.0))


def _pages(seen: list[tuple[int, int]]) -> httpx.MockTransport:
    def answer(request: httpx.Request) -> httpx.Response:
        page, limit = int(request.url.params["page"]), int(request.url.params["limit"])
        seen.append((page, limit))
        rows = ROWS[(page - 1) * limit : page * limit]
        return httpx.Response(200, json={"items": rows, "total": len(ROWS), "page": page})

    return httpx.MockTransport(answer)


@pytest.mark.parametrize(
    ("limit", "offset", "pages"),
    [(5, 0, [(1, 5)]), (5, 10, [(3, 5)]), (5, 7, [(2, 5), (3, 5)]), (10, 18, [(2, 10), (3, 10)])],
)
async def test_any_window_is_exact(limit: int, offset: int, pages: list[tuple[int, int]]) -> None:
    seen: list[tuple[int, int]] = []
    content = QtiContent(_calls(_pages(seen)))
    page = await content.list(ContentKind.ITEMS, ContentQuery(limit=limit, offset=offset))
    assert page.items == ROWS[offset : offset + limit]
    assert page.total == len(ROWS)
    assert sorted(seen) == pages


def test_validation_messages_from_every_shape_qti_uses() -> None:
    assert validation_messages(
        {"error": "Validation error", "details": "bad", "validationErrors": ["line 3: x", "y"]}
    ) == ("line 3: x", "y", "bad")
    assert validation_messages(
        {"meta": {"issues": [{"field": "userId", "message": "userId is required"}]}}
    ) == ("userId: userId is required",)
    assert validation_messages(["not", "an", "object"]) == ()


async def _failing(status: int, body: object, method: str = "POST") -> DomainError:
    transport = httpx.MockTransport(lambda _: httpx.Response(status, json=body))
    with pytest.raises(DomainError) as caught:
        await _calls(transport).call(method, "/assessment-items", json={})
    return caught.value


async def test_qti_errors_become_domain_errors() -> None:
    refused = await _failing(400, {"error": "Invalid XML", "validationErrors": ["no root"]})
    assert isinstance(refused, UpstreamRefusedInput)
    assert refused.messages == ("no root",)
    assert refused.reason == "Invalid XML"
    assert isinstance(await _failing(409, {"error": "exists"}), Conflict)
    assert isinstance(await _failing(404, {"error": "Item not found"}, "GET"), NotFound)
    assert isinstance(await _failing(503, {"error": "down"}), UpstreamUnavailable)


@pytest.mark.parametrize(
    ("method", "path", "attempts"),
    [
        ("GET", "/assessment-items/x", 4),
        ("POST", "/assessment-items/x/process-response", 4),
        ("POST", "/assessment-items", 1),
        ("PUT", "/assessment-items/x", 1),
        ("DELETE", "/assessment-items/x", 1),
    ],
)
async def test_only_harmless_calls_are_retried(method: str, path: str, attempts: int) -> None:
    sent: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request.method)
        return httpx.Response(503, json={"error": "busy"})

    with pytest.raises(UpstreamUnavailable):
        await _calls(httpx.MockTransport(answer)).call(method, path, json={"a": 1})
    assert len(sent) == attempts
    assert set(sent) == {method}
