"""Entity tags for cached reads: the same query on the same version of the cache is the same
answer, byte for byte, so a client holding it can be told "not modified" without it being read.

A tag covers everything the answer depends on: the cache version (the change feed's newest cursor,
which grows with every change to any record), the caller's scope (as terms, so two teachers' tags
differ) and the query itself. It is a digest of a canonical form of those values, not of their
``repr``: a frozenset's order follows string hashing, which differs between processes, and every
worker must give a page the same tag.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
from enum import Enum
from typing import Any

from domain.roster.query import RosterQuery


def _canonical(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (
            type(value).__name__,
            tuple((f.name, _canonical(getattr(value, f.name))) for f in dataclasses.fields(value)),
        )
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, frozenset | set):
        return tuple(sorted((_canonical(v) for v in value), key=repr))
    if isinstance(value, tuple | list):
        return tuple(_canonical(v) for v in value)
    return value


@functools.lru_cache(maxsize=4096)
def _query_key(query: RosterQuery) -> bytes:
    """The query's canonical form, kept per distinct query (queries are frozen and hashable; the
    same page asked for again is an equal query)."""
    return repr(_canonical(query)).encode()


def page_tag(query: RosterQuery, version: int) -> str:
    """A strong entity tag (quoted) for ``query`` answered from cache ``version``."""
    digest = hashlib.blake2b(_query_key(query), digest_size=16)
    digest.update(b"@%d" % version)
    return '"' + digest.hexdigest() + '"'


def tag_matches(if_none_match: str, tag: str) -> bool:
    """RFC 9110's weak comparison for ``If-None-Match``: any listed tag (``W/`` or not) or ``*``."""
    for candidate in if_none_match.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/") == tag:
            return True
    return False
