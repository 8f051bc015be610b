"""The runner interface the composition root builds, starts and stops."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

import structlog

from domain.ports import JobQueue

Reconciler = Callable[[], Awaitable[object]]

log = structlog.get_logger(__name__)


class ReconcilerSlot:
    """The reconciler both runners hold: installed once, called when a runner ticks."""

    runner_name = "runner"

    def __init__(self) -> None:
        self._reconcile: Reconciler | None = None

    def set_reconciler(self, reconcile: Reconciler) -> None:
        self._reconcile = reconcile

    async def reconcile_now(self) -> None:
        """Call the reconciler once; its failure is logged, never raised."""
        if self._reconcile is None:
            return
        try:
            await self._reconcile()
        except Exception:
            log.exception("reconcile_failed", runner=self.runner_name)


class JobRunner(JobQueue, Protocol):
    """A :class:`JobQueue` with a life cycle and a periodic reconciler."""

    def set_reconciler(self, reconcile: Reconciler) -> None:
        """Install the coroutine function called periodically to re-enqueue what is due."""
        ...

    async def start(self) -> None:
        """Be ready to enqueue.

        The in-process runner also starts its workers and its reconcile ticker here; the
        procrastinate runner only opens its connection pool (workers run in ``run_worker``).
        """
        ...

    async def stop(self) -> None:
        """Stop everything started here. Idempotent, and safe when ``start`` never ran."""
        ...

    async def run_worker(self, *, install_signal_handlers: bool = True) -> None:
        """Run jobs and the reconciler here until stopped (signal, cancellation or ``stop``)."""
        ...
