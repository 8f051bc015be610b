"""The lesson catalogue in the roster cache (D82): the sync brings course components, component
resources and resources in (full, incremental, resumed after a kill, deletes), and a course's
lessons come out of one statement, on both databases, from the TimeBack simulator's demo data."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.clock import SystemClock
from adapters.db.engine import SessionFactory, make_engine, make_session_factory
from adapters.db.lesson_catalogue import SqlLessonCatalogue
from adapters.db.read_engine import SharedReadEngine
from adapters.db.uow import SqlUnitOfWork
from adapters.timeback.oneroster import RESOURCES, OneRosterClient
from adapters.timeback.roster_source import TimebackRosterSource
from domain.ports import UnitOfWork
from domain.ports.lessons import Lesson
from domain.ports.roster_source import RosterSource, SourcePage
from domain.roster.entities import CATALOGUE_KINDS, EntityKind, RosterRecord
from domain.roster.query import RosterQuery
from domain.roster.sync import SyncKind, SyncStatus
from domain.scope import ClassesTakenBy, Ids, Scope
from domain.services.roster_sync import SYNC_ORDER, RosterSyncService
from simulators.kit.transport import SimulatorTransport
from simulators.timeback import TimebackSimulator
from simulators.timeback.checks import LESSON_TYPES
from tests.support.timeback_client import sandbox_client

PAGE = 5
COMPONENTS = "courses/components"
COMPONENT_RESOURCES = "courses/component-resources"


@dataclass
class World:
    sim: TimebackSimulator
    roster: OneRosterClient
    resources: OneRosterClient
    source: TimebackRosterSource
    engine: AsyncEngine
    sessions: SessionFactory
    catalogue: SqlLessonCatalogue

    def service(self, source: RosterSource | None = None) -> RosterSyncService:
        return RosterSyncService(
            uow=self.new_uow, source=source or self.source, clock=SystemClock(), entities=SYNC_ORDER
        )

    def new_uow(self) -> UnitOfWork:
        return SqlUnitOfWork(self.sessions)

    async def sync(self, kind: SyncKind, source: RosterSource | None = None) -> None:
        service = self.service(source)
        run = await service.run((await service.start(kind)).id)
        assert run.status is SyncStatus.SUCCEEDED, run

    @contextmanager
    def statements(self) -> Iterator[list[str]]:
        """Every statement sent to the database meanwhile."""
        seen: list[str] = []

        def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
            seen.append(statement)

        sa.event.listen(self.engine.sync_engine, "before_cursor_execute", record)
        try:
            yield seen
        finally:
            sa.event.remove(self.engine.sync_engine, "before_cursor_execute", record)


@pytest.fixture
async def world(db_url: str) -> AsyncIterator[World]:
    engine = make_engine(db_url)
    sim = TimebackSimulator(seed=7, users=120, classes=6, demo_data=True)
    async with sandbox_client(SimulatorTransport(sim.app)) as http:
        roster = OneRosterClient(http)
        yield World(
            sim=sim,
            roster=roster,
            resources=OneRosterClient(http, RESOURCES),
            source=TimebackRosterSource(roster, page_size=PAGE, concurrency=2),
            engine=engine,
            sessions=make_session_factory(engine),
            catalogue=SqlLessonCatalogue(SharedReadEngine(engine)),
        )
    await engine.dispose()


def _order(entity: dict[str, Any]) -> tuple[int, str]:
    return (entity.get("sortOrder") or 0, entity["sourcedId"])


def upstream_lessons(sim: TimebackSimulator, course_id: str) -> list[tuple[str, str | None]]:
    """(lesson id, lesson type) of a course as the simulator holds it, in course order."""
    state = sim.state
    resources = state.gradebook["resources"]
    units = sorted(
        (
            u
            for u in state.course_components.all()
            if u["course"]["sourcedId"] == course_id and u["status"] == "active"
        ),
        key=_order,
    )
    found = []
    for unit in units:
        lessons = sorted(
            (
                cr
                for cr in state.component_resources.all()
                if cr["courseComponent"]["sourcedId"] == unit["sourcedId"]
                and cr["status"] == "active"
            ),
            key=_order,
        )
        for lesson in lessons:
            resource = resources.get(lesson["resource"]["sourcedId"])
            metadata = (resource or {}).get("metadata") or {}
            found.append((lesson["sourcedId"], metadata.get("lessonType") or lesson["lessonType"]))
    return found


def summary(lessons: Sequence[Lesson] | None) -> list[tuple[str, str | None]]:
    assert lessons is not None
    return [(lesson.id, lesson.type) for lesson in lessons]


async def cached(world: World, kind: EntityKind) -> int:
    async with world.new_uow() as uow:
        query = RosterQuery(kind=kind, scope=Scope(everything=True), limit=1)
        return (await uow.roster.query(query))[1]


async def test_a_full_sync_brings_every_course_s_lessons_in_course_order(world: World) -> None:
    await world.sync(SyncKind.FULL)

    courses = [c["sourcedId"] for c in world.sim.state.courses.all()]
    assert courses
    for course in courses:
        lessons = await world.catalogue.course_lessons(course)
        assert summary(lessons) == upstream_lessons(world.sim, course)
        # the demo data gives every course a lesson of each type
        assert {lesson.type for lesson in lessons or ()} == set(LESSON_TYPES), course
    lesson = (await world.catalogue.course_lessons(courses[0]) or [])[0]
    resource = world.sim.state.gradebook["resources"].get(lesson.resource.id or "")
    assert resource is not None
    assert lesson.resource.title == resource["title"]
    assert lesson.resource.url == resource["metadata"]["url"]
    unit = world.sim.state.course_components.get(lesson.component.id)
    assert unit is not None
    assert lesson.component.title == unit["title"]
    assert lesson.component.unlock_date is not None
    assert lesson.course_id == courses[0]
    assert lesson.status == "active"
    assert await cached(world, EntityKind.COMPONENT_RESOURCES) == len(
        world.sim.state.component_resources
    )
    assert await cached(world, EntityKind.RESOURCES) == len(world.sim.state.gradebook["resources"])


async def test_an_incremental_sync_brings_new_changed_and_deleted_lessons(world: World) -> None:
    await world.sync(SyncKind.FULL)
    course = world.sim.state.courses.all()[0]["sourcedId"]
    before = upstream_lessons(world.sim, course)
    gone, changed = before[0][0], before[1][0]
    unit = world.sim.state.component_resources.get(gone)
    assert unit is not None
    # a new lesson first in its unit, one removed, one whose resource became another type
    await world.roster.delete(COMPONENT_RESOURCES, gone)
    new_resource = await world.resources.create(
        "resources",
        {"title": "Fresh quiz", "vendorResourceId": "fresh-1", "metadata": {"lessonType": "quiz"}},
    )
    new_lesson = await world.roster.create(
        COMPONENT_RESOURCES,
        {
            "status": "active",
            "title": "Fresh lesson",
            "sortOrder": -1,
            "courseComponent": {"sourcedId": unit["courseComponent"]["sourcedId"]},
            "resource": {"sourcedId": new_resource},
        },
    )
    changed_resource = world.sim.state.component_resources.get(changed)
    assert changed_resource is not None
    resource_id = changed_resource["resource"]["sourcedId"]
    stored = await world.resources.get("resources", resource_id)
    await world.resources.put(
        "resources",
        resource_id,
        {**stored, "metadata": {**stored["metadata"], "lessonType": "test-out"}},
    )

    await world.sync(SyncKind.INCREMENTAL)

    after = summary(await world.catalogue.course_lessons(course))
    assert after == upstream_lessons(world.sim, course)
    ids = [lesson_id for lesson_id, _ in after]
    assert gone not in ids
    assert ids[0] == new_lesson
    assert after[0][1] == "quiz"
    assert dict(after)[changed] == "test-out"


class DiesIn(RosterSource):
    """The real source, cut off after ``pages`` pages of one kind: a worker killed mid-sync."""

    def __init__(self, inner: RosterSource, kind: EntityKind, pages: int) -> None:
        self.inner = inner
        self.kind = kind
        self.left = pages
        self.offsets: dict[EntityKind, list[int]] = {}

    async def pages(
        self, kind: EntityKind, *, since: datetime | None, offset: int
    ) -> AsyncIterator[SourcePage]:
        self.offsets.setdefault(kind, []).append(offset)
        async for page in self.inner.pages(kind, since=since, offset=offset):
            if kind is self.kind:
                if self.left == 0:
                    raise ConnectionError("worker killed")
                self.left -= 1
            yield page

    async def present(self, kind: EntityKind, sourced_ids: Sequence[str]) -> Sequence[RosterRecord]:
        return await self.inner.present(kind, sourced_ids)


async def test_a_sync_killed_in_the_lessons_resumes_from_their_checkpoint(world: World) -> None:
    killed = DiesIn(world.source, EntityKind.COMPONENT_RESOURCES, pages=2)
    service = world.service(killed)
    run = await service.start(SyncKind.FULL)
    with pytest.raises(ConnectionError):
        await service.run(run.id)
    async with world.new_uow() as uow:
        checkpoint = await uow.roster.checkpoint(EntityKind.COMPONENT_RESOURCES)
    assert checkpoint is not None
    assert checkpoint.next_offset == 2 * PAGE

    resumed = DiesIn(world.source, EntityKind.COMPONENT_RESOURCES, pages=10**6)
    await world.service(resumed).run(run.id)

    assert resumed.offsets[EntityKind.COMPONENT_RESOURCES] == [2 * PAGE]
    assert EntityKind.COURSE_COMPONENTS not in resumed.offsets  # finished before the kill
    for course in (c["sourcedId"] for c in world.sim.state.courses.all()):
        lessons = await world.catalogue.course_lessons(course)
        assert summary(lessons) == upstream_lessons(world.sim, course)


async def test_a_full_sync_removes_lessons_upstream_no_longer_has(world: World) -> None:
    await world.sync(SyncKind.FULL)
    course = world.sim.state.courses.all()[0]["sourcedId"]
    lesson = upstream_lessons(world.sim, course)[2][0]
    del world.sim.state.component_resources.items[lesson]  # gone outright, no tobedeleted left

    await world.sync(SyncKind.FULL)

    assert lesson not in [i for i, _ in summary(await world.catalogue.course_lessons(course))]


async def test_a_course_s_lessons_are_one_statement(world: World) -> None:
    await world.sync(SyncKind.FULL)
    course = world.sim.state.courses.all()[0]["sourcedId"]

    with world.statements() as seen:
        lessons = await world.catalogue.course_lessons(course)
    assert lessons
    assert len(seen) == 1, seen
    with world.statements() as seen:
        assert await world.catalogue.course_lessons("no-such-course") is None
    assert len(seen) == 1, seen


async def test_a_course_without_lessons_is_known_and_empty(world: World) -> None:
    await world.sync(SyncKind.FULL)
    course = world.sim.state.courses.all()[0]["sourcedId"]
    for unit in list(world.sim.state.course_components.all()):
        if unit["course"]["sourcedId"] == course:
            await world.roster.delete(COMPONENTS, unit["sourcedId"])

    await world.sync(SyncKind.INCREMENTAL)

    assert await world.catalogue.course_lessons(course) == []


def test_the_catalogue_kinds_are_synced_after_what_they_hang_from() -> None:
    assert set(SYNC_ORDER) >= CATALOGUE_KINDS
    assert SYNC_ORDER.index(EntityKind.COURSES) < SYNC_ORDER.index(EntityKind.COURSE_COMPONENTS)
    assert SYNC_ORDER.index(EntityKind.COURSE_COMPONENTS) < SYNC_ORDER.index(
        EntityKind.COMPONENT_RESOURCES
    )
    assert SYNC_ORDER.index(EntityKind.RESOURCES) < SYNC_ORDER.index(EntityKind.COMPONENT_RESOURCES)


async def test_a_scoped_roster_query_sees_no_catalogue_kind(world: World) -> None:
    """No roster route serves these kinds; were one to ask, only an unrestricted scope sees them
    (the store's scope condition has no term for them, so it is false)."""
    await world.sync(SyncKind.FULL)
    student = world.sim.state.enrollments.all()[0]["user"]["sourcedId"]
    mine = Scope(people=(Ids.of(student),), classes=(ClassesTakenBy(Ids.of(student)),))
    async with world.new_uow() as uow:
        for kind in CATALOGUE_KINDS:
            assert (await uow.roster.query(RosterQuery(kind=kind, scope=mine)))[1] == 0, kind
            assert await cached(world, kind) > 0, kind  # there, for an unrestricted scope
