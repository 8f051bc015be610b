"""What the authorization matrix needs for the roster write routes (``x-access: roster-write``):
bodies that a staff member may send (they name the staff member's school), which records in a
path staff may change, and how to undo each successful write so that the cells after it meet the
roster the expectations were worked out from.

The targets are people no demo account depends on (not the demo student, teacher or guardian, nor
the guardian's children), so a write and its undo never change what a demo caller may see.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

from api.settings import Settings
from simulators.kit.population import Population, build_population

#: the envelope key of a write to each collection
KEYS = {
    "users": "user",
    "classes": "class",
    "courses": "course",
    "orgs": "org",
    "academic-sessions": "academicSession",
    "enrollments": "enrollment",
}


@dataclass
class RosterWrites:
    population: Population
    demo: dict[str, Any]
    reach: frozenset[str] = field(init=False)
    school: str = field(init=False)
    student: str = field(init=False)
    teacher: str = field(init=False)
    agent_id: str = field(init=False)

    def __post_init__(self) -> None:
        p = self.population
        people = {x.key: x for x in p.people}
        staff = people[self.demo["staff"].person_sourced_id]
        self.school = staff.org
        self.reach = frozenset({staff.org} | {o.key for o in p.orgs if o.parent == staff.org})
        guardian = people[self.demo["guardian"].person_sourced_id]
        taken = {self.demo[r].person_sourced_id for r in self.demo if r != "admin"}
        taken |= set(guardian.agents)

        def pick(role: str) -> str:
            return max(
                x.key
                for x in p.people
                if x.role == role and x.org == self.school and x.key not in taken
            )

        self.student, self.teacher, self.agent_id = (
            pick("student"),
            pick("teacher"),
            pick("guardian"),
        )

    @classmethod
    def of(cls, settings: Settings, demo: dict[str, Any]) -> RosterWrites:
        sandbox = settings.sandbox
        population = build_population(sandbox.seed, users=sandbox.users, classes=sandbox.classes)
        return cls(population, demo)

    def staff_may_write(self, collection: str, sourced_id: str) -> bool:
        """Whether the record hangs from orgs the demo staff member reaches (the rule in
        ``domain/services/roster_writes.py``'s docstring, worked out from the population)."""
        p, reach = self.population, self.reach
        people = {x.key: x for x in p.people}
        match collection:
            case "users":
                return sourced_id in people and people[sourced_id].org in reach
            case "classes":
                return any(c.key == sourced_id and c.school in reach for c in p.classes)
            case "enrollments":
                return any(
                    e.key == sourced_id and e.school in reach and people[e.person].org in reach
                    for e in p.enrollments
                )
            case "orgs":
                return sourced_id in reach
            case "courses":
                return any(c.key == sourced_id and c.org in reach for c in p.courses)
            case "academic-sessions":
                return any(s.key == sourced_id and s.org in reach for s in p.sessions)
        raise AssertionError(f"no write rule for {collection}")

    def body(self, operation_id: str) -> dict[str, Any] | None:
        p, school = self.population, self.school
        klass = next(c for c in p.classes if c.school == school)
        at_school = {"sourcedId": school}
        creates: dict[str, dict[str, Any]] = {
            "user": {
                "enabledUser": True,
                "givenName": "Matrix",
                "familyName": "Person",
                "email": "matrix.person@school.test",
                "roles": [{"role": "student", "org": at_school}],
            },
            "class": {
                "title": "Matrix class",
                "course": {"sourcedId": klass.course},
                "org": at_school,
                "terms": [{"sourcedId": klass.term}],
            },
            "course": {"title": "Matrix course", "org": at_school},
            "org": {"name": "Matrix annex", "type": "school", "parent": at_school},
            "academic_session": {"title": "Matrix term", "type": "term", "org": at_school},
            "enrollment": {
                "role": "student",
                "user": {"sourcedId": self.student},
                "class": {"sourcedId": klass.key},
            },
        }
        changes = {
            "user": {"user": {"givenName": "Matrix"}},
            "class": {"class": {"title": "Matrix"}},
            "course": {"course": {"title": "Matrix"}},
            "org": {"org": {"name": "Matrix"}},
            "academic_session": {"academicSession": {"title": "Matrix"}},
            "enrollment": {"enrollment": {"endDate": "2030-06-30"}},
        }
        for noun, entity in creates.items():
            key = "academicSession" if noun == "academic_session" else noun
            if operation_id == f"create_roster_{noun}":
                return {"json": {key: entity}}
            if operation_id == f"update_roster_{noun}":
                return {"json": changes[noun]}
        match operation_id:
            case "enroll_roster_class_student":
                return {"json": {"enrollment": {"user": {"sourcedId": self.student}}}}
            case "enroll_roster_class_teacher":
                return {"json": {"enrollment": {"user": {"sourcedId": self.teacher}}}}
            case "add_roster_user_agent":
                return {"json": {"agentSourcedId": self.agent_id}}
        return None

    async def setup(
        self, http: httpx.AsyncClient, admin: dict[str, str], op: str, url: str
    ) -> None:
        if op == "remove_roster_user_agent":
            user_url = url.rsplit("/agents/", 1)[0]
            linked = await http.post(
                f"{user_url}/agents", json={"agentSourcedId": self.agent_id}, headers=admin
            )
            assert linked.status_code == 200, linked.text

    async def undo(
        self,
        http: httpx.AsyncClient,
        admin: dict[str, str],
        op: str,
        method: str,
        url: str,
        response: httpx.Response,
    ) -> None:
        """Put the roster back as it was before a write (and before ``setup``)."""
        if op in {"add_roster_user_agent", "remove_roster_user_agent"}:
            user_url = url.rsplit("/agents", 1)[0]
            await http.delete(
                f"{user_url}/agents/{self.agent_id}", headers=admin
            )  # 404: not linked
            return
        if response.status_code >= 300:
            return
        collection = url.removeprefix("/v1/roster/").split("/")[0]
        if op.startswith("enroll_roster_class_"):
            made = response.json()["enrollment"]["sourcedId"]
            undone = await http.delete(f"/v1/roster/enrollments/{made}", headers=admin)
        elif op.startswith("create_roster_"):
            made = response.json()[KEYS[collection]]["sourcedId"]
            undone = await http.delete(f"/v1/roster/{collection}/{made}", headers=admin)
        elif method == "DELETE":
            undone = await http.patch(
                url, json={KEYS[collection]: {"status": "active"}}, headers=admin
            )
        else:
            return
        assert undone.status_code < 300, f"undoing {method} {url}: {undone.text}"
