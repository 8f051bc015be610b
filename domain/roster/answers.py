"""Answers already given, by entity tag: a page asked for again on the same cache version, by the
same scope, with the same query, is that page again (see :mod:`domain.roster.versions`), so it can
be sent without being read.

Correct by construction rather than by expiry: the key covers everything the answer depends on, so
any change to the cache (a new version) or to who asks (another scope) misses. Each process keeps
its own, bounded by the bytes it holds; the least recently used answers go first.
"""

from __future__ import annotations

from collections import OrderedDict

from domain.ports.roster_pages import JsonPage

#: what an entry costs besides its items' text (the key, the page object, the list)
_OVERHEAD = 200


class AnswerCache:
    def __init__(self, *, max_bytes: int) -> None:
        self._max_bytes = max_bytes
        self._bytes = 0
        self._pages: OrderedDict[str, tuple[JsonPage, int]] = OrderedDict()

    def get(self, tag: str) -> JsonPage | None:
        found = self._pages.get(tag)
        if found is None:
            return None
        self._pages.move_to_end(tag)
        return found[0]

    def put(self, tag: str, page: JsonPage) -> None:
        size = _OVERHEAD + sum(len(item) for item in page.items)
        if size > self._max_bytes or tag in self._pages:
            return
        self._pages[tag] = (page, size)
        self._bytes += size
        while self._bytes > self._max_bytes:
            _, (_, freed) = self._pages.popitem(last=False)
            self._bytes -= freed

    @property
    def size(self) -> int:
        """Bytes held (approximately: the items' text plus a fixed overhead per page)."""
        return self._bytes
