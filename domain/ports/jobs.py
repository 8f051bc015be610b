"""Background work.

Jobs only *trigger* work: the database row is the truth about what is due. A runner may lose a job
(crash) or deliver it twice (retry); handlers must find out from the database whether anything is left
to do, and the scheduler's reconciler re-enqueues what is due.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Protocol

JsonScalar = str | int | float | bool | None
JobPayload = Mapping[str, JsonScalar]
JobHandler = Callable[[JobPayload], Awaitable[None]]


class JobQueue(Protocol):
    async def enqueue(
        self, job: str, payload: JobPayload, *, dedupe_key: str | None = None
    ) -> None:
        """Ask for ``job`` to run with ``payload``.

        While a job with the same ``dedupe_key`` is still waiting, another one is not queued.
        """
        ...
