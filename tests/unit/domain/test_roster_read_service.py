"""The roster read service's lists: a cached list sends one scoped query, a nested list first
checks its parent, and live lists pass the caller's parameters upstream."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import cast

import pytest

from domain.errors import InvalidInput, NotFound, PermissionDenied
from domain.models.identity import Actor, Role
from domain.policy import Policy
from domain.ports import UnitOfWork
from domain.ports.roster_pages import JsonPage, RecordPage
from domain.ports.roster_writer import LiveQuery, RosterLiveReader
from domain.roster.answers import AnswerCache
from domain.roster.entities import EntityKind, JsonObject, RosterRecord
from domain.roster.filters import Comparison, Op
from domain.roster.query import Related, Relation, RosterQuery, SortOrder
from domain.scope import Scope
from domain.services.roster_reads import ListParams, RosterReadService, RosterView
from tests.fakes.roster import InMemoryRosterRelations, small_district

ADMIN = Actor(account_id="a1", role=Role.ADMIN, person_sourced_id=None)
#: a teacher with no roster person: the policy gives them an empty scope
NOBODY = Actor(account_id="t1", role=Role.TEACHER, person_sourced_id=None)
STUDENTS = RosterView(EntityKind.USERS, frozenset({"student"}), "students")
CLASS_STUDENTS = Related(Relation.CLASS_STUDENTS, "c1")


class FakeRoster:
    """Answers a query with the stored records whose sourcedId it names (else all of the kind; other
    filters are the store's business, not this service's), and keeps every query it was sent."""

    def __init__(self, *records: RosterRecord) -> None:
        self.records = records
        self.queries: list[RosterQuery] = []

    def _answer(self, q: RosterQuery) -> list[RosterRecord]:
        self.queries.append(q)
        f = q.filter
        wanted = f.value if isinstance(f, Comparison) and f.field == "sourcedId" else None
        return [
            r
            for r in self.records
            if r.kind is q.kind and (wanted is None or r.sourced_id == wanted)
        ]

    async def page(self, q: RosterQuery) -> RecordPage:
        found = self._answer(q)
        return RecordPage(items=found, total=len(found), version=self.version_now)

    async def page_json(self, q: RosterQuery) -> JsonPage:
        found = self._answer(q)
        texts = [f'{{"sourcedId":"{r.sourced_id}"}}' for r in found]
        return JsonPage(items=texts, total=len(found), version=self.version_now)

    async def version(self) -> int:
        self.versions_read += 1
        return self.version_now

    version_now = 7
    versions_read = 0


class FakeLive:
    def __init__(self) -> None:
        self.pages: list[LiveQuery] = []

    async def fetch(self, kind: EntityKind, sourced_id: str) -> RosterRecord | None:
        raise AssertionError("not read here")

    async def page(self, query: LiveQuery) -> tuple[Sequence[JsonObject], int]:
        self.pages.append(query)
        return [{"sourcedId": "u1"}], 1


def record(kind: EntityKind, sourced_id: str) -> RosterRecord:
    return RosterRecord(
        kind=kind,
        sourced_id=sourced_id,
        status="active",
        date_last_modified=datetime(2024, 1, 1, tzinfo=UTC),
        payload={"sourcedId": sourced_id},
    )


def service(roster: FakeRoster, live: FakeLive | None = None) -> RosterReadService:
    def no_unit_of_work() -> UnitOfWork:
        raise AssertionError("cached reads use no unit of work")

    return RosterReadService(
        uow=no_unit_of_work,
        pages=roster,
        policy=Policy(InMemoryRosterRelations()),
        live=cast(RosterLiveReader, live) if live is not None else None,
    )


PARAMS = ListParams(
    filter="givenName='Ann'",
    sort="familyName",
    order=SortOrder.DESC,
    fields=("sourcedId", "givenName"),
    search="ann",
    limit=5,
    offset=10,
)


async def test_a_nested_list_checks_its_parent_then_sends_one_scoped_query() -> None:
    roster = FakeRoster(record(EntityKind.CLASSES, "c1"), record(EntityKind.USERS, "u1"))

    tagged = await service(roster).list_json(
        actor=ADMIN, view=STUDENTS, params=PARAMS, related=CLASS_STUDENTS
    )

    assert tagged.value is not None
    assert (tagged.value.items, tagged.value.total) == (['{"sourcedId":"u1"}'], 1)
    parent, listed = roster.queries
    assert (parent.kind, parent.filter, parent.scope) == (
        EntityKind.CLASSES,
        Comparison("sourcedId", Op.EQ, "c1"),
        Scope(everything=True),
    )
    assert listed == RosterQuery(
        kind=EntityKind.USERS,
        scope=Scope(everything=True),
        filter=Comparison("givenName", Op.EQ, "Ann"),
        search="ann",
        sort="familyName",
        order=SortOrder.DESC,
        fields=("sourcedId", "givenName"),
        limit=5,
        offset=10,
        types=frozenset({"student"}),
        related=CLASS_STUDENTS,
    )


async def test_a_list_left_at_its_defaults_reads_the_first_page_of_everything_visible() -> None:
    roster = FakeRoster(record(EntityKind.USERS, "u1"))

    await service(roster).list_json(actor=ADMIN, view=STUDENTS, params=ListParams())

    assert roster.queries == [
        RosterQuery(kind=EntityKind.USERS, scope=Scope(everything=True), types=STUDENTS.types)
    ]


async def test_a_nested_list_under_a_parent_it_cannot_see_is_not_found() -> None:
    # the store sees no class c1 for this caller (hidden or absent: the answer is the same)
    roster = FakeRoster(record(EntityKind.USERS, "u1"))

    with pytest.raises(NotFound, match="c1"):
        await service(roster).list_json(
            actor=NOBODY, view=STUDENTS, params=ListParams(), related=CLASS_STUDENTS
        )

    assert [q.kind for q in roster.queries] == [EntityKind.CLASSES]
    assert roster.queries[0].scope == Scope()


async def test_a_live_list_passes_the_parameters_upstream_as_the_caller_wrote_them() -> None:
    live = FakeLive()
    reads = service(FakeRoster(), live)

    page = await reads.list_live(actor=ADMIN, view=STUDENTS, params=replace(PARAMS, search="  "))
    await reads.list_live(actor=ADMIN, view=RosterView(EntityKind.ORGS), params=ListParams())

    assert page == ([{"sourcedId": "u1"}], 1)
    # a blank search is dropped by the cached query, yet it is the caller's to send upstream
    assert live.pages == [
        LiveQuery(
            collection="students",
            filter="givenName='Ann'",
            sort="familyName",
            order=SortOrder.DESC,
            fields=("sourcedId", "givenName"),
            search="  ",
            limit=5,
            offset=10,
        ),
        LiveQuery(collection="orgs"),
    ]


async def test_a_live_list_is_refused_below_the_whole_roster_once_its_parameters_pass() -> None:
    live = FakeLive()
    reads = service(FakeRoster(), live)

    with pytest.raises(InvalidInput):
        await reads.list_live(actor=NOBODY, view=STUDENTS, params=ListParams(sort="noSuchField"))
    with pytest.raises(PermissionDenied):
        await reads.list_live(actor=NOBODY, view=STUDENTS, params=ListParams(sort="familyName"))

    assert live.pages == []


async def test_a_page_is_tagged_by_its_query_and_the_cache_version() -> None:
    roster = FakeRoster(record(EntityKind.USERS, "u1"))
    reads = service(roster)

    first = await reads.list_json(actor=ADMIN, view=STUDENTS, params=PARAMS)
    again = await reads.list_json(actor=ADMIN, view=STUDENTS, params=PARAMS)
    other_page = await reads.list_json(actor=ADMIN, view=STUDENTS, params=replace(PARAMS, offset=0))
    roster.version_now += 1
    changed = await reads.list_json(actor=ADMIN, view=STUDENTS, params=PARAMS)

    assert first.tag == again.tag
    assert len({first.tag, other_page.tag, changed.tag}) == 3
    assert first.tag.startswith('"')  # strong: no W/
    assert first.tag.endswith('"')


async def test_a_current_copy_is_answered_from_the_version_alone() -> None:
    roster = FakeRoster(record(EntityKind.USERS, "u1"))
    reads = service(roster)
    tag = (await reads.list_json(actor=ADMIN, view=STUDENTS, params=PARAMS)).tag
    roster.queries.clear()

    current = await reads.list_json(
        actor=ADMIN, view=STUDENTS, params=PARAMS, if_none_match=f'W/"x", {tag}'
    )
    roster.version_now += 1
    stale = await reads.list_json(actor=ADMIN, view=STUDENTS, params=PARAMS, if_none_match=tag)

    assert (current.tag, current.value) == (tag, None)
    assert stale.value is not None
    assert stale.tag != tag
    assert len(roster.queries) == 1  # only the stale copy's page was read
    assert roster.versions_read == 3


async def test_a_conditional_read_under_a_hidden_parent_is_still_not_found() -> None:
    roster = FakeRoster(record(EntityKind.USERS, "u1"))

    with pytest.raises(NotFound):
        await service(roster).list_json(
            actor=NOBODY,
            view=STUDENTS,
            params=ListParams(),
            related=CLASS_STUDENTS,
            if_none_match="*",
        )


def test_tags_are_the_same_in_every_process() -> None:
    """A frozenset's order (and so its repr) follows string hashing, which each process seeds
    differently; every worker must still tag a page alike."""
    import subprocess
    import sys

    code = (
        "from domain.roster.versions import page_tag;"
        "from domain.roster.query import RosterQuery;"
        "from domain.roster.entities import EntityKind;"
        "from domain.scope import Scope, Ids;"
        "q = RosterQuery(kind=EntityKind.USERS, types=frozenset({'student', 'teacher', 'aide'}),"
        " scope=Scope(people=(Ids(frozenset({'a', 'b', 'c', 'd'})),)));"
        "print(page_tag(q, 3))"
    )
    tags = {
        subprocess.run(  # noqa: S603 - our own interpreter
            [sys.executable, "-c", code],
            env={"PYTHONHASHSEED": str(seed)},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in (1, 2, 3)
    }
    assert len(tags) == 1


async def test_an_answer_given_is_given_again_until_the_cache_or_the_caller_changes() -> None:
    roster = FakeRoster(record(EntityKind.USERS, "u1"), record(EntityKind.CLASSES, "c1"))
    reads = RosterReadService(
        uow=lambda: cast(UnitOfWork, None),
        pages=roster,
        policy=Policy(small_district()),
        answers=AnswerCache(max_bytes=10_000),
    )
    teacher = Actor(account_id="t", role=Role.TEACHER, person_sourced_id="t1")

    first = await reads.list_json(actor=ADMIN, view=STUDENTS, params=PARAMS)
    again = await reads.list_json(actor=ADMIN, view=STUDENTS, params=PARAMS)
    assert again == first
    assert len(roster.queries) == 1  # the second answer was not read

    theirs = await reads.list_json(actor=teacher, view=STUDENTS, params=PARAMS)
    roster.version_now += 1
    moved = await reads.list_json(actor=ADMIN, view=STUDENTS, params=PARAMS)
    assert len({first.tag, theirs.tag, moved.tag}) == 3
    assert len(roster.queries) == 3  # another scope, another version: read each time


def test_the_answer_cache_keeps_within_its_bytes_dropping_the_least_recent() -> None:
    answers = AnswerCache(max_bytes=1_000)
    page = JsonPage(items=["x" * 100], total=1, version=1)  # 300 bytes with the overhead
    for tag in ("a", "b", "c"):
        answers.put(tag, page)
    answers.get("a")  # now the most recent
    answers.put("d", page)
    assert answers.get("b") is None
    assert all(answers.get(t) is page for t in ("a", "c", "d"))
    assert answers.size <= 1_000
    answers.put("huge", JsonPage(items=["x" * 5_000], total=1, version=1))
    assert answers.get("huge") is None  # bigger than the whole cache: not kept
