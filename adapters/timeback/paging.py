"""OneRoster pages: one list response read into a :class:`Page`, and the rules for "is there more".

TimeBack carries a page's position twice (reference §4.2): in the body (``totalCount``,
``pageCount``, ``pageNumber``, ``offset``, ``limit``) and in the 1EdTech headers (``X-Total-Count``,
``Link``). The total is read from the body, else the header. There is more when ``Link`` has
``rel="next"``; else, with a total, when the page ends before it; else (no total) when the page was
full. An empty page is always the last.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx
import orjson

DEFAULT_PAGE_SIZE = 1000
MAX_PAGE_SIZE = 3000  # TimeBack's maximum ``limit``
PAGE_FIELDS = frozenset({"totalCount", "pageCount", "pageNumber", "offset", "limit"})

JsonObject = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Page:
    items: list[JsonObject]
    #: the collection's total, when the answer said
    total: int | None
    offset: int
    limit: int
    has_more: bool

    @property
    def next_offset(self) -> int | None:
        return self.offset + len(self.items) if self.has_more else None

    def __len__(self) -> int:
        return len(self.items)


def check_page_size(limit: int, *, max_size: int = MAX_PAGE_SIZE) -> int:
    if not 1 <= limit <= max_size:
        raise ValueError(f"page size must be between 1 and {max_size}, not {limit}")
    return limit


def read_page(response: httpx.Response, *, offset: int, limit: int, key: str | None = None) -> Page:
    """The page in a successful list response. ``key`` is the envelope key (``users``, ``orgs``,
    ...); without it, the one list-valued field of the body."""
    # orjson: a 1000-object page decodes several times faster than with the standard library; its
    # JSONDecodeError is a ValueError, as the standard one is
    body = orjson.loads(response.content)
    if not isinstance(body, dict):
        raise ValueError("a OneRoster list answer is a JSON object")
    items = _items(body, key)
    total = _total(body, response.headers)
    return Page(
        items=items,
        total=total,
        offset=offset,
        limit=limit,
        has_more=has_more(
            count=len(items),
            offset=offset,
            limit=limit,
            total=total,
            link=response.headers.get("link"),
        ),
    )


def has_more(*, count: int, offset: int, limit: int, total: int | None, link: str | None) -> bool:
    if count == 0:
        return False
    if link and has_next_link(link):
        return True
    if total is not None:
        return offset + count < total
    return count >= limit


def has_next_link(link: str) -> bool:
    """Whether an RFC 8288 ``Link`` header has a ``rel="next"`` member."""
    for member in link.split(","):
        for param in member.split(";")[1:]:
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "rel" and "next" in value.strip().strip('"').lower().split():
                return True
    return False


def _items(body: Mapping[str, Any], key: str | None) -> list[JsonObject]:
    if key is not None:
        value = body.get(key)
        if not isinstance(value, list):
            raise ValueError(f"the list answer has no {key!r} list")
        return value
    lists = [v for k, v in body.items() if k not in PAGE_FIELDS and isinstance(v, list)]
    if len(lists) != 1:
        raise ValueError("cannot tell which field of the list answer holds the items")
    items: list[JsonObject] = lists[0]
    return items


def _total(body: Mapping[str, Any], headers: httpx.Headers) -> int | None:
    total = body.get("totalCount")
    if isinstance(total, int) and not isinstance(total, bool) and total >= 0:
        return total
    header = headers.get("x-total-count")
    if header is not None:
        try:
            return max(0, int(header))
        except ValueError:
            return None
    return None
