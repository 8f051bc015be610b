"""The roster cache's SQL store, on SQLite and PostgreSQL: upserts, deletes, the change feed, queries
(compared with the pure-Python evaluation of the same filters), scope, nested lists, sync bookkeeping."""

from __future__ import annotations

import json
import random
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from adapters.db.engine import SessionFactory, make_engine, make_session_factory
from adapters.db.read_engine import make_read_engine
from adapters.db.roster_pages import SqlRosterPages
from adapters.db.roster_payloads import payload_text
from adapters.db.roster_store import SqlRosterStore
from domain.errors import InvalidInput
from domain.ports.roster_pages import JsonPage
from domain.roster.entities import EntityKind, RosterRecord, record_from_payload
from domain.roster.fields import FILTERABLE, FieldType, matches, search_matches
from domain.roster.filters import Comparison, Expr, FilterError, Logical, Op, parse_filter
from domain.roster.query import Related, Relation, RosterQuery, SortOrder
from domain.roster.sync import (
    ChangeOp,
    EntityProgress,
    SyncCheckpoint,
    SyncKind,
    SyncRun,
    SyncStatus,
)
from domain.scope import Ids, Scope

EVERYTHING = Scope(everything=True)
BASE = datetime(2024, 1, 1, tzinfo=UTC)


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def ref(sourced_id: str, kind: str) -> dict[str, str]:
    return {"href": f"https://x/{kind}/{sourced_id}", "sourcedId": sourced_id, "type": kind}


GIVEN = ["Ada", "Grace", "Alan", "Ann_e", "Zoë", "o'brien", "Bob", "50%off", "ALAN", "Edsger"]
FAMILY = ["Lovelace", "Hopper", "Turing", "Dijkstra", "Knuth", "Liskov", "Hoare", None]


def build_roster(
    seed: int = 7, *, users: int = 120, classes: int = 12
) -> dict[EntityKind, list[dict[str, Any]]]:
    """A small, deterministic OneRoster data set in TimeBack's wire shapes, with awkward values."""
    rnd = random.Random(seed)

    def modified() -> datetime:
        moment = BASE + timedelta(days=rnd.randint(0, 60), seconds=rnd.randint(0, 86399))
        moment = moment.replace(microsecond=rnd.randint(0, 999) * 1000)
        if rnd.random() < 0.15:  # exactly midnight: day boundaries matter
            moment = moment.replace(hour=0, minute=0, second=0, microsecond=0)
        return moment

    def base(sourced_id: str) -> dict[str, Any]:
        return {
            "sourcedId": sourced_id,
            "status": "active",
            "dateLastModified": iso(modified()),
            "metadata": {},
        }

    data: dict[EntityKind, list[dict[str, Any]]] = {k: [] for k in EntityKind}
    data[EntityKind.ORGS].append(
        {**base("district-1"), "name": "North District", "type": "district", "identifier": "D1",
         "parent": None, "children": [ref(f"school-{i}", "org") for i in range(3)]}
    )  # fmt: skip
    for i in range(3):
        data[EntityKind.ORGS].append(
            {**base(f"school-{i}"), "name": f"School {i} 100%_ok", "type": "school",
             "identifier": f"S{i}", "parent": ref("district-1", "org"), "children": []}
        )  # fmt: skip
    for i in range(4):
        start = date(2024, 1 + 3 * i, 1)
        data[EntityKind.ACADEMIC_SESSIONS].append(
            {**base(f"term-{i}"), "title": f"Term {i}", "type": "term",
             "startDate": iso(datetime.combine(start, datetime.min.time(), tzinfo=UTC)),
             "endDate": iso(datetime.combine(start + timedelta(days=80), datetime.min.time(), tzinfo=UTC)),
             "schoolYear": 2024 + i // 2, "parent": None, "children": [], "org": ref("district-1", "org")}
        )  # fmt: skip
    for i in range(5):
        data[EntityKind.COURSES].append(
            {**base(f"course-{i}"), "title": f"Course {['Math', 'Art', 'Physics'][i % 3]} {i}",
             "courseCode": f"C-{i}", "org": ref(f"school-{i % 3}", "org"), "grades": ["5"]}
        )  # fmt: skip
    people: list[tuple[str, str]] = []
    for i in range(users):
        role = rnd.choice(["student"] * 6 + ["teacher", "guardian", "administrator"])
        school = f"school-{rnd.randrange(3)}"
        people.append((f"user-{i:04d}", role))
        user = {
            **base(f"user-{i:04d}"),
            "username": f"u{i}",
            "enabledUser": rnd.choice(["true", "false", "true"]),
            "givenName": rnd.choice(GIVEN),
            "familyName": rnd.choice(FAMILY),
            "roles": [{"roleType": "primary", "role": role, "org": ref(school, "org")}],
            "agents": [],
            "email": None if rnd.random() < 0.1 else f"user{i}@example.edu",
            "identifier": f"ID{i:05d}",
        }
        if user["familyName"] is None:
            del user["familyName"]
        if rnd.random() < 0.1:
            user["roles"].append(
                {"roleType": "secondary", "role": role, "org": ref("district-1", "org")}
            )
        data[EntityKind.USERS].append(user)
    guardians = [p for p, r in people if r == "guardian"]
    for user in data[EntityKind.USERS]:
        if user["roles"][0]["role"] == "student" and guardians and rnd.random() < 0.5:
            user["agents"] = [ref(rnd.choice(guardians), "user")]
    for i in range(classes):
        data[EntityKind.CLASSES].append(
            {**base(f"class-{i:03d}"), "title": f"Class {i}", "classCode": f"K{i}",
             "classType": rnd.choice(["scheduled", "homeroom"]),
             "course": ref(f"course-{i % 5}", "course"), "school": ref(f"school-{i % 3}", "org"),
             "terms": [ref(f"term-{i % 4}", "academicSession")]}
        )  # fmt: skip
    n = 0
    for person, role in people:
        if role not in ("student", "teacher"):
            continue
        for klass in rnd.sample(range(classes), k=2 if role == "student" else 1):
            begin = date(2024, 1, 1) + timedelta(days=rnd.randint(0, 200))
            data[EntityKind.ENROLLMENTS].append(
                {**base(f"enr-{n:05d}"), "role": role, "primary": rnd.choice(["true", "false"]),
                 "beginDate": begin.isoformat(), "endDate": (begin + timedelta(days=90)).isoformat(),
                 "user": ref(person, "user"), "class": ref(f"class-{klass:03d}", "class"),
                 "school": ref(f"school-{klass % 3}", "org")}
            )  # fmt: skip
            n += 1
    for person, _ in people[:40]:
        data[EntityKind.DEMOGRAPHICS].append(
            {**base(person), "birthDate": (date(2010, 1, 1) + timedelta(days=rnd.randint(0, 2000))).isoformat(),
             "sex": rnd.choice(["male", "female", "other", "unspecified"])}
        )  # fmt: skip
    # the lesson catalogue (D82): units of the courses, lessons in them, the resources they are
    for i in range(10):
        data[EntityKind.COURSE_COMPONENTS].append(
            {**base(f"unit-{i:02d}"), "title": f"Unit {i}", "course": ref(f"course-{i % 5}", "course"),
             "sortOrder": rnd.choice([i // 5, "2", None]),
             "parent": ref(f"unit-{i - 1:02d}", "courseComponent") if i % 4 == 3 else None,
             "unlockDate": iso(modified()) if rnd.random() < 0.7 else None}
        )  # fmt: skip
    for i in range(30):
        kind = rnd.choice(["quiz", "powerpath-100", "unit-test"])
        data[EntityKind.RESOURCES].append(
            {**base(f"res-{i:02d}"), "title": f"Resource {i}", "vendorResourceId": f"v{i}",
             "metadata": {"lessonType": kind, "url": f"https://qti.example/tests/{i}"}}
        )  # fmt: skip
        data[EntityKind.COMPONENT_RESOURCES].append(
            {**base(f"lesson-{i:02d}"), "title": f"Lesson {i}", "sortOrder": i % 3 + 1,
             "courseComponent": ref(f"unit-{i % 10:02d}", "courseComponent"),
             "resource": ref(f"res-{i:02d}", "resource"),
             **({"lessonType": kind} if rnd.random() < 0.5 else {})}
        )  # fmt: skip
    return data


def records(kind: EntityKind, payloads: list[dict[str, Any]]) -> Iterator[RosterRecord]:
    return (record_from_payload(kind, p) for p in payloads)


@pytest.fixture
async def sessions(db_url: str) -> AsyncIterator[SessionFactory]:
    engine = make_engine(db_url)
    yield make_session_factory(engine)
    await engine.dispose()


@pytest.fixture(scope="module")
def roster() -> dict[EntityKind, list[dict[str, Any]]]:
    return build_roster()


async def load(sessions: SessionFactory, data: dict[EntityKind, list[dict[str, Any]]]) -> None:
    async with sessions() as session:
        store = SqlRosterStore(session)
        for kind, payloads in data.items():
            await store.upsert_many(kind, records(kind, payloads))
        await session.commit()


async def total(store: SqlRosterStore, kind: EntityKind) -> int:
    return (await store.query(RosterQuery(kind=kind, scope=EVERYTHING, limit=1)))[1]


async def related_ids(
    store: SqlRosterStore, kind: EntityKind, relation: Relation, sourced_id: str
) -> set[str]:
    """The ids a nested list of ``sourced_id`` holds (the whole of it, unscoped)."""
    got, _ = await store.query(
        RosterQuery(kind=kind, scope=EVERYTHING, related=Related(relation, sourced_id), limit=3000)
    )
    return {r.sourced_id for r in got}


# --- upserts, deletes, the change feed -----------------------------------------------------------


async def test_upserting_the_same_batch_twice_changes_nothing_the_second_time(
    sessions: SessionFactory, roster: dict[EntityKind, list[dict[str, Any]]]
) -> None:
    users = roster[EntityKind.USERS]
    async with sessions() as session:
        store = SqlRosterStore(session)
        assert await store.upsert_many(EntityKind.USERS, records(EntityKind.USERS, users)) == len(
            users
        )
        assert await store.upsert_many(EntityKind.USERS, records(EntityKind.USERS, users)) == 0
        await session.commit()
    async with sessions() as session:
        store = SqlRosterStore(session)
        assert await total(store, EntityKind.USERS) == len(users)
        changes, cursor = await store.changes_since(0, limit=10_000)
        assert [c.sourced_id for c in changes] == [u["sourcedId"] for u in users]
        assert {c.op for c in changes} == {ChangeOp.UPSERT}
        # one real change: one more entry, and the row follows it
        changed = {
            **users[3],
            "givenName": "Changed",
            "dateLastModified": iso(BASE + timedelta(days=99)),
        }
        assert (
            await store.upsert_many(
                EntityKind.USERS, records(EntityKind.USERS, [changed, users[4]])
            )
            == 1
        )
        more, cursor2 = await store.changes_since(cursor)
        assert [(c.sourced_id, c.op) for c in more] == [(users[3]["sourcedId"], ChangeOp.UPSERT)]
        assert cursor2 > cursor
        got = await store.get(EntityKind.USERS, users[3]["sourcedId"])
        assert got is not None
        assert got.payload["givenName"] == "Changed"
        assert got.date_last_modified == BASE + timedelta(days=99)


async def test_a_page_read_again_follows_a_changed_row(
    sessions: SessionFactory, roster: dict[EntityKind, list[dict[str, Any]]]
) -> None:
    """Parsed records are reused across reads by payload hash: a change must still show."""
    users = roster[EntityKind.USERS]
    page = RosterQuery(kind=EntityKind.USERS, scope=EVERYTHING, sort="sourcedId", limit=5)
    await load(sessions, {EntityKind.USERS: users})
    async with sessions() as session:
        before, _ = await SqlRosterStore(session).query(page)
    target = before[2]
    changed = {**target.payload, "givenName": "Renamed", "roles": []}
    async with sessions() as session:
        store = SqlRosterStore(session)
        assert await store.upsert_many(EntityKind.USERS, records(EntityKind.USERS, [changed])) == 1
        await session.commit()
    async with sessions() as session:
        after, total = await SqlRosterStore(session).query(page)
    assert total == len(users)
    assert [r.sourced_id for r in after] == [r.sourced_id for r in before]
    assert after[2].payload["givenName"] == "Renamed"
    assert after[2].roles == ()
    assert after[1] == before[1]


async def test_pages_on_the_read_engine_are_the_store_pages_as_stored_text(
    db_url: str, sessions: SessionFactory, roster: dict[EntityKind, list[dict[str, Any]]]
) -> None:
    """What the HTTP lists read (one statement on the read engine, outside any unit of work) gives
    the same page and total as the unit of work's store, whole payloads as the exact text the
    store wrote, scoped or not, sparse or not, past the end too; and the version of the cache,
    which moves with every change and only then."""
    await load(sessions, roster)
    users = roster[EntityKind.USERS]
    narrow = Scope(people=(Ids(frozenset(u["sourcedId"] for u in users[:9])),))
    engine = make_engine(db_url)
    reads = make_read_engine(engine, pool_size=2)
    pages = SqlRosterPages(reads)
    try:
        version = await pages.version()
        assert version > 0
        async with sessions() as session:
            store = SqlRosterStore(session)
            for scope, expected_total in ((EVERYTHING, len(users)), (narrow, 9)):
                for fields in (None, ("sourcedId", "givenName")):
                    for offset in (0, 7, 5000):
                        q = RosterQuery(kind=EntityKind.USERS, scope=scope, sort="familyName",
                                        fields=fields, limit=7, offset=offset)  # fmt: skip
                        records, total = await store.query(q)
                        page = await pages.page_json(q)
                        assert page.total == total == expected_total
                        assert page.version == version
                        assert [json.loads(t) for t in page.items] == [r.payload for r in records]
                        expected = 0 if offset == 5000 else min(7, expected_total - offset)
                        assert len(page.items) == expected
                        if fields is None:
                            assert list(page.items) == [payload_text(r.payload) for r in records]
                        assert (await pages.page(q)).items == records
        nobody = RosterQuery(
            kind=EntityKind.USERS, scope=EVERYTHING, filter=parse_filter("givenName='nobody'")
        )
        assert await pages.page_json(nobody) == JsonPage(items=[], total=0, version=version)
        await load(sessions, roster)  # the same records again: nothing changes
        assert await pages.version() == version
        renamed = {**users[0], "givenName": "Renamed"}
        await load(sessions, {EntityKind.USERS: [renamed]})
        assert await pages.version() > version
    finally:
        await reads.dispose()
        await engine.dispose()


async def test_tobedeleted_removes_the_row_and_its_links_and_feeds_a_delete(
    sessions: SessionFactory, roster: dict[EntityKind, list[dict[str, Any]]]
) -> None:
    await load(sessions, roster)
    student = next(u for u in roster[EntityKind.USERS] if u["agents"])
    guardian = student["agents"][0]["sourcedId"]
    # what reads the student's link rows: their agents (the guardian stays), their orgs in scope
    own_orgs = RosterQuery(
        kind=EntityKind.ORGS, scope=Scope(people=(Ids.of(student["sourcedId"]),))
    )
    async with sessions() as session:
        store = SqlRosterStore(session)
        agents = await related_ids(
            store, EntityKind.USERS, Relation.USER_AGENTS, student["sourcedId"]
        )
        assert agents == {guardian}
        assert (await store.query(own_orgs))[1] > 0
        _, cursor = await store.changes_since(0, limit=100_000)
        gone = {
            **student,
            "status": "tobedeleted",
            "dateLastModified": iso(BASE + timedelta(days=100)),
        }
        assert await store.upsert_many(EntityKind.USERS, records(EntityKind.USERS, [gone])) == 1
        assert await store.get(EntityKind.USERS, student["sourcedId"]) is None
        agents = await related_ids(
            store, EntityKind.USERS, Relation.USER_AGENTS, student["sourcedId"]
        )
        assert agents == set()
        assert (await store.query(own_orgs))[1] == 0
        changes, _ = await store.changes_since(cursor)
        assert [(c.sourced_id, c.op) for c in changes] == [(student["sourcedId"], ChangeOp.DELETE)]
        # deleting what is not there is a no-op, with nothing in the feed
        assert await store.upsert_many(EntityKind.USERS, records(EntityKind.USERS, [gone])) == 0
        assert await store.delete_many(EntityKind.USERS, ["nobody"]) == 0
        assert (await store.changes_since(changes[-1].cursor))[0] == []


async def test_change_feed_is_ordered_and_resumable(
    sessions: SessionFactory, roster: dict[EntityKind, list[dict[str, Any]]]
) -> None:
    await load(sessions, roster)
    async with sessions() as session:
        store = SqlRosterStore(session)
        await store.delete_many(EntityKind.CLASSES, ["class-000", "class-001"])
        await session.commit()
    expected = [
        (kind, p["sourcedId"], ChangeOp.UPSERT) for kind, ps in roster.items() for p in ps
    ] + [
        (EntityKind.CLASSES, "class-000", ChangeOp.DELETE),
        (EntityKind.CLASSES, "class-001", ChangeOp.DELETE),
    ]
    seen: list[tuple[EntityKind, str, ChangeOp]] = []
    cursors: list[int] = []
    cursor = 0
    while True:
        async with sessions() as session:  # each page in its own transaction, as a client would
            page, cursor = await SqlRosterStore(session).changes_since(cursor, limit=37)
        if not page:
            break
        seen += [(c.kind, c.sourced_id, c.op) for c in page]
        cursors += [c.cursor for c in page]
    assert seen == expected
    assert cursors == sorted(cursors)
    assert len(set(cursors)) == len(cursors)
    async with sessions() as session:
        assert (await SqlRosterStore(session).changes_since(cursor)) == ([], cursor)


# --- queries ---------------------------------------------------------------------------------------


def _values(kind: EntityKind, name: str, data: list[dict[str, Any]]) -> list[Any]:
    spec = FILTERABLE[kind][name]
    return [v for v in (spec.value(p) for p in data) if v is not None]


def random_comparison(
    rnd: random.Random, kind: EntityKind, data: list[dict[str, Any]]
) -> Comparison:
    name = rnd.choice(sorted(FILTERABLE[kind]))
    spec = FILTERABLE[kind][name]
    seen = _values(kind, name, data) or ["x"]
    pick = rnd.choice(seen)
    match spec.type:
        case FieldType.STRING:
            op = rnd.choice([Op.EQ, Op.NE, Op.CONTAINS, Op.IN])
            text = str(pick)
            if op is Op.CONTAINS:
                start = rnd.randrange(len(text))
                text = text[start : start + rnd.randint(1, 4)]
                text = text.upper() if rnd.random() < 0.5 else text
            elif op is Op.IN:
                text = ",".join({str(rnd.choice(seen)) for _ in range(3)} | {"missing"})
            elif rnd.random() < 0.1:
                text = "nope"
            return Comparison(name, op, text, True)
        case FieldType.BOOLEAN:
            op = rnd.choice([Op.EQ, Op.NE, Op.IN])
            text = "true,false" if op is Op.IN else rnd.choice(["true", "false"])
            return Comparison(name, op, text, False)
        case FieldType.NUMBER:
            op = rnd.choice([Op.EQ, Op.NE, Op.GT, Op.GE, Op.LT, Op.LE, Op.IN])
            text = str(pick) if rnd.random() < 0.8 else f"{pick}.5"
            return Comparison(name, op, text if op is not Op.IN else f"{pick},2099", False)
        case FieldType.DATETIME | FieldType.DATE:
            op = rnd.choice([Op.EQ, Op.NE, Op.GT, Op.GE, Op.LT, Op.LE, Op.IN])
            moment = pick
            if spec.type is FieldType.DATE or rnd.random() < 0.5:
                text = (moment.date() if isinstance(moment, datetime) else moment).isoformat()
            else:
                text = iso(moment) if rnd.random() < 0.7 else moment.isoformat()
            return Comparison(name, op, text, True)
    raise AssertionError(spec.type)


def random_filter(
    rnd: random.Random, kind: EntityKind, data: list[dict[str, Any]], depth: int = 0
) -> Expr:
    if depth >= 2 or rnd.random() < 0.5:
        return random_comparison(rnd, kind, data)
    parts = tuple(random_filter(rnd, kind, data, depth + 1) for _ in range(rnd.randint(2, 3)))
    return Logical(rnd.choice(["AND", "OR"]), parts)


async def test_random_filters_agree_with_the_python_evaluation(
    sessions: SessionFactory, roster: dict[EntityKind, list[dict[str, Any]]]
) -> None:
    await load(sessions, roster)
    rnd = random.Random(2024)
    checked = 0
    async with sessions() as session:
        store = SqlRosterStore(session)
        for kind, data in roster.items():
            for _ in range(60):
                expr = random_filter(rnd, kind, data)
                got, total = await store.query(
                    RosterQuery(kind=kind, scope=EVERYTHING, filter=expr, limit=3000)
                )
                expected = sorted(p["sourcedId"] for p in data if matches(kind, expr, p))
                assert sorted(r.sourced_id for r in got) == expected, expr
                assert total == len(expected)
                checked += 1
    assert checked == 60 * len(roster)


async def test_filter_strings_dates_and_escapes(
    sessions: SessionFactory, roster: dict[EntityKind, list[dict[str, Any]]]
) -> None:
    await load(sessions, roster)
    users = roster[EntityKind.USERS]

    async def ids(kind: EntityKind, text: str) -> list[str]:
        async with sessions() as session:
            got, _ = await SqlRosterStore(session).query(
                RosterQuery(kind=kind, scope=EVERYTHING, filter=parse_filter(text), limit=3000)
            )
        return sorted(r.sourced_id for r in got)

    def py(kind: EntityKind, text: str) -> list[str]:
        expr = parse_filter(text)
        return sorted(p["sourcedId"] for p in roster[kind] if matches(kind, expr, p))

    cases = [
        (EntityKind.USERS, "givenName~'_'"),  # a literal underscore, not a wildcard
        (EntityKind.USERS, "givenName~'%'"),
        (EntityKind.USERS, "givenName='o''brien'"),
        (EntityKind.USERS, "givenName~'alan' AND status='active'"),
        (EntityKind.USERS, "email!='user1@example.edu'"),  # includes users without an email
        (EntityKind.USERS, "role@'teacher,guardian' OR enabledUser=false"),
        (EntityKind.USERS, "dateLastModified>='2024-01-15' AND dateLastModified<'2024-02-01'"),
        (EntityKind.USERS, "dateLastModified>'2024-01-15T12:00:00Z'"),
        (EntityKind.ACADEMIC_SESSIONS, "schoolYear>=2025"),
        (EntityKind.ACADEMIC_SESSIONS, "startDate='2024-04-01'"),
        (EntityKind.ENROLLMENTS, "beginDate<='2024-03-01' AND primary=true"),
        (EntityKind.CLASSES, "course.sourcedId='course-1' OR school.sourcedId='school-2'"),
        (EntityKind.ORGS, "name~'100%_'"),
    ]
    for kind, text in cases:
        assert await ids(kind, text) == py(kind, text), text
    assert await ids(EntityKind.USERS, "givenName~'_'") == sorted(
        u["sourcedId"] for u in users if "_" in u["givenName"]
    )
    midnight = [u for u in users if u["dateLastModified"].endswith("T00:00:00.000Z")]
    assert midnight, "the data set should have instants at midnight"


async def test_search_sort_fields_and_stable_pages(
    sessions: SessionFactory, roster: dict[EntityKind, list[dict[str, Any]]]
) -> None:
    await load(sessions, roster)
    users = roster[EntityKind.USERS]
    async with sessions() as session:
        store = SqlRosterStore(session)
        got, total = await store.query(
            RosterQuery(kind=EntityKind.USERS, scope=EVERYTHING, search="LOVE", limit=3000)
        )
        expected = [u["sourcedId"] for u in users if search_matches(EntityKind.USERS, "LOVE", u)]
        assert sorted(r.sourced_id for r in got) == sorted(expected)
        assert total == len(expected)

        for sort, order in [("familyName", SortOrder.ASC), ("dateLastModified", SortOrder.DESC),
                            ("enabledUser", SortOrder.ASC), ("sourcedId", SortOrder.DESC)]:  # fmt: skip
            pages: list[str] = []
            offset = 0
            while True:
                page, total = await store.query(
                    RosterQuery(kind=EntityKind.USERS, scope=EVERYTHING, sort=sort, order=order,
                                limit=7, offset=offset)
                )  # fmt: skip
                if not page:
                    break
                pages += [r.sourced_id for r in page]
                offset += 7
            whole, _ = await store.query(
                RosterQuery(
                    kind=EntityKind.USERS, scope=EVERYTHING, sort=sort, order=order, limit=3000
                )
            )
            assert pages == [r.sourced_id for r in whole], sort
            assert len(set(pages)) == len(users) == total
            if sort in ("dateLastModified", "sourcedId"):
                spec = FILTERABLE[EntityKind.USERS][sort]
                by_id = {u["sourcedId"]: spec.value(u) for u in users}
                keys = [by_id[i] for i in pages]
                assert keys == sorted(keys, reverse=order is SortOrder.DESC)

        page, _ = await store.query(
            RosterQuery(
                kind=EntityKind.USERS, scope=EVERYTHING, fields=("sourcedId", "givenName"), limit=5
            )
        )
        assert all(set(r.payload) <= {"sourcedId", "givenName"} for r in page)
        assert all("sourcedId" in r.payload for r in page)


def test_queries_refuse_unknown_fields() -> None:
    with pytest.raises(FilterError) as caught:
        RosterQuery(kind=EntityKind.USERS, scope=EVERYTHING, filter=parse_filter("password='x'"))
    assert caught.value.field == "filter"
    assert "givenName" in caught.value.detail
    with pytest.raises(InvalidInput) as refused:
        RosterQuery(kind=EntityKind.USERS, scope=EVERYTHING, sort="password")
    assert refused.value.field == "sort"
    with pytest.raises(InvalidInput) as selection:
        RosterQuery(kind=EntityKind.USERS, scope=EVERYTHING, fields=("nope",))
    assert selection.value.field == "fields"


# --- scope and relations ----------------------------------------------------------------------------


async def test_scope_narrows_every_list(
    sessions: SessionFactory, roster: dict[EntityKind, list[dict[str, Any]]]
) -> None:
    await load(sessions, roster)
    users = roster[EntityKind.USERS]
    people = frozenset(u["sourcedId"] for u in users[:5])
    async with sessions() as session:
        store = SqlRosterStore(session)

        async def ids(kind: EntityKind, scope: Scope, **kw: Any) -> set[str]:
            got, total = await store.query(RosterQuery(kind=kind, scope=scope, limit=3000, **kw))
            assert total == len(got)
            return {r.sourced_id for r in got}

        assert await ids(EntityKind.USERS, Scope(people=(Ids(people),))) == people
        assert (
            await ids(
                EntityKind.USERS,
                Scope(people=(Ids(people),)),
                filter=parse_filter("status='active'"),
            )
            == people
        )
        assert await ids(EntityKind.USERS, Scope()) == set()
        assert await ids(EntityKind.CLASSES, Scope()) == set()
        assert await ids(EntityKind.CLASSES, Scope(classes=(Ids.of("class-003"),))) == {"class-003"}
        # staff of school-1 see its people, classes and enrollments
        school = Scope(people=(Ids.of("staff"),), orgs=(Ids.of("school-1"),))
        members = {
            u["sourcedId"]
            for u in users
            if any(r["org"]["sourcedId"] == "school-1" for r in u["roles"])
        }
        assert await ids(EntityKind.USERS, school) == members
        assert await ids(EntityKind.CLASSES, school) == {
            c["sourcedId"]
            for c in roster[EntityKind.CLASSES]
            if c["school"]["sourcedId"] == "school-1"
        }
        assert await ids(EntityKind.ENROLLMENTS, school) == {
            e["sourcedId"]
            for e in roster[EntityKind.ENROLLMENTS]
            if e["school"]["sourcedId"] == "school-1"
        }
        # a student sees their own enrollments, not their classmates'
        student = next(u["sourcedId"] for u in users if u["roles"][0]["role"] == "student")
        mine = frozenset(
            e["class"]["sourcedId"]
            for e in roster[EntityKind.ENROLLMENTS]
            if e["user"]["sourcedId"] == student
        )
        own = Scope(people=(Ids.of(student),), classes=(Ids(mine),))
        assert await ids(EntityKind.ENROLLMENTS, own) == {
            e["sourcedId"]
            for e in roster[EntityKind.ENROLLMENTS]
            if e["user"]["sourcedId"] == student
        }
        assert await ids(EntityKind.CLASSES, own) == set(mine)
        assert await ids(EntityKind.USERS, own) == {student}


async def test_staff_see_the_district_courses_taught_at_their_schools(
    sessions: SessionFactory, roster: dict[EntityKind, list[dict[str, Any]]]
) -> None:
    data = {kind: list(rows) for kind, rows in roster.items()}
    stamp = {"status": "active", "dateLastModified": iso(BASE), "metadata": {}}
    data[EntityKind.COURSES].append(
        {"sourcedId": "course-district", **stamp, "title": "District Algebra",
         "courseCode": "DA", "org": ref("district-1", "org"), "grades": ["9"]}
    )  # fmt: skip
    data[EntityKind.CLASSES].append(
        {"sourcedId": "class-district", **stamp, "title": "Algebra at school 1",
         "classCode": "DA1", "classType": "scheduled", "course": ref("course-district", "course"),
         "school": ref("school-1", "org"), "terms": [ref("term-0", "academicSession")]}
    )  # fmt: skip
    await load(sessions, data)
    async with sessions() as session:
        store = SqlRosterStore(session)

        async def courses(scope: Scope) -> set[str]:
            got, _ = await store.query(
                RosterQuery(kind=EntityKind.COURSES, scope=scope, limit=3000)
            )
            return {r.sourced_id for r in got}

        def staff_of(school: str) -> Scope:
            return Scope(people=(Ids.of("staff"),), orgs=(Ids.of(school),))

        owned_by_1 = {
            c["sourcedId"] for c in data[EntityKind.COURSES] if c["org"]["sourcedId"] == "school-1"
        }
        taught_at_1 = {
            c["course"]["sourcedId"]
            for c in data[EntityKind.CLASSES]
            if c["school"]["sourcedId"] == "school-1"
        }
        assert "course-district" in await courses(staff_of("school-1"))
        assert await courses(staff_of("school-1")) == owned_by_1 | taught_at_1
        # another school's staff do not see it: nothing of it is taught there
        assert "course-district" not in await courses(staff_of("school-2"))


async def test_nested_lists_follow_the_links(
    sessions: SessionFactory, roster: dict[EntityKind, list[dict[str, Any]]]
) -> None:
    await load(sessions, roster)
    enrollments = roster[EntityKind.ENROLLMENTS]
    klass = "class-002"

    def enrolled(role: str) -> set[str]:
        return {
            e["user"]["sourcedId"]
            for e in enrollments
            if e["class"]["sourcedId"] == klass and e["role"] == role
        }

    students, teachers = enrolled("student"), enrolled("teacher")
    async with sessions() as session:
        store = SqlRosterStore(session)

        async def nested(kind: EntityKind, relation: Relation, sourced_id: str) -> set[str]:
            return await related_ids(store, kind, relation, sourced_id)

        got, total = await store.query(
            RosterQuery(kind=EntityKind.USERS, scope=EVERYTHING, related=Related(Relation.CLASS_STUDENTS, klass),
                        sort="familyName", limit=3000)
        )  # fmt: skip
        assert {r.sourced_id for r in got} == students
        assert total == len(students)
        assert await nested(EntityKind.USERS, Relation.CLASS_TEACHERS, klass) == teachers
        assert await nested(EntityKind.ENROLLMENTS, Relation.CLASS_ENROLLMENTS, klass) == {
            e["sourcedId"] for e in enrollments if e["class"]["sourcedId"] == klass
        }
        student = next(iter(students))
        assert await nested(EntityKind.CLASSES, Relation.USER_CLASSES, student) == {
            e["class"]["sourcedId"] for e in enrollments if e["user"]["sourcedId"] == student
        }
        assert await nested(EntityKind.CLASSES, Relation.SCHOOL_CLASSES, "school-2") == {
            c["sourcedId"]
            for c in roster[EntityKind.CLASSES]
            if c["school"]["sourcedId"] == "school-2"
        }
        assert await nested(EntityKind.ORGS, Relation.ORG_CHILDREN, "district-1") == {
            "school-0",
            "school-1",
            "school-2",
        }
        ward = next(u for u in roster[EntityKind.USERS] if u["agents"])
        agent = ward["agents"][0]["sourcedId"]
        agents, _ = await store.query(
            RosterQuery(
                kind=EntityKind.USERS,
                scope=EVERYTHING,
                related=Related(Relation.USER_AGENTS, ward["sourcedId"]),
            )
        )
        assert [r.sourced_id for r in agents] == [agent]
        assert ward["sourcedId"] in await nested(EntityKind.USERS, Relation.AGENT_FOR, agent)
        terms, _ = await store.query(
            RosterQuery(
                kind=EntityKind.CLASSES,
                scope=EVERYTHING,
                related=Related(Relation.TERM_CLASSES, "term-1"),
            )
        )
        assert {r.sourced_id for r in terms} == {
            c["sourcedId"]
            for c in roster[EntityKind.CLASSES]
            if c["terms"][0]["sourcedId"] == "term-1"
        }
        schools, _ = await store.query(
            RosterQuery(kind=EntityKind.ORGS, scope=EVERYTHING, types=frozenset({"school"}))
        )
        assert [r.sourced_id for r in schools] == ["school-0", "school-1", "school-2"]
        teachers_at, _ = await store.query(
            RosterQuery(kind=EntityKind.USERS, scope=EVERYTHING, types=frozenset({"teacher"}),
                        related=Related(Relation.SCHOOL_USERS, "school-0"), limit=3000)
        )  # fmt: skip
        assert all(r.role == "teacher" and "school-0" in r.org_ids for r in teachers_at)
        assert teachers_at
        assert await nested(EntityKind.USERS, Relation.CLASS_STUDENTS, "nope") == set()


# --- sync bookkeeping ------------------------------------------------------------------------------


async def test_watermarks_checkpoints_and_runs_persist(sessions: SessionFactory) -> None:
    at = datetime(2024, 5, 1, 12, 30, tzinfo=UTC)
    run = SyncRun(
        id="run-1",
        kind=SyncKind.FULL,
        status=SyncStatus.RUNNING,
        started_at=at,
        entities=(EntityProgress(entity=EntityKind.USERS), EntityProgress(entity=EntityKind.ORGS)),
    )
    async with sessions() as session:
        store = SqlRosterStore(session)
        assert await store.watermark(EntityKind.USERS) is None
        await store.set_watermark(EntityKind.USERS, at)
        await store.set_watermark(EntityKind.USERS, at + timedelta(hours=1))
        await store.save_checkpoint(
            SyncCheckpoint(entity=EntityKind.USERS, run_id="run-1", next_offset=3000, updated_at=at)
        )
        await store.save_checkpoint(
            SyncCheckpoint(entity=EntityKind.USERS, run_id="run-1", next_offset=6000, updated_at=at)
        )
        await store.add_run(run)
        await store.add_run(SyncRun(id="run-0", kind=SyncKind.INCREMENTAL, status=SyncStatus.SUCCEEDED,
                                    started_at=at - timedelta(days=1), finished_at=at - timedelta(days=1)))  # fmt: skip
        await store.update_progress(
            "run-1",
            EntityProgress(entity=EntityKind.USERS, status=SyncStatus.RUNNING, pages_done=2,
                           pages_total=34, rows=6000, errors=1),
        )  # fmt: skip
        await session.commit()
    async with sessions() as session:
        store = SqlRosterStore(session)
        assert await store.watermark(EntityKind.USERS) == at + timedelta(hours=1)
        assert await store.watermark(EntityKind.ORGS) is None
        checkpoint = await store.checkpoint(EntityKind.USERS)
        assert checkpoint == SyncCheckpoint(
            entity=EntityKind.USERS, run_id="run-1", next_offset=6000, updated_at=at
        )
        got = await store.get_run("run-1")
        assert got is not None
        assert got.status is SyncStatus.RUNNING
        assert got.started_at == at
        progress = {p.entity: p for p in got.entities}
        assert progress[EntityKind.USERS] == EntityProgress(
            entity=EntityKind.USERS,
            status=SyncStatus.RUNNING,
            pages_done=2,
            pages_total=34,
            rows=6000,
            errors=1,
        )
        assert progress[EntityKind.ORGS].pages_total is None
        await store.finish_run(
            "run-1", status=SyncStatus.FAILED, finished_at=at + timedelta(minutes=5), error="boom"
        )
        await store.clear_checkpoint(EntityKind.USERS)
        await session.commit()
    async with sessions() as session:
        store = SqlRosterStore(session)
        assert await store.checkpoint(EntityKind.USERS) is None
        runs, total = await store.list_runs()
        assert [r.id for r in runs] == ["run-1", "run-0"]
        assert total == 2
        assert runs[0].status is SyncStatus.FAILED
        assert runs[0].error == "boom"
        assert runs[0].finished_at == at + timedelta(minutes=5)
        failed, total = await store.list_runs(status=SyncStatus.SUCCEEDED)
        assert [r.id for r in failed] == ["run-0"]
        assert total == 1
        assert await store.get_run("nope") is None
