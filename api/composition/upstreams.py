"""Connecting every declared upstream: HTTP clients, health probes, tracker plugins, the identity
provider. Nothing here names an upstream; each one's ``adapters/<name>/upstream.py`` says how it is
built and ``api.settings.UPSTREAMS`` lists them.

The tracker registry is built here too: an upstream that offers time trackers (Zoho: Projects and
Desk) declares a factory for their ``TrackerPlugin``s by ``kind``; the domain looks plugins up by
kind and never names one, so a new tracker changes no domain module, route or table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import httpx

from adapters.http.oauth import TokenRegistry
from adapters.upstream import Close, is_simulated
from api.settings import Settings
from domain.ports import UpstreamProbe
from domain.ports.sso import IdentityProvider
from domain.ports.time_tracker import TrackerPlugin


class SimulatedUpstreams(Protocol):
    """The sandbox's simulators as the wiring needs them (built by ``api/composition/sandbox.py``)."""

    def transport(self) -> httpx.AsyncBaseTransport:
        """A transport reaching every simulated host; a new one each call."""
        ...


def transport_for(url: str, sims: SimulatedUpstreams | None) -> httpx.AsyncBaseTransport | None:
    """The simulators' transport for a simulated address in sandbox mode; None: the network."""
    return sims.transport() if sims is not None and is_simulated(url) else None


@dataclass
class Connections:
    """What the upstreams gave the container, and what to close at shutdown."""

    http: dict[str, httpx.AsyncClient] = field(default_factory=dict)
    probes: list[UpstreamProbe] = field(default_factory=list)
    trackers: dict[str, TrackerPlugin] = field(default_factory=dict)
    identity_provider: IdentityProvider | None = None
    closers: list[Close] = field(default_factory=list)

    async def aclose(self) -> None:
        for close in reversed(self.closers):
            await close()


def connect_upstreams(settings: Settings, sims: SimulatedUpstreams | None) -> Connections:
    """Build each enabled upstream's client, probe and any trackers or identity provider."""
    built = Connections()
    tokens = TokenRegistry()
    for upstream, group in settings.upstreams():
        address = upstream.address(group)
        client = upstream.client(group, transport_for(address, sims), tokens)
        built.http[upstream.name] = client
        built.closers.append(client.aclose)
        built.probes.append(upstream.probe(group, client))
        if upstream.trackers is not None:
            plugins, close = upstream.trackers(group, transport_for(address, sims))
            built.closers.append(close)
            duplicate = built.trackers.keys() & plugins.keys()
            if duplicate:
                raise RuntimeError(f"tracker kinds registered twice: {sorted(duplicate)}")
            built.trackers.update(plugins)
        if upstream.identity_provider is not None:
            if built.identity_provider is not None:
                raise RuntimeError(f"{upstream.name} is a second identity provider")
            provider, close = upstream.identity_provider(group, transport_for(address, sims))
            built.identity_provider = provider
            built.closers.append(close)
    return built
