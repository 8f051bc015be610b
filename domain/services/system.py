"""Readiness and upstream status: what operators and load balancers ask the BFF about itself."""

from __future__ import annotations

from collections.abc import Sequence

from domain.models.identity import Actor
from domain.models.system import PeriodicTask, Readiness, UpstreamCheck
from domain.policy import Action, Area, Policy
from domain.ports import DatabaseProbe, UnitOfWorkFactory, UpstreamProbe


class SystemService:
    def __init__(
        self,
        *,
        database: DatabaseProbe,
        upstreams: Sequence[UpstreamProbe],
        uow: UnitOfWorkFactory,
        policy: Policy,
    ) -> None:
        self._database = database
        self._upstreams = upstreams
        self._uow = uow
        self._policy = policy

    async def readiness(self) -> Readiness:
        """Ready when the database answers at the newest migration and every upstream is configured.

        Upstream *reachability* is deliberately not part of readiness: a vendor outage must not take
        the BFF out of its load balancer, since cached reads and local writes still work.
        """
        components = [await self._database.check()]
        components.extend(probe.configured() for probe in self._upstreams)
        return Readiness(components=tuple(components))

    async def upstream_checks(self, *, actor: Actor) -> Sequence[UpstreamCheck]:
        """The newest reachability check of each upstream, as the periodic job recorded it."""
        await self._policy.require(actor, Action.READ, Area.OPERATIONS)
        async with self._uow() as uow:
            return await uow.upstream_checks.latest()

    async def periodic_tasks(self, *, actor: Actor) -> Sequence[PeriodicTask]:
        await self._policy.require(actor, Action.READ, Area.OPERATIONS)
        async with self._uow() as uow:
            return await uow.periodic_tasks.list()

    async def check_upstreams(self) -> str:
        """Probe every upstream once and record the outcome; returns a one-line summary."""
        checks = [await probe.check() for probe in self._upstreams]
        async with self._uow() as uow:
            for check in checks:
                await uow.upstream_checks.record(check)
            await uow.commit()
        down = [c.upstream for c in checks if not c.ok]
        return f"{len(checks) - len(down)}/{len(checks)} upstreams reachable" + (
            f"; down: {', '.join(down)}" if down else ""
        )
