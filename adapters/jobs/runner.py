"""The runner interface the composition root builds, starts and stops."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from domain.ports import JobQueue

Reconciler = Callable[[], Awaitable[object]]


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
