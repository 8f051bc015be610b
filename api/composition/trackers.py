"""The tracker registry: which time trackers (Zoho Projects, Zoho Desk, ...) users may connect.

Each tracker is an adapter package with a factory that builds its ``TrackerPlugin`` (OAuth and
time-log calls) under a ``kind``. ``TRACKERS`` below lists the factories; the domain looks plugins
up by kind and never names one. Adding a tracker is therefore: write ``adapters/<tracker>/`` with a
factory, add one line to ``TRACKERS``. No domain module, route or table changes.

A factory returns the plugins it builds and the resources to close at shutdown (its HTTP clients).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from urllib.parse import urlsplit

from adapters.zoho.data_centres import DataCentres
from adapters.zoho.plugins import ZohoConfig, zoho_plugins
from api.composition.container import transport_for
from api.settings import Settings, is_simulated
from domain.ports.time_tracker import TrackerPlugin
from simulators.sandbox import SandboxSimulators

Close = Callable[[], Awaitable[None]]
TrackerFactory = Callable[
    [Settings, SandboxSimulators | None], tuple[Mapping[str, TrackerPlugin], Close]
]


def _zoho(
    settings: Settings, sims: SandboxSimulators | None
) -> tuple[Mapping[str, TrackerPlugin], Close]:
    zo = settings.zoho
    host = urlsplit(zo.accounts_url).hostname or ""
    # Real Zoho: route each user by their data centre. Anything else (the sandbox's ``*.zoho.sim``,
    # a `bff simulate zoho` on a port) serves every data centre from the configured hosts.
    real = host.startswith("accounts.zoho") and not is_simulated(zo.accounts_url)
    data_centres = (
        DataCentres()
        if real
        else DataCentres.routed_to(
            accounts_url=zo.accounts_url, projects_url=zo.projects_url, desk_url=zo.desk_url
        )
    )
    plugins, http = zoho_plugins(
        ZohoConfig(
            client_id=zo.client_id,
            client_secret=zo.client_secret.get_secret_value(),
            timeout=zo.timeout_seconds,
            data_centres=data_centres,
        ),
        transport=transport_for(settings, zo.accounts_url, sims),
    )
    return plugins, http.aclose


#: One line per tracker package.
TRACKERS: tuple[TrackerFactory, ...] = (_zoho,)


def build_trackers(
    settings: Settings, sims: SandboxSimulators | None
) -> tuple[dict[str, TrackerPlugin], list[Close]]:
    """Every registered tracker's plugins by kind, and what to close at shutdown."""
    registry: dict[str, TrackerPlugin] = {}
    closers: list[Close] = []
    for factory in TRACKERS:
        plugins, close = factory(settings, sims)
        duplicate = registry.keys() & plugins.keys()
        if duplicate:
            raise RuntimeError(f"tracker kinds registered twice: {sorted(duplicate)}")
        registry.update(plugins)
        closers.append(close)
    return registry, closers
