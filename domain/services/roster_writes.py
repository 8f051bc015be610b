"""Roster writes: sent to TimeBack (the system of record), then copied into the cache in the same
request, so the writer reads their own write without waiting for a sync.

Who may write: admins anything; staff what hangs from the orgs they reach (a user's role orgs, a
class's school, a course's or session's org, an org itself or, when created, its parent, both ends
of an enrollment or agent link); nobody else. A record the caller may not even see is reported as
not found, so a refusal never confirms that a hidden record exists. What a write refers to must
exist, be within reach and fit together (D38, ``roster_write_references``).

The cache takes the record as TimeBack answers a read after the write (its stamps and completed
references), upserted or deleted with its change-feed entry in one unit of work. Should that fail,
the next incremental sync brings the same record, because the write moved its ``dateLastModified``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from domain.errors import Conflict, NotFound, PermissionDenied, UpstreamUnavailable
from domain.models.identity import Actor
from domain.policy import Action, Area, OrgRef, Policy
from domain.ports import UnitOfWorkFactory
from domain.ports.roster_writer import RosterLiveReader, RosterWriter
from domain.roster.entities import EntityKind, RosterRecord, ref_id
from domain.roster.filters import Comparison, Op
from domain.roster.query import RosterQuery
from domain.services.roster_write_references import RosterReferenceCheck

#: Fields TimeBack stamps itself; a client's value would only be overwritten (or refused).
SERVER_FIELDS = frozenset({"dateLastModified"})
WRITABLE = frozenset(
    {
        EntityKind.USERS,
        EntityKind.CLASSES,
        EntityKind.COURSES,
        EntityKind.ORGS,
        EntityKind.ACADEMIC_SESSIONS,
        EntityKind.ENROLLMENTS,
    }
)
ENROLL_ROLES = frozenset({"student", "teacher"})


class RosterWriteService:
    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        policy: Policy,
        writer: RosterWriter,
        live: RosterLiveReader,
    ) -> None:
        self._uow = uow
        self._policy = policy
        self._writer = writer
        self._live = live
        self._references = RosterReferenceCheck(uow=uow, live=live, require_orgs=self._require)

    # --- create, update, delete -------------------------------------------------------------------

    async def create(
        self, *, actor: Actor, kind: EntityKind, entity: Mapping[str, Any]
    ) -> RosterRecord:
        _writable(kind)
        await self._references.exist(actor, kind, entity)
        await self._require(actor, await self._orgs(kind, entity, new=True))
        await self._references.fit(kind, entity, entity)
        supplied = entity.get("sourcedId")
        if isinstance(supplied, str) and await self._live.fetch(kind, supplied) is not None:
            raise Conflict(f"A {kind} record with sourcedId {supplied!r} already exists.")
        # OneRoster requires a status on create (TimeBack refuses courses without one)
        body = {"status": "active", **_without_server_fields(entity)}
        sourced_id = await self._writer.create(kind, body)
        return await self._refresh(kind, sourced_id)

    async def update(
        self, *, actor: Actor, kind: EntityKind, sourced_id: str, changes: Mapping[str, Any]
    ) -> RosterRecord:
        """Merge ``changes`` (top-level fields) into the record and send the whole record: a
        OneRoster PUT replaces, so a partial body would erase the fields it leaves out."""
        _writable(kind)
        current = await self._existing(actor, kind, sourced_id)
        merged = _without_server_fields({**current.payload, **changes, "sourcedId": sourced_id})
        await self._references.exist(actor, kind, changes)
        wanted = await self._orgs(kind, merged, new=False)
        parent = ref_id(merged.get("parent"))
        if kind is EntityKind.ORGS and parent and parent != ref_id(current.payload.get("parent")):
            wanted.add(parent)  # moving an org needs a hand on where it goes
        await self._require(actor, wanted, kind, sourced_id)
        await self._references.fit(kind, changes, merged)
        await self._writer.replace(kind, sourced_id, merged)
        return await self._refresh(kind, sourced_id)

    async def delete(self, *, actor: Actor, kind: EntityKind, sourced_id: str) -> None:
        _writable(kind)
        await self._existing(actor, kind, sourced_id)
        await self._writer.delete(kind, sourced_id)
        async with self._uow() as uow:
            await uow.roster.delete_many(kind, [sourced_id])
            await uow.commit()

    # --- enrollments and agents -------------------------------------------------------------------

    async def enroll(
        self,
        *,
        actor: Actor,
        class_id: str,
        user_id: str,
        role: str,
        details: Mapping[str, Any],
    ) -> RosterRecord:
        """Enroll ``user_id`` in the class as ``student`` or ``teacher``. Needs the right to write
        at the class's school and at the user's orgs."""
        if role not in ENROLL_ROLES:
            raise ValueError(f"cannot enroll as {role!r}")
        klass = await self._existing(actor, EntityKind.CLASSES, class_id)
        user = await self._related_user(actor, user_id)
        await self._require(
            actor, await self._orgs(EntityKind.CLASSES, klass.payload, new=False) | user.org_ids
        )
        enrollment_id = await self._writer.enroll(
            class_id, user_id, role, _without_server_fields(details)
        )
        return await self._refresh(EntityKind.ENROLLMENTS, enrollment_id)

    async def add_agent(self, *, actor: Actor, user_id: str, agent_id: str) -> RosterRecord:
        """Make ``agent_id`` (a guardian, parent...) an agent of ``user_id``; TimeBack records the
        link on both users, and so does the cache."""
        await self._agents_allowed(actor, user_id, agent_id)
        await self._writer.add_agent(user_id, agent_id)
        return await self._refresh_users(user_id, agent_id)

    async def remove_agent(self, *, actor: Actor, user_id: str, agent_id: str) -> RosterRecord:
        await self._agents_allowed(actor, user_id, agent_id)
        await self._writer.remove_agent(user_id, agent_id)
        return await self._refresh_users(user_id, agent_id)

    async def _agents_allowed(self, actor: Actor, user_id: str, agent_id: str) -> None:
        user = await self._existing(actor, EntityKind.USERS, user_id)
        agent = await self._related_user(actor, agent_id)
        await self._require(actor, user.org_ids | agent.org_ids)

    # --- plumbing ---------------------------------------------------------------------------------

    async def _existing(self, actor: Actor, kind: EntityKind, sourced_id: str) -> RosterRecord:
        """The record as TimeBack has it now; NotFound when it has none or the caller may not see
        it, PermissionDenied when they may see it but not change it."""
        record = await self._live.fetch(kind, sourced_id)
        if record is None:
            raise NotFound(f"No {kind} with sourcedId {sourced_id!r}.")
        await self._require(
            actor, await self._orgs(kind, record.payload, new=False), kind, sourced_id
        )
        return record

    async def _related_user(self, actor: Actor, user_id: str) -> RosterRecord:
        """The other user of a link: NotFound unless it exists and the caller may see it (the
        right to write at its orgs is checked with the link's other end)."""
        record = await self._live.fetch(EntityKind.USERS, user_id)
        if record is None or not await self._visible(actor, EntityKind.USERS, user_id):
            raise NotFound(f"No user with sourcedId {user_id!r}.")
        return record

    async def _require(
        self,
        actor: Actor,
        orgs: Iterable[str],
        kind: EntityKind | None = None,
        sourced_id: str | None = None,
    ) -> None:
        """Write access at every org in ``orgs`` (no org at all: admins only). When refused on an
        existing record the caller cannot even see, NotFound instead of PermissionDenied."""
        wanted = sorted(set(orgs))
        try:
            if not wanted:
                await self._policy.require(actor, Action.WRITE, Area.ROSTER)
            for org in wanted:
                await self._policy.require(actor, Action.WRITE, OrgRef(org))
        except PermissionDenied:
            if (
                kind is not None
                and sourced_id is not None
                and not await self._visible(actor, kind, sourced_id)
            ):
                raise NotFound(f"No {kind} with sourcedId {sourced_id!r}.") from None
            raise

    async def _visible(self, actor: Actor, kind: EntityKind, sourced_id: str) -> bool:
        query = RosterQuery(
            kind=kind,
            scope=self._policy.scope(actor),
            filter=Comparison("sourcedId", Op.EQ, sourced_id),
            fields=("sourcedId",),
            limit=1,
        )
        async with self._uow() as uow:
            found, _ = await uow.roster.query(query)
        return bool(found)

    async def _orgs(self, kind: EntityKind, entity: Mapping[str, Any], *, new: bool) -> set[str]:
        """The orgs a record hangs from, for the write rule."""
        match kind:
            case EntityKind.USERS:
                orgs = {
                    ref_id(r.get("org"))
                    for r in entity.get("roles") or ()
                    if isinstance(r, Mapping)
                }
                orgs |= {ref_id(entity.get("primaryOrg"))}
            case EntityKind.CLASSES:
                orgs = {ref_id(entity.get("school")), ref_id(entity.get("org"))}
            case EntityKind.COURSES | EntityKind.ACADEMIC_SESSIONS:
                orgs = {ref_id(entity.get("org"))}
            case EntityKind.ORGS:
                # an org is changed by whoever reaches it; one is created by whoever reaches its parent
                orgs = {ref_id(entity.get("parent")) if new else str(entity.get("sourcedId") or "")}
            case EntityKind.ENROLLMENTS:
                orgs = {ref_id(entity.get("school"))}
                for kind_of, field in ((EntityKind.CLASSES, "class"), (EntityKind.USERS, "user")):
                    target = ref_id(entity.get(field))
                    found = await self._live.fetch(kind_of, target) if target else None
                    if found is None:
                        raise NotFound(f"No {field} with sourcedId {target!r}.")
                    orgs |= await self._orgs(kind_of, found.payload, new=False)
            case _:
                orgs = set()
        return {o for o in orgs if o}

    async def _refresh(self, kind: EntityKind, sourced_id: str) -> RosterRecord:
        """Read the record back from TimeBack and put it in the cache (one unit of work)."""
        record = await self._live.fetch(kind, sourced_id)
        if record is None:
            raise UpstreamUnavailable(
                f"TimeBack accepted the write but has no {kind} {sourced_id!r} to read back.",
                upstream="timeback",
            )
        async with self._uow() as uow:
            await uow.roster.upsert_many(kind, [record])
            await uow.commit()
        return record

    async def _refresh_users(self, user_id: str, other_id: str) -> RosterRecord:
        records = [await self._live.fetch(EntityKind.USERS, i) for i in (user_id, other_id)]
        found = [r for r in records if r is not None]
        async with self._uow() as uow:
            await uow.roster.upsert_many(EntityKind.USERS, found)
            await uow.commit()
        if records[0] is None:
            raise NotFound(f"No user with sourcedId {user_id!r}.")
        return records[0]


def _writable(kind: EntityKind) -> None:
    if kind not in WRITABLE:
        raise ValueError(f"{kind} are not written through the roster API")


def _without_server_fields(entity: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in entity.items() if k not in SERVER_FIELDS}
