"""Zoho, declared once for the composition root (``adapters/upstream.py``): the accounts server
for the health probe, and the Zoho Projects and Zoho Desk tracker plugins."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from adapters.upstream import Close, Upstream, is_simulated
from adapters.zoho.settings import ZohoSettings

if TYPE_CHECKING:
    import httpx

    from adapters.http.oauth import TokenRegistry
    from domain.ports import UpstreamProbe
    from domain.ports.time_tracker import TrackerPlugin


def _client(
    s: ZohoSettings, transport: httpx.AsyncBaseTransport | None, tokens: TokenRegistry
) -> httpx.AsyncClient:
    from adapters.zoho.client import make_zoho_accounts_client

    return make_zoho_accounts_client(
        accounts_url=s.accounts_url, timeout=s.timeout_seconds, transport=transport
    )


def _probe(s: ZohoSettings, client: httpx.AsyncClient) -> UpstreamProbe:
    from adapters.zoho.client import ZohoProbe

    secret_set = bool(s.client_secret.get_secret_value())
    return ZohoProbe(client, client_id=s.client_id, secret_set=secret_set)


def _trackers(
    s: ZohoSettings, transport: httpx.AsyncBaseTransport | None
) -> tuple[Mapping[str, TrackerPlugin], Close]:
    from adapters.zoho.data_centres import DataCentres
    from adapters.zoho.plugins import ZohoConfig, zoho_plugins

    host = urlsplit(s.accounts_url).hostname or ""
    # Real Zoho: route each user by their data centre. Anything else (the sandbox's ``*.zoho.sim``,
    # a `bff simulate zoho` on a port) serves every data centre from the configured hosts.
    real = host.startswith("accounts.zoho") and not is_simulated(s.accounts_url)
    data_centres = (
        DataCentres()
        if real
        else DataCentres.routed_to(
            accounts_url=s.accounts_url, projects_url=s.projects_url, desk_url=s.desk_url
        )
    )
    config = ZohoConfig(
        client_id=s.client_id,
        client_secret=s.client_secret.get_secret_value(),
        timeout=s.timeout_seconds,
        data_centres=data_centres,
    )
    plugins, http = zoho_plugins(config, transport=transport)
    return plugins, http.aclose


ZOHO = Upstream(
    name="zoho",
    settings=ZohoSettings,
    client=_client,
    probe=_probe,
    trackers=_trackers,
    simulator="simulators.zoho:ZohoSimulator",
    hosts=("accounts.zoho.sim", "projectsapi.zoho.sim", "desk.zoho.sim"),
    cli_name="zoho",
    compose=("client_id",),
)

__all__ = ["ZOHO", "ZohoSettings"]
