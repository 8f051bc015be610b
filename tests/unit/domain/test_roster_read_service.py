"""The roster read service's lists: a cached list sends one scoped query, a nested list first
checks its parent, and live lists pass the caller's parameters upstream."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Self, cast

import pytest

from domain.errors import InvalidInput, NotFound, PermissionDenied
from domain.models.identity import Actor, Role
from domain.policy import Policy
from domain.ports import UnitOfWork
from domain.ports.roster_writer import LiveQuery, RosterLiveReader
from domain.roster.entities import EntityKind, JsonObject, RosterRecord
from domain.roster.filters import Comparison, Op
from domain.roster.query import Related, Relation, RosterQuery, SortOrder
from domain.scope import Scope
from domain.services.roster_reads import ListParams, RosterReadService, RosterView
from tests.fakes.roster import InMemoryRosterRelations

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

    async def query(self, q: RosterQuery) -> tuple[Sequence[RosterRecord], int]:
        found = self._answer(q)
        return found, len(found)

    async def query_json(self, q: RosterQuery) -> tuple[Sequence[str], int]:
        found = self._answer(q)
        return [f'{{"sourcedId":"{r.sourced_id}"}}' for r in found], len(found)


class FakeUnitOfWork:
    """Only the roster store, which is all these reads use."""

    def __init__(self, roster: FakeRoster) -> None:
        self.roster = roster

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        return None


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
    return RosterReadService(
        uow=lambda: cast(UnitOfWork, FakeUnitOfWork(roster)),
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

    texts, total = await service(roster).list_json(
        actor=ADMIN, view=STUDENTS, params=PARAMS, related=CLASS_STUDENTS
    )

    assert (texts, total) == (['{"sourcedId":"u1"}'], 1)
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
