"""Ports: what the domain needs from the outside world, as typing.Protocol classes.

Adapters subclass these explicitly so mypy checks them where they are defined.
"""

from domain.ports.clock import Clock
from domain.ports.jobs import JobHandler, JobPayload, JobQueue
from domain.ports.probes import DatabaseProbe, UpstreamProbe
from domain.ports.uow import (
    PeriodicTaskRepository,
    UnitOfWork,
    UnitOfWorkFactory,
    UpstreamCheckRepository,
)

__all__ = [
    "Clock",
    "DatabaseProbe",
    "JobHandler",
    "JobPayload",
    "JobQueue",
    "PeriodicTaskRepository",
    "UnitOfWork",
    "UnitOfWorkFactory",
    "UpstreamCheckRepository",
    "UpstreamProbe",
]
