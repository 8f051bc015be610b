"""Where class-to-course links, their runs and per-person progress are kept (``uow.lms_links``).

Nothing here commits: a run commits each batch of outcomes with the link's record of its members
in one transaction, which is what makes a killed run resumable from its rows.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Protocol

from domain.models.lms_links import (
    ClassMember,
    CourseLink,
    LinkMember,
    LinkRun,
    PersonStep,
    RunStatus,
)
from domain.scope import Scope


class LmsLinkRepository(Protocol):
    async def add(self, link: CourseLink) -> None: ...

    async def get(self, link_id: str) -> CourseLink | None: ...

    async def find(self, class_id: str, course_id: str) -> CourseLink | None: ...

    async def by_class(self, class_id: str) -> Sequence[CourseLink]: ...

    async def by_course(self, course_id: str) -> Sequence[CourseLink]: ...

    async def listed(
        self,
        scope: Scope,
        *,
        class_id: str | None = None,
        course_id: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[Sequence[CourseLink], int]:
        """Links of classes in ``scope`` (optionally of one class or course), and their count."""
        ...

    async def delete(self, link_id: str) -> None:
        """The link, its runs, their steps and its member record."""
        ...

    async def needing_work(self, now: datetime) -> Sequence[CourseLink]:
        """Links the change feed marked or with a pending run (its job may be lost), and links
        whose claiming run's lease ran out (its process died): what the periodic task enqueues
        runs for."""
        ...

    async def mark_dirty(self, class_ids: Collection[str]) -> int:
        """Mark the links of these classes; returns how many were marked."""
        ...

    async def clear_dirty(self, link_id: str) -> None: ...

    async def claim(
        self, link_id: str, run_id: str, *, now: datetime, lease_until: datetime
    ) -> bool:
        """Take the link for ``run_id`` (one conditional UPDATE): when no run holds it, its holder's
        lease ran out, or ``run_id`` holds it already (renewal). False if another run holds it."""
        ...

    async def release(self, link_id: str, run_id: str) -> None:
        """Give the link up and remember ``run_id`` as its last run."""
        ...

    async def members(self, link_id: str) -> Mapping[str, LinkMember]:
        """Whom the link has put in the course (or recorded as a teacher), by person id."""
        ...

    async def put_members(self, link_id: str, members: Iterable[LinkMember]) -> None: ...

    async def remove_members(self, link_id: str, person_ids: Collection[str]) -> None: ...

    async def add_run(self, run: LinkRun) -> None: ...

    async def get_run(self, run_id: str) -> LinkRun | None:
        """With its counts, summed from its steps."""
        ...

    async def open_run(self, link_id: str) -> LinkRun | None:
        """The link's pending or running run, if any (the one a new request joins)."""
        ...

    async def set_run(
        self,
        run_id: str,
        *,
        status: RunStatus,
        started_at: datetime | None = None,
        finished_at: datetime | None = None,
        error: str | None = None,
        note: str | None = None,
        add_calls: int = 0,
    ) -> None:
        """Update a run's status (and what is given); ``add_calls`` adds to its call count."""
        ...

    async def add_steps(self, run_id: str, steps: Iterable[PersonStep]) -> None: ...

    async def has_steps(self, run_id: str) -> bool: ...

    async def pending_steps(self, run_id: str) -> Sequence[PersonStep]: ...

    async def record(self, run_id: str, steps: Iterable[PersonStep]) -> None:
        """Store the outcomes of done steps (matched by person and action)."""
        ...

    async def steps(
        self, run_id: str, *, limit: int, offset: int
    ) -> tuple[Sequence[PersonStep], int]: ...

    async def class_members(self, class_id: str) -> Sequence[ClassMember] | None:
        """Students and teachers of a cached class (active enrollments, active users), or None
        when the class is not in the cache."""
        ...

    async def classes_touched(
        self, *, enrollment_ids: Collection[str], user_ids: Collection[str]
    ) -> set[str]:
        """Linked classes that these changed enrollments and users belong to: through the cache
        for what is still there, through the links' member records for people who left it."""
        ...

    async def feed_head(self) -> int:
        """The newest cursor of the roster change feed (0 when it is empty)."""
        ...

    async def feed_cursor(self) -> int:
        """How far the link follower has read the roster change feed (0 at first)."""
        ...

    async def set_feed_cursor(self, cursor: int) -> None: ...
