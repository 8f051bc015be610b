"""Zoho's data centres: each keeps its users' accounts and data on hosts of its own.

A user's refresh token is valid only at the accounts server of the data centre that issued it, and
their portals and Desk organisations are reachable only on that data centre's API hosts, so every
call is routed by the integration's data-centre key. Keys are the hosts' domain suffixes (``com``,
``eu``, ``com.au``, ...); Zoho's own location names from the authorization redirect (``us``,
``au``, ``cn``, ...) are accepted as aliases.

An *override* sends every data centre to the same three hosts: the sandbox's ``*.zoho.sim``
simulators, a ``bff simulate zoho`` on a port, or a deployment that serves a single data centre.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from domain.errors import InvalidInput


@dataclass(frozen=True, slots=True, kw_only=True)
class DataCentre:
    key: str
    accounts_url: str
    projects_url: str
    desk_url: str


def _zoho(key: str, domain: str) -> DataCentre:
    return DataCentre(
        key=key,
        accounts_url=f"https://accounts.{domain}",
        projects_url=f"https://projectsapi.{domain}",
        desk_url=f"https://desk.{domain}",
    )


#: Zoho's data centres; Canada alone lives under another domain.
ZOHO_DATA_CENTRES: Mapping[str, DataCentre] = {
    dc.key: dc
    for dc in (
        _zoho("com", "zoho.com"),
        _zoho("eu", "zoho.eu"),
        _zoho("in", "zoho.in"),
        _zoho("com.au", "zoho.com.au"),
        _zoho("jp", "zoho.jp"),
        _zoho("com.cn", "zoho.com.cn"),
        _zoho("ca", "zohocloud.ca"),
        _zoho("sa", "zoho.sa"),
    )
}

#: Zoho's ``location`` names (``/oauth/serverinfo``, the authorization redirect) that differ from ours.
LOCATION_ALIASES: Mapping[str, str] = {"us": "com", "au": "com.au", "cn": "com.cn"}


class DataCentres:
    """The data centres users may pick, each resolved to its hosts (or to the override's)."""

    def __init__(
        self,
        table: Mapping[str, DataCentre] = ZOHO_DATA_CENTRES,
        *,
        override: DataCentre | None = None,
    ) -> None:
        self._table = dict(table)
        self._override = override

    @classmethod
    def routed_to(cls, *, accounts_url: str, projects_url: str, desk_url: str) -> DataCentres:
        """Every data centre served by these hosts (sandbox, simulators, single-DC deployments)."""
        override = DataCentre(
            key="*",
            accounts_url=accounts_url.rstrip("/"),
            projects_url=projects_url.rstrip("/"),
            desk_url=desk_url.rstrip("/"),
        )
        return cls(override=override)

    def keys(self) -> Sequence[str]:
        return list(self._table)

    def key_of(self, name: str) -> str:
        """Our key for a key or a Zoho location name; ``InvalidInput`` if it is neither."""
        key = LOCATION_ALIASES.get(name.strip().lower(), name.strip().lower())
        if key not in self._table:
            raise InvalidInput(
                f"unknown Zoho data centre {name!r}; expected one of {', '.join(self._table)}",
                field="data_centre",
            )
        return key

    def __getitem__(self, name: str) -> DataCentre:
        key = self.key_of(name)
        if self._override is not None:
            return DataCentre(
                key=key,
                accounts_url=self._override.accounts_url,
                projects_url=self._override.projects_url,
                desk_url=self._override.desk_url,
            )
        return self._table[key]
