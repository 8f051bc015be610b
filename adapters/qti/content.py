"""Items, tests, stimuli and tests' structure at TimeBack's QTI service.

Paging: the BFF pages by ``limit``/``offset``, QTI by 1-based ``page`` and ``limit``. A window
whose offset is a multiple of its limit is one QTI page; any other window straddles two pages of
that size, both fetched (at once) and cut, so every offset is exact.
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import quote

from adapters.qti.calls import QtiCalls
from domain.errors import NotFound
from domain.ports.assessments import (
    AssessmentContent,
    ContentKind,
    ContentPage,
    ContentQuery,
    SectionPath,
    TestStructure,
    WireObject,
)

PATHS = {
    ContentKind.ITEMS: "/assessment-items",
    ContentKind.TESTS: "/assessment-tests",
    ContentKind.STIMULI: "/stimuli",
}


def _seg(identifier: str) -> str:
    return quote(identifier, safe="")


def _object(answer: Any) -> WireObject:
    return answer if isinstance(answer, dict) else {}


def _list(answer: Any, *keys: str) -> list[WireObject]:
    """A list QTI answers bare or under one of ``keys``."""
    if isinstance(answer, dict):
        for key in keys:
            if isinstance(answer.get(key), list):
                answer = answer[key]
                break
    return [x for x in answer if isinstance(x, dict)] if isinstance(answer, list) else []


async def _qti_page(
    calls: QtiCalls, path: str, query: ContentQuery, page: int
) -> tuple[list[WireObject], int]:
    params: dict[str, str | int] = {"page": page, "limit": query.limit}
    for name in ("query", "filter", "sort", "order"):
        value = getattr(query, name)
        if value is not None:
            params[name] = value
    answer = _object(await calls.call("GET", path, params=params))
    total = answer.get("total")
    items = _list(answer, "items")
    return items, total if isinstance(total, int) else len(items)


async def window(calls: QtiCalls, path: str, query: ContentQuery) -> ContentPage:
    """The BFF's window (``limit``, ``offset``) out of QTI's pages of ``limit`` records."""
    first, skip = divmod(query.offset, query.limit)
    if skip == 0:
        items, total = await _qti_page(calls, path, query, first + 1)
        return ContentPage(items, total)
    (a, total), (b, _) = await asyncio.gather(
        _qti_page(calls, path, query, first + 1), _qti_page(calls, path, query, first + 2)
    )
    return ContentPage((a + b)[skip : skip + query.limit], total)


class QtiContent(AssessmentContent):
    def __init__(self, calls: QtiCalls) -> None:
        self._calls = calls

    async def list(self, kind: ContentKind, query: ContentQuery) -> ContentPage:
        return await window(self._calls, PATHS[kind], query)

    async def get(self, kind: ContentKind, identifier: str) -> WireObject:
        return _object(await self._calls.call("GET", f"{PATHS[kind]}/{_seg(identifier)}"))

    async def exists(self, kind: ContentKind, identifier: str) -> bool:
        try:
            await self.get(kind, identifier)
        except NotFound:
            return False
        return True

    async def create(self, kind: ContentKind, body: WireObject) -> WireObject:
        return _object(await self._calls.call("POST", PATHS[kind], json=body))

    async def update(self, kind: ContentKind, identifier: str, body: WireObject) -> WireObject:
        path = f"{PATHS[kind]}/{_seg(identifier)}"
        return _object(await self._calls.call("PUT", path, json=body))

    async def delete(self, kind: ContentKind, identifier: str) -> None:
        await self._calls.call("DELETE", f"{PATHS[kind]}/{_seg(identifier)}")

    async def questions(self, test: str) -> WireObject:
        path = f"{PATHS[ContentKind.TESTS]}/{_seg(test)}/questions"
        return _object(await self._calls.call("GET", path))


def _parts(test: str) -> str:
    return f"/assessment-tests/{_seg(test)}/test-parts"


def _sections(test: str, part: str) -> str:
    return f"{_parts(test)}/{_seg(part)}/sections"


def _section(where: SectionPath) -> str:
    return f"{_sections(where.test, where.part)}/{_seg(where.section)}"


class QtiTestStructure(TestStructure):
    def __init__(self, calls: QtiCalls) -> None:
        self._calls = calls

    async def parts(self, test: str, query: ContentQuery) -> ContentPage:
        return await window(self._calls, _parts(test), query)

    async def part(self, test: str, part: str) -> WireObject:
        return _object(await self._calls.call("GET", f"{_parts(test)}/{_seg(part)}"))

    async def create_part(self, test: str, body: WireObject) -> WireObject:
        return _object(await self._calls.call("POST", _parts(test), json=body))

    async def update_part(self, test: str, part: str, body: WireObject) -> WireObject:
        path = f"{_parts(test)}/{_seg(part)}"
        return _object(await self._calls.call("PUT", path, json=body))

    async def delete_part(self, test: str, part: str) -> None:
        await self._calls.call("DELETE", f"{_parts(test)}/{_seg(part)}")

    async def sections(self, test: str, part: str, query: ContentQuery) -> ContentPage:
        return await window(self._calls, _sections(test, part), query)

    async def section(self, where: SectionPath) -> WireObject:
        return _object(await self._calls.call("GET", _section(where)))

    async def create_section(self, test: str, part: str, body: WireObject) -> WireObject:
        return _object(await self._calls.call("POST", _sections(test, part), json=body))

    async def update_section(self, where: SectionPath, body: WireObject) -> WireObject:
        return _object(await self._calls.call("PUT", _section(where), json=body))

    async def delete_section(self, where: SectionPath) -> None:
        await self._calls.call("DELETE", _section(where))

    async def add_item_ref(self, where: SectionPath, ref: WireObject) -> WireObject:
        path = f"{_section(where)}/items"
        return _object(await self._calls.call("POST", path, json=ref))

    async def remove_item_ref(self, where: SectionPath, item: str) -> None:
        await self._calls.call("DELETE", f"{_section(where)}/items/{_seg(item)}")

    async def reorder_item_refs(self, where: SectionPath, refs: list[WireObject]) -> WireObject:
        path = f"{_section(where)}/items/order"
        return _object(await self._calls.call("PUT", path, json={"items": refs}))
