"""Per-request wiring: ``Annotated`` aliases that hand routers their domain services."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from api.composition import Container
from domain.services.scheduling import Scheduler
from domain.services.system import SystemService


def get_container(request: Request) -> Container:
    container: Container = request.state.container
    return container


ContainerDep = Annotated[Container, Depends(get_container)]


def get_system_service(container: ContainerDep) -> SystemService:
    return container.system()


def get_scheduler(container: ContainerDep) -> Scheduler:
    return container.scheduler()


SystemServiceDep = Annotated[SystemService, Depends(get_system_service)]
SchedulerDep = Annotated[Scheduler, Depends(get_scheduler)]
