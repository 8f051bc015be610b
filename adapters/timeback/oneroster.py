"""A OneRoster 1.2 client for one TimeBack service (rostering, gradebook or resources).

    roster = OneRosterClient(http, ROSTERING)              # http: make_timeback_client(...)
    page = await roster.list_page("users", limit=100, offset=0, where={"role": "teacher"})
    async for page in roster.stream_concurrent("users", concurrency=4):
        ...
    user = await roster.get("users", "u1")
    new_id = await roster.create("users", {...})            # sourcedId from sourcedIdPairs

Every call goes through :class:`~adapters.timeback.retrying.RetryPolicy` (reads and PUT/DELETE
retried on 429/502/503/504 and transport failures; POST only where provably safe) and the token
handling of :class:`~adapters.http.oauth.ClientCredentialsClient` (renewal before expiry, one retry
after a 401). Failures are raised as the typed errors of :mod:`adapters.timeback.errors`, decided
once here; the domain gets them through ``to_domain_error``. Bad filters raise ``FilterError``
before anything is sent.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import deque
from collections.abc import AsyncGenerator, Callable, Mapping, Sequence
from typing import Any, Literal, TypeVar

import httpx

from adapters.http.paths import seg
from adapters.timeback.errors import (
    TimebackError,
    TimebackUnavailable,
    as_timeback_error,
    raise_for_status,
)
from adapters.timeback.paging import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    JsonObject,
    Page,
    check_page_size,
    read_page,
)
from adapters.timeback.presets import Service, TimebackPreset, timeback_preset
from adapters.timeback.retrying import RetryPolicy
from adapters.timeback.where import Where, combine_filters

ROSTERING = "/ims/oneroster/rostering/v1p2"
GRADEBOOK = "/ims/oneroster/gradebook/v1p2"
RESOURCES = "/ims/oneroster/resources/v1p2"

OrderBy = Literal["asc", "desc"]
T = TypeVar("T")

#: collection -> the key a write is wrapped in, where it is not simply the singular (§4.1)
WRITE_KEYS: dict[str, str] = {
    "users": "user",
    "students": "user",
    "teachers": "user",
    "orgs": "org",
    "schools": "org",
    "classes": "class",
    "courses": "course",
    "enrollments": "enrollment",
    "academicSessions": "academicSession",
    "terms": "term",
    "gradingPeriods": "academicSession",  # read back as gradingPeriod
    "demographics": "demographics",
    "courses/components": "courseComponent",
    "courses/component-resources": "componentResource",
    "lineItems": "lineItem",
    "results": "result",
    "categories": "category",
    "scoreScales": "scoreScale",
    "assessmentLineItems": "assessmentLineItem",
    "assessmentResults": "assessmentResult",
    "resources": "resource",
}


def write_key(collection: str) -> str:
    """The envelope key of a write to ``collection`` (``users`` -> ``user``)."""
    name = collection.strip("/")
    if name in WRITE_KEYS:
        return WRITE_KEYS[name]
    last = name.rsplit("/", 1)[-1]
    if last in WRITE_KEYS:
        return WRITE_KEYS[last]
    return last[:-1] if last.endswith("s") else last


def nested(parent: str, parent_id: str, child: str) -> str:
    """The path of a nested list: ``nested("classes", "c/1", "students")`` -> ``classes/c%2F1/students``."""
    return f"{parent.strip('/')}/{seg(parent_id)}/{child.strip('/')}"


class OneRosterClient:
    def __init__(
        self,
        http: httpx.AsyncClient,
        base_path: str = ROSTERING,
        *,
        retry: RetryPolicy | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
        max_page_size: int = MAX_PAGE_SIZE,
    ) -> None:
        """``http`` is the (token-handling) client of the service's host; ``base_path`` the
        service's prefix, e.g. :data:`ROSTERING`."""
        self.http = http
        self.base_path = "/" + base_path.strip("/") if base_path.strip("/") else ""
        self.retry = retry or RetryPolicy()
        self.max_page_size = max_page_size
        self.page_size = check_page_size(page_size, max_size=max_page_size)

    @classmethod
    def for_service(
        cls,
        http: httpx.AsyncClient,
        service: Service,
        preset: TimebackPreset | None = None,
        *,
        retry: RetryPolicy | None = None,
    ) -> OneRosterClient:
        """The client of one service, path and page sizes from ``preset`` (default preset if None)."""
        preset = preset or timeback_preset()
        return cls(
            http,
            preset.service_path(service),
            retry=retry,
            page_size=preset.default_page_size,
            max_page_size=preset.max_page_size,
        )

    # -- reads ------------------------------------------------------------------------------------

    async def list_page(
        self,
        collection: str,
        *,
        limit: int | None = None,
        offset: int = 0,
        filter: str | None = None,
        where: Where | None = None,
        sort: str | None = None,
        order_by: OrderBy | None = None,
        fields: Sequence[str] | str | None = None,
        search: str | None = None,
        key: str | None = None,
    ) -> Page:
        """One page of ``collection`` (a path such as ``users`` or ``classes/c1/students``).

        ``filter`` is a raw OneRoster filter (validated, sent as written), ``where`` the dict DSL
        of :mod:`adapters.timeback.where`; both given, they are ANDed. ``key`` names the envelope
        key when the body has more than one list."""
        limit = check_page_size(limit or self.page_size, max_size=self.max_page_size)
        if offset < 0:
            raise ValueError("offset must not be negative")
        params = self._query(
            limit=limit,
            offset=offset,
            filter=filter,
            where=where,
            sort=sort,
            order_by=order_by,
            fields=fields,
            search=search,
        )
        response = await self._send("GET", collection, params=params)
        try:
            return self._decode(lambda: read_page(response, offset=offset, limit=limit, key=key))
        finally:
            _release(response)

    async def list_nested(self, parent: str, parent_id: str, child: str, **query: Any) -> Page:
        """One page of a nested list (``/classes/{id}/students``, ``/users/{id}/agentFor``, ...)."""
        return await self.list_page(nested(parent, parent_id, child), **query)

    async def get(
        self,
        collection: str,
        sourced_id: str,
        *,
        fields: Sequence[str] | str | None = None,
        key: str | None = None,
    ) -> JsonObject:
        """One entity, unwrapped from its envelope (``{"user": {...}}`` -> ``{...}``)."""
        params = {"fields": _join_fields(fields)} if fields else None
        response = await self._send("GET", _item(collection, sourced_id), params=params)
        entity = self._decode(lambda: _unwrap(response.json(), key))
        if entity is None:
            raise TimebackUnavailable(f"TimeBack sent no entity for {collection}/{sourced_id}")
        return entity

    async def stream(
        self, collection: str, *, page_size: int | None = None, offset: int = 0, **query: Any
    ) -> AsyncGenerator[Page, None]:
        """Every page of ``collection`` from ``offset``, one request after the other."""
        limit = page_size or self.page_size
        while True:
            page = await self.list_page(collection, limit=limit, offset=offset, **query)
            yield page
            if page.next_offset is None:
                return
            offset = page.next_offset

    async def stream_concurrent(
        self,
        collection: str,
        *,
        concurrency: int = 4,
        page_size: int | None = None,
        offset: int = 0,
        **query: Any,
    ) -> AsyncGenerator[Page, None]:
        """Every page of ``collection``, in order: the first page gives the total, then up to
        ``concurrency`` pages are fetched at once (a sliding window, so at most that many pages are
        held besides the one handed out). Without a total it reads on sequentially; if the
        collection grew meanwhile it reads the rest sequentially after the last known page.

        Use ``async with contextlib.aclosing(...)`` when stopping early, so the requests still
        in flight are cancelled at once."""
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        limit = check_page_size(page_size or self.page_size, max_size=self.max_page_size)
        first = await self.list_page(collection, limit=limit, offset=offset, **query)
        yield first
        if first.next_offset is None:
            return
        if first.total is None:
            async for page in self.stream(
                collection, page_size=limit, offset=first.next_offset, **query
            ):
                yield page
            return

        offsets = iter(range(first.next_offset, first.total, limit))
        window: deque[asyncio.Task[Page]] = deque()

        def start(at: int) -> None:
            window.append(
                asyncio.create_task(
                    self.list_page(collection, limit=limit, offset=at, **query),
                    name=f"timeback {collection} offset {at}",
                )
            )

        last = first
        try:
            for at in offsets:
                start(at)
                if len(window) >= concurrency:
                    break
            while window:
                page = await window.popleft()
                at_next = next(offsets, None)
                if at_next is not None:
                    start(at_next)
                yield page
                last = page
        finally:
            for task in window:
                task.cancel()
            await asyncio.gather(*window, return_exceptions=True)
        if last.next_offset is not None:
            async for page in self.stream(
                collection, page_size=limit, offset=last.next_offset, **query
            ):
                yield page

    # -- writes -----------------------------------------------------------------------------------

    async def create(
        self, collection: str, entity: Mapping[str, Any], *, key: str | None = None
    ) -> str:
        """Create an entity; returns the sourcedId TimeBack allocated (``sourcedIdPairs``).

        An entity without ``sourcedId`` gets a UUID, as the ``timeback`` client does, so a POST
        retried after a lost answer cannot create a second entity (TimeBack refuses the id)."""
        body = dict(entity)
        body.setdefault("sourcedId", str(uuid.uuid4()))
        response = await self._send("POST", collection, json={key or write_key(collection): body})
        return self._decode(lambda: _allocated_id(response, str(body["sourcedId"])))

    async def put(
        self,
        collection: str,
        sourced_id: str,
        entity: Mapping[str, Any],
        *,
        key: str | None = None,
    ) -> JsonObject | None:
        """Replace (in the gradebook: upsert) an entity; returns the entity TimeBack sent back, if
        any."""
        body = {key or write_key(collection): {"sourcedId": sourced_id, **entity}}
        response = await self._send("PUT", _item(collection, sourced_id), json=body)
        if not response.content.strip():
            return None
        return self._decode(lambda: _unwrap(response.json(), None))

    async def delete(self, collection: str, sourced_id: str) -> None:
        """Delete (TimeBack: soft delete, status ``tobedeleted``)."""
        await self._send("DELETE", _item(collection, sourced_id))

    # -- plumbing ---------------------------------------------------------------------------------

    def _url(self, path: str) -> str:
        return f"{self.base_path}/{path.strip('/')}"

    async def _send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        json: object = None,
    ) -> httpx.Response:
        """The successful response, or the typed error (mapped here, once)."""
        url = self._url(path)

        async def send() -> httpx.Response:
            return await self.http.request(method, url, params=params, json=json)

        try:
            return raise_for_status(await self.retry.call(method, send))
        except TimebackError:
            raise
        except Exception as exc:
            raise as_timeback_error(exc) from exc

    @staticmethod
    def _decode(read: Callable[[], T]) -> T:
        try:
            return read()
        except (ValueError, KeyError, TypeError) as exc:
            raise as_timeback_error(exc) from exc

    @staticmethod
    def _query(
        *,
        limit: int,
        offset: int,
        filter: str | None,
        where: Where | None,
        sort: str | None,
        order_by: OrderBy | None,
        fields: Sequence[str] | str | None,
        search: str | None,
    ) -> dict[str, str | int]:
        params: dict[str, str | int] = {"limit": limit, "offset": offset}
        if (compiled := combine_filters(filter, where)) is not None:
            params["filter"] = compiled
        if sort:
            params["sort"] = sort
        if order_by is not None:
            if order_by not in ("asc", "desc"):
                raise ValueError("order_by is 'asc' or 'desc'")
            params["orderBy"] = order_by
        if fields:
            params["fields"] = _join_fields(fields)
        if search:
            params["search"] = search
        return params


def _item(collection: str, sourced_id: str) -> str:
    if not sourced_id:
        raise ValueError("a sourcedId cannot be empty")
    return f"{collection.strip('/')}/{seg(sourced_id)}"


def _join_fields(fields: Sequence[str] | str | None) -> str:
    if fields is None:
        return ""
    return fields if isinstance(fields, str) else ",".join(f.strip() for f in fields)


def _unwrap(body: object, key: str | None) -> JsonObject | None:
    """The entity in a single-entity envelope: ``body[key]``, or the body's one object value."""
    if not isinstance(body, dict):
        raise ValueError("a OneRoster answer is a JSON object")
    if key is not None:
        value = body.get(key)
        if not isinstance(value, dict):
            raise KeyError(key)
        return value
    objects = [v for v in body.values() if isinstance(v, dict)]
    return objects[0] if len(objects) == 1 else None


def _allocated_id(response: httpx.Response, supplied: str) -> str:
    if not response.content.strip():
        return supplied
    body = response.json()
    pairs = body.get("sourcedIdPairs") if isinstance(body, dict) else None
    if isinstance(pairs, list):
        pairs = pairs[0] if pairs else None
    if isinstance(pairs, dict) and isinstance(pairs.get("allocatedSourcedId"), str):
        return str(pairs["allocatedSourcedId"])
    return supplied


def _release(response: httpx.Response) -> None:
    """Let a read page's response go as soon as it is decoded. httpx's response and its stream
    refer to each other, so the ~1 MB body would otherwise wait for a cyclic collection, which a
    bulk sync makes rare on purpose (``adapters/jobs/collector.py``): at 100k users, pages piling
    up that way doubled the sync's peak RSS."""
    response.stream = httpx.ByteStream(b"")
