"""``POST /v1/learning/activity/heartbeat`` in the authorization matrix (rule ``learner``): a
valid heartbeat per caller on a lesson that exists (the student's own, everyone else's about the
demo student: a guardian's is refused), and heartbeats naming a learner the caller may not act
for (D38's foreign-reference cells: 403 or 422 for everyone but admins, whose ghost learner is a
422)."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

from tests.api.foreign_reference_matrix import Foreign, ForeignReferences

HEARTBEAT_OPS = frozenset({"learning_heartbeat"})
RequestArgs = dict[str, Any]
#: every cell's own heartbeat (a repeat would be a 202 duplicate, which proves less)
_SEQUENCE = itertools.count(1)


def heartbeat(lesson: str, learner: str | None = None) -> RequestArgs:
    body: dict[str, Any] = {
        "lesson": lesson,
        "active_seconds": 45,
        "inactive_seconds": 15,
        "started_at": "2026-12-06T09:00:00Z",
        "ended_at": "2026-12-06T09:01:00Z",
        "sequence": next(_SEQUENCE),
    }
    if learner is not None:
        body["learner"] = learner
    return {"json": body}


def activity_body(
    op: str, caller: str, lesson: str | None, persons: Mapping[str, str | None]
) -> RequestArgs | None:
    """The student's own heartbeat; everyone else's names the demo student (the teacher's pupil,
    a student at staff's school, the guardian's child), as only a student's time is recorded."""
    if op not in HEARTBEAT_OPS or lesson is None:
        return None
    return heartbeat(lesson, None if caller == "student" else persons.get("student"))


def activity_allowed(op: str, caller: str) -> bool | None:
    """Who may report the demo student's time: not a guardian (D85, ``LearnerRef`` WRITE)."""
    if op not in HEARTBEAT_OPS:
        return None
    return caller not in {"guardian", "anonymous"}


def foreign_activity_bodies(
    op: str, caller: str, foreign: ForeignReferences, lesson: str | None
) -> list[Foreign]:
    if op not in HEARTBEAT_OPS or lesson is None or caller == "anonymous":
        return []
    if caller == "admin":
        return [Foreign(heartbeat(lesson, "no-such-learner"))]
    reach = foreign.visible_people.get(caller, frozenset())
    stranger = min(p.key for p in foreign.population.people if p.key not in reach)
    bodies = [Foreign(heartbeat(lesson, stranger), admin=False)]
    if caller == "guardian":  # sees their child's learning, never does it for them
        child = foreign.persons.get("student")
        if child is not None:
            bodies.append(Foreign(heartbeat(lesson, child), admin=False))
    return bodies
