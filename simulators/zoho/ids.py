"""Zoho-shaped ids: 18-digit numbers, well above 2^53, so a JavaScript ``Number`` would round them.

Zoho ids look like ``170876000004337009``: a per-account prefix, zeros, then a running counter. The
simulator keeps that shape so clients must carry ``id_string`` (or Python ints) end to end.
"""

from __future__ import annotations

import itertools

JS_SAFE_MAX = 2**53 - 1


class ZohoIds:
    """Deterministic for a prefix: the n-th id handed out is always the same number."""

    def __init__(self, prefix: int) -> None:
        if not 100_000 <= prefix <= 999_999:
            raise ValueError("the prefix must have six digits")
        self._prefix = prefix * 10**12
        self._counter = itertools.count(4_000_001)

    def next(self) -> int:
        value = self._prefix + next(self._counter)
        assert value > JS_SAFE_MAX  # noqa: S101 (the point of the shape)
        return value
