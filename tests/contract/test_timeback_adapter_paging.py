"""The OneRoster client against the TimeBack simulator: pages, streams, query parameters, writes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import aclosing
from urllib.parse import parse_qs

import httpx
import pytest

from adapters.timeback.oneroster import ROSTERING, OneRosterClient, nested, write_key
from adapters.timeback.paging import Page, has_next_link, read_page
from domain.roster.filters import FilterError
from simulators.kit.transport import SimulatorTransport
from simulators.timeback import TimebackSimulator
from tests.support.timeback_client import sandbox_client

PAGE = 37


class CountingTransport(httpx.AsyncBaseTransport):
    """Counts API requests in flight at once (token requests aside)."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.in_flight = 0
        self.peak = 0
        self.requests = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not request.url.path.startswith(ROSTERING):
            return await self.inner.handle_async_request(request)
        self.requests += 1
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        try:
            return await self.inner.handle_async_request(request)
        finally:
            self.in_flight -= 1


@pytest.fixture(scope="module")
def big() -> TimebackSimulator:
    return TimebackSimulator(seed=3, users=500, classes=20)


@pytest.fixture
async def counting(
    big: TimebackSimulator,
) -> AsyncIterator[tuple[OneRosterClient, CountingTransport]]:
    big.reset()
    transport = CountingTransport(SimulatorTransport(big.app))
    async with sandbox_client(transport) as http:
        yield OneRosterClient(http, ROSTERING), transport


@pytest.fixture
def sim() -> TimebackSimulator:
    return TimebackSimulator(seed=7, users=12, classes=4)


@pytest.fixture
async def roster(sim: TimebackSimulator) -> AsyncIterator[OneRosterClient]:
    async with sandbox_client(SimulatorTransport(sim.app)) as http:
        yield OneRosterClient(http)


def ids(pages: list[Page]) -> list[str]:
    return [item["sourcedId"] for page in pages for item in page.items]


# -- one page ---------------------------------------------------------------------------------------


async def test_a_page_reads_items_total_and_has_more(
    counting: tuple[OneRosterClient, CountingTransport],
) -> None:
    roster, _ = counting
    first = await roster.list_page("users", limit=PAGE)
    assert first.total is not None
    assert first.total > 500
    assert (len(first), first.offset, first.limit, first.has_more) == (PAGE, 0, PAGE, True)
    assert first.next_offset == PAGE
    last_offset = first.total - 3
    last = await roster.list_page("users", limit=PAGE, offset=last_offset)
    assert (len(last), last.has_more, last.next_offset) == (3, False, None)
    beyond = await roster.list_page("users", limit=PAGE, offset=first.total + 10)
    assert (beyond.items, beyond.has_more) == ([], False)


async def test_envelope_keys_are_found_whatever_the_collection_calls_them(
    roster: OneRosterClient,
) -> None:
    schools = await roster.list_page("schools", limit=5)  # listed under "orgs"
    assert schools.total == 2
    assert all(s["sourcedId"] for s in schools.items)
    students = await roster.list_page("students", key="users")
    assert students.total == 12
    school = await roster.get("schools", schools.items[0]["sourcedId"])
    assert school == schools.items[0]


def test_has_more_rules_from_the_reference() -> None:
    request = httpx.Request("GET", "http://t/users")

    def page(body: dict[str, object], **headers: str) -> Page:
        response = httpx.Response(200, json=body, headers=headers, request=request)
        return read_page(response, offset=10, limit=5)

    five = [{"sourcedId": str(i)} for i in range(5)]
    assert page({"users": five}, Link='<http://t?offset=15>; rel="next"').has_more
    assert page({"users": five, "totalCount": 100}).has_more
    assert not page({"users": five, "totalCount": 15}).has_more
    assert page({"users": five}, **{"X-Total-Count": "16"}).total == 16
    assert page({"users": five}).has_more  # no total: a full page means "ask again"
    assert not page({"users": five[:4]}).has_more
    assert not page({"users": []}, Link='<x>; rel="next"').has_more
    assert has_next_link('<a>; rel="first", <b>; rel="prev next"')
    assert not has_next_link('<a>; rel="last"')


# -- streams --------------------------------------------------------------------------------------


async def test_sequential_and_concurrent_streams_yield_the_same_pages_in_order(
    counting: tuple[OneRosterClient, CountingTransport],
) -> None:
    roster, transport = counting
    sequential = [p async for p in roster.stream("users", page_size=PAGE)]
    sequential_requests = transport.requests
    concurrent = [p async for p in roster.stream_concurrent("users", page_size=PAGE, concurrency=5)]
    total = sequential[0].total
    assert total is not None
    assert len(ids(sequential)) == total
    assert len(set(ids(sequential))) == total
    assert ids(concurrent) == ids(sequential)
    assert [p.offset for p in concurrent] == [p.offset for p in sequential]
    assert len(sequential) == -(-total // PAGE) == sequential_requests
    assert transport.requests == 2 * sequential_requests  # no extra request to learn the end


async def test_concurrency_is_bounded_and_actually_used(
    big: TimebackSimulator, counting: tuple[OneRosterClient, CountingTransport]
) -> None:
    roster, transport = counting
    big.add_latency(0.01)
    pages = [p async for p in roster.stream_concurrent("users", page_size=PAGE, concurrency=4)]
    assert len(pages) > 10
    assert transport.peak == 4
    transport.peak = 0
    _ = [p async for p in roster.stream("users", page_size=PAGE)]
    assert transport.peak == 1


async def test_stopping_early_cancels_the_pages_in_flight(
    big: TimebackSimulator, counting: tuple[OneRosterClient, CountingTransport]
) -> None:
    roster, transport = counting
    big.add_latency(0.01)
    seen = 0
    stream = roster.stream_concurrent("users", page_size=PAGE, concurrency=3)
    async with aclosing(stream) as pages:
        async for _ in pages:
            seen += 1
            if seen == 2:
                break
    await asyncio.sleep(0)
    assert transport.in_flight == 0
    assert transport.requests <= 2 + 3  # never more than the window beyond what was consumed


async def test_the_concurrent_stream_follows_a_filter_and_a_start_offset(
    counting: tuple[OneRosterClient, CountingTransport],
) -> None:
    roster, _ = counting
    where = {"status": "active", "givenName": {"contains": "a"}}
    sequential = [p async for p in roster.stream("users", page_size=20, offset=5, where=where)]
    concurrent = [
        p
        async for p in roster.stream_concurrent(
            "users", page_size=20, offset=5, where=where, concurrency=3
        )
    ]
    assert ids(concurrent) == ids(sequential)
    assert sequential[0].total is not None
    assert len(ids(sequential)) == sequential[0].total - 5
    assert all("a" in u["givenName"].lower() for u in (i for p in sequential for i in p.items))


async def test_a_small_collection_is_one_page(roster: OneRosterClient) -> None:
    pages = [p async for p in roster.stream_concurrent("classes", concurrency=4)]
    assert len(pages) == 1
    assert (pages[0].total, len(pages[0])) == (4, 4)


async def test_bad_page_sizes_are_refused_before_sending(roster: OneRosterClient) -> None:
    with pytest.raises(ValueError, match="between 1 and 3000"):
        await roster.list_page("users", limit=3001)
    with pytest.raises(ValueError, match="offset"):
        await roster.list_page("users", offset=-1)
    with pytest.raises(ValueError, match="concurrency"):
        [p async for p in roster.stream_concurrent("users", concurrency=0)]
    with pytest.raises(ValueError, match="page size"):
        OneRosterClient(roster.http, page_size=0)


# -- query parameters -------------------------------------------------------------------------------


async def test_where_sort_fields_and_search_go_on_the_wire(
    sim: TimebackSimulator, roster: OneRosterClient
) -> None:
    page = await roster.list_page(
        "users",
        limit=5,
        where={"status": "active", "familyName": {"ne": "O'Brien"}},
        sort="familyName",
        order_by="desc",
        fields=["sourcedId", "familyName"],
    )
    sent = parse_qs(sim.log.last().query)
    assert sent == {
        "limit": ["5"],
        "offset": ["0"],
        "filter": ["status='active' AND familyName!='O''Brien'"],
        "sort": ["familyName"],
        "orderBy": ["desc"],
        "fields": ["sourcedId,familyName"],
    }
    assert all(set(u) <= {"sourcedId", "familyName"} for u in page.items)
    names = [u["familyName"] for u in page.items]
    assert names == sorted(names, reverse=True)
    await roster.list_page("users", filter="status='active'", search="ada", limit=2)
    assert parse_qs(sim.log.last().query) == {
        "limit": ["2"],
        "offset": ["0"],
        "filter": ["status='active'"],
        "search": ["ada"],
    }


async def test_a_bad_filter_is_refused_without_a_request(
    sim: TimebackSimulator, roster: OneRosterClient
) -> None:
    before = len(sim.log)
    with pytest.raises(FilterError):
        await roster.list_page("users", filter="status='active")
    with pytest.raises(FilterError):
        await roster.list_page("users", where={"status": {"like": "x"}})
    assert len(sim.log) == before


async def test_nested_lists_escape_the_parent_id(
    sim: TimebackSimulator, roster: OneRosterClient
) -> None:
    klass = (await roster.list_page("classes", limit=1)).items[0]["sourcedId"]
    students = await roster.list_nested("classes", klass, "students", limit=100)
    assert students.total is not None
    assert students.total >= 1
    assert nested("classes", "a/../b", "students") == "classes/a%2F..%2Fb/students"


# -- writes -----------------------------------------------------------------------------------------


async def test_create_get_put_delete_round_trip(
    sim: TimebackSimulator, roster: OneRosterClient
) -> None:
    school = (await roster.list_page("schools", limit=1)).items[0]["sourcedId"]
    user = {
        "givenName": "Ada",
        "familyName": "O'Brien",
        "email": "ada.obrien@example.edu",
        "enabledUser": "true",
        "roles": [{"roleType": "primary", "role": "student", "org": {"sourcedId": school}}],
    }
    new_id = await roster.create("users", user)
    assert new_id
    assert sim.log.last().method == "POST"
    assert (await roster.get("users", new_id))["familyName"] == "O'Brien"
    assert (await roster.create("users", {**user, "sourcedId": "chosen-id"})) == "chosen-id"
    await roster.put("users", new_id, {**user, "givenName": "Augusta"})
    assert (await roster.get("users", new_id))["givenName"] == "Augusta"
    found = await roster.list_page("users", where={"familyName": "O'Brien"})
    assert {u["sourcedId"] for u in found.items} >= {new_id, "chosen-id"}
    await roster.delete("users", new_id)
    assert (await roster.get("users", new_id))["status"] == "tobedeleted"


def test_write_keys_follow_the_reference_envelopes() -> None:
    assert write_key("users") == "user"
    assert write_key("schools") == "org"
    assert write_key("classes") == "class"
    assert write_key("gradingPeriods") == "academicSession"
    assert write_key("courses/components") == "courseComponent"
    assert write_key("demographics") == "demographics"
    assert write_key("lineItems") == "lineItem"
    assert write_key("categories") == "category"
    assert write_key("widgets") == "widget"
