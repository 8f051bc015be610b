"""TimeBack's roster through OneRoster: writes, and live reads for ``consistency=live``.

Refusals of a write are the caller's problem, not TimeBack's, so they map to the domain's
``UpstreamRefusedInput`` (400/422, with TimeBack's reason), ``Conflict`` (409) and ``NotFound`` (404)
rather than to the "upstream refused us" error that reads use. A live list is the caller's problem
only when it carried something of theirs TimeBack could refuse (filter, sort, fields, search);
without, a 400 is the BFF's own mistake and stays an upstream error (D43). Everything else maps as
for any TimeBack call.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from adapters.http.paths import seg
from adapters.timeback.errors import (
    TimebackError,
    TimebackNotFound,
    TimebackRejected,
    as_timeback_error,
    raise_for_status,
    to_domain_error,
)
from adapters.timeback.oneroster import OneRosterClient, nested
from domain.errors import Conflict, DomainError, InvalidInput, NotFound, UpstreamRefusedInput
from domain.ports.roster_writer import LiveQuery, RosterLiveReader, RosterWriter
from domain.roster.entities import EntityKind, JsonObject, RosterRecord
from domain.roster.refs import local_refs, record_from_upstream


def write_error(error: TimebackError) -> DomainError:
    if isinstance(error, TimebackNotFound):
        return NotFound(error.message)
    if isinstance(error, TimebackRejected):
        if error.status == 409:
            return Conflict(error.message)
        return refused_input(error)
    return to_domain_error(error)


def refused_input(error: TimebackRejected) -> UpstreamRefusedInput:
    return UpstreamRefusedInput(error.message, upstream="TimeBack")


def _callers_part(query: LiveQuery) -> bool:
    """Whether the list sent TimeBack anything the caller wrote that TimeBack could refuse: the
    paging is the BFF's own (checked, within TimeBack's limits), and so is the collection."""
    return any(p is not None for p in (query.filter, query.sort, query.fields, query.search))


class TimebackRoster(RosterWriter, RosterLiveReader):
    def __init__(self, client: OneRosterClient) -> None:
        self._client = client

    # --- live reads -------------------------------------------------------------------------------

    async def fetch(self, kind: EntityKind, sourced_id: str) -> RosterRecord | None:
        try:
            payload = await self._client.get(kind.value, sourced_id)
        except TimebackNotFound:
            return None
        except TimebackError as exc:
            raise to_domain_error(exc) from exc
        try:
            return record_from_upstream(kind, payload)
        except InvalidInput as exc:  # TimeBack sent an object we cannot read: its fault, not ours
            raise to_domain_error(as_timeback_error(ValueError(exc.detail))) from exc

    async def page(self, query: LiveQuery) -> tuple[Sequence[JsonObject], int]:
        try:
            page = await self._client.list_page(
                query.collection,
                limit=query.limit,
                offset=query.offset,
                filter=query.filter,
                sort=query.sort,
                order_by="desc" if query.order.value == "desc" else "asc",
                fields=list(query.fields) if query.fields is not None else None,
                search=query.search,
            )
        except TimebackRejected as exc:
            if exc.status in (400, 422) and _callers_part(query):
                raise refused_input(exc) from exc
            raise to_domain_error(exc) from exc
        except TimebackError as exc:
            raise to_domain_error(exc) from exc
        total = page.total if page.total is not None else query.offset + len(page.items)
        return [local_refs(item) for item in page.items], total

    # --- writes -----------------------------------------------------------------------------------

    async def create(self, kind: EntityKind, entity: Mapping[str, Any]) -> str:
        try:
            return await self._client.create(kind.value, entity)
        except TimebackError as exc:
            raise write_error(exc) from exc

    async def replace(self, kind: EntityKind, sourced_id: str, entity: Mapping[str, Any]) -> None:
        try:
            await self._client.put(kind.value, sourced_id, entity)
        except TimebackError as exc:
            raise write_error(exc) from exc

    async def delete(self, kind: EntityKind, sourced_id: str) -> None:
        try:
            await self._client.delete(kind.value, sourced_id)
        except TimebackError as exc:
            raise write_error(exc) from exc

    async def enroll(
        self, class_id: str, user_id: str, role: str, details: Mapping[str, Any]
    ) -> str:
        path = nested("classes", class_id, "students" if role == "student" else "teachers")
        body = {**details, "user": {"sourcedId": user_id}}
        try:
            return await self._client.create(path, body, key="enrollment")
        except TimebackError as exc:
            raise write_error(exc) from exc

    async def add_agent(self, user_id: str, agent_id: str) -> None:
        await self._send("POST", f"users/{seg(user_id)}/agents", {"agentSourcedId": agent_id})

    async def remove_agent(self, user_id: str, agent_id: str) -> None:
        await self._send("DELETE", f"users/{seg(user_id)}/agents/{seg(agent_id)}", None)

    async def _send(self, method: str, path: str, body: object) -> None:
        """A write the OneRoster client has no verb for (agent links answer 200 with a message)."""
        client = self._client
        url = f"{client.base_path}/{path}"

        async def send() -> httpx.Response:
            return await client.http.request(method, url, json=body)

        try:
            raise_for_status(await client.retry.call(method, send))
        except Exception as exc:
            raise write_error(as_timeback_error(exc)) from exc
