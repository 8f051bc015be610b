"""The garbage collector's settings while a process copies a roster in bulk.

A sync decodes ~1,000 JSON objects a page into dicts and lists, makes a record and a row of each,
and drops them a moment later. None of that is cyclic garbage, yet with CPython's default
thresholds (a young collection every 700 new container objects) the collector ran ~40 times a
page and walked the older generations again and again, ~10 µs of CPU a synced row. For the length
of the work: everything alive when it starts (modules, the container) is frozen out of the
collector's reach, and a young collection waits for 50,000 new objects instead of 700 — still
frequent enough that a cycle never holds more than a few MB.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

BULK_YOUNG_THRESHOLD = 50_000

# runs overlap (a job and a CLI sync in one process, two jobs): the first to start tunes the
# collector, the last to finish puts the previous settings back
_active = 0
_saved: tuple[int, int, int] | None = None


@contextmanager
def collector_tuned_for_bulk_work() -> Iterator[None]:
    global _active, _saved
    if _active == 0:
        _saved = gc.get_threshold()
        gc.freeze()
        _, middle, old = _saved
        gc.set_threshold(max(BULK_YOUNG_THRESHOLD, _saved[0]), middle, old)
    _active += 1
    try:
        yield
    finally:
        _active -= 1
        if _active == 0 and _saved is not None:
            gc.set_threshold(*_saved)
            gc.unfreeze()
            _saved = None
