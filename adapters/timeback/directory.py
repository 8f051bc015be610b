"""Roster people read live from TimeBack's OneRoster ``/users/{id}`` (until the roster cache)."""

from __future__ import annotations

from typing import Any

import httpx

from adapters.http.paths import seg
from adapters.timeback.errors import as_timeback_error, raise_for_status, to_domain_error
from domain.models.roster import Person
from domain.ports.roster_directory import RosterDirectory

USERS = "/ims/oneroster/rostering/v1p2/users"


class TimebackRosterDirectory(RosterDirectory):
    def __init__(self, client: httpx.AsyncClient) -> None:
        self._client = client

    async def person(self, sourced_id: str) -> Person | None:
        try:
            response = await self._client.get(f"{USERS}/{seg(sourced_id)}")
            if response.status_code == 404:
                return None
            user = raise_for_status(response).json().get("user")
        except Exception as exc:
            raise to_domain_error(as_timeback_error(exc)) from exc
        return person_from_wire(user) if isinstance(user, dict) else None


def person_from_wire(user: dict[str, Any]) -> Person:
    roles = user.get("roles") or []
    primary = next((r for r in roles if r.get("roleType") == "primary"), roles[0] if roles else {})
    orgs = [r.get("org", {}).get("sourcedId") for r in roles] + [
        o.get("sourcedId") for o in user.get("orgs") or []
    ]
    return Person(
        sourced_id=str(user["sourcedId"]),
        given_name=str(user.get("givenName", "")),
        family_name=str(user.get("familyName", "")),
        email=user.get("email") or None,
        role=str(primary.get("role", "unknown")),
        org_ids=tuple(dict.fromkeys(o for o in orgs if isinstance(o, str))),
        status=str(user.get("status", "active")),
    )
