"""Roster relations for the access policy, read live from TimeBack's OneRoster API.

This is the adapter until the local roster cache exists; it caches answers for a short time per
process because one policy decision can ask several questions about the same people.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterable
from functools import partial
from typing import Any

import httpx

from adapters.http.paths import seg
from adapters.timeback.errors import as_timeback_error, raise_for_status, to_domain_error
from domain.ports.roster_relations import RosterRelations

ROSTERING = "/ims/oneroster/rostering/v1p2"
PAGE = 1000


class TimebackRosterRelations(RosterRelations):
    def __init__(self, client: httpx.AsyncClient, *, ttl_seconds: float = 30.0) -> None:
        self._client = client
        self._ttl = ttl_seconds
        self._cache: dict[str, tuple[float, frozenset[str]]] = {}

    async def orgs_of_person(self, person_id: str) -> frozenset[str]:
        async def load() -> frozenset[str]:
            user = await self._one(f"/users/{seg(person_id)}", "user")
            if user is None:
                return frozenset()
            direct = {_ref(r.get("org")) for r in user.get("roles", [])} | {
                _ref(o) for o in user.get("orgs", [])
            }
            return frozenset(o for o in direct if o)

        return await self._cached(f"orgs:{seg(person_id)}", load)

    async def org_subtree(self, org_ids: Iterable[str]) -> frozenset[str]:
        roots = sorted(set(org_ids))
        return await self._cached(
            f"subtree:{','.join(roots)}", lambda: self._with_descendants(set(roots))
        )

    async def orgs_of_class(self, class_id: str) -> frozenset[str]:
        async def load() -> frozenset[str]:
            klass = await self._one(f"/classes/{seg(class_id)}", "class")
            school = _ref(klass.get("school")) if klass else None
            return frozenset({school}) if school else frozenset()

        return await self._cached(f"class-orgs:{seg(class_id)}", load)

    async def classes_taught_by(self, person_id: str) -> frozenset[str]:
        return await self._cached(
            f"taught:{seg(person_id)}",
            lambda: self._ids(f"/teachers/{seg(person_id)}/classes", "classes"),
        )

    async def classes_of_student(self, person_id: str) -> frozenset[str]:
        return await self._cached(
            f"enrolled:{seg(person_id)}",
            lambda: self._ids(f"/students/{seg(person_id)}/classes", "classes"),
        )

    async def students_of_classes(self, class_ids: Iterable[str]) -> frozenset[str]:
        students: frozenset[str] = frozenset()
        for class_id in sorted(set(class_ids)):
            students |= await self._cached(
                f"students:{seg(class_id)}",
                partial(self._ids, f"/classes/{seg(class_id)}/students", "users"),
            )
        return students

    async def dependants_of(self, guardian_id: str) -> frozenset[str]:
        return await self._cached(
            f"agent-for:{seg(guardian_id)}",
            lambda: self._ids(f"/users/{seg(guardian_id)}/agentFor", "users"),
        )

    async def _with_descendants(self, roots: set[str]) -> frozenset[str]:
        seen: set[str] = set()
        pending = list(roots)
        while pending:
            org_id = pending.pop()
            if org_id in seen:
                continue
            org = await self._one(f"/orgs/{seg(org_id)}", "org")
            if org is None:
                continue  # an org TimeBack does not know reaches nothing
            seen.add(org_id)
            pending.extend(c for c in (_ref(ch) for ch in (org or {}).get("children", [])) if c)
        return frozenset(seen)

    async def _cached(
        self, key: str, load: Callable[[], Awaitable[frozenset[str]]]
    ) -> frozenset[str]:
        hit = self._cache.get(key)
        now = time.monotonic()
        if hit and now - hit[0] < self._ttl:
            return hit[1]
        value = await load()
        self._cache[key] = (now, value)
        return value

    async def _get(self, path: str, params: dict[str, int] | None = None) -> dict[str, Any] | None:
        """The JSON body, or None for a 404; every other failure becomes a domain error."""
        try:
            response = await self._client.get(ROSTERING + path, params=params)
            if response.status_code == 404:
                return None
            body = raise_for_status(response).json()
        except Exception as exc:
            raise to_domain_error(as_timeback_error(exc)) from exc
        return body if isinstance(body, dict) else {}

    async def _one(self, path: str, key: str) -> dict[str, Any] | None:
        body = await self._get(path)
        item = body.get(key) if body else None
        return item if isinstance(item, dict) else None

    async def _ids(self, path: str, key: str) -> frozenset[str]:
        ids: set[str] = set()
        offset = 0
        while True:
            body = await self._get(path, {"limit": PAGE, "offset": offset})
            if body is None:
                return frozenset()
            items = body.get(key) or []
            ids.update(i["sourcedId"] for i in items if i.get("status", "active") == "active")
            if len(items) < PAGE:
                return frozenset(ids)
            offset += PAGE


def _ref(ref: object) -> str | None:
    if isinstance(ref, dict):
        value = ref.get("sourcedId")
        return value if isinstance(value, str) else None
    return None
