"""What the authorization matrix needs for the class-to-course link routes (``x-access:
lms-links``): a fresh link per cell on a class the caller reaches ("own") or does not ("other"),
a create body on a class staff reach, and who may do what.

Staff and admins manage the links of classes they reach; teachers read the links of classes they
teach; students and guardians nothing (403 whatever the link).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from api.composition import Container
from simulators.appsembler import AppsemblerSimulator
from simulators.appsembler.state import Course
from tests.support.sandbox import simulator

OPERATIONS = {
    "create_lms_link",
    "list_lms_links",
    "get_lms_link",
    "delete_lms_link",
    "start_lms_link_run",
    "get_lms_link_run",
    "lms_link_progress",
}
PARAMS = ("link_id", "link_run_id")
READS = {"GET"}


@dataclass
class LmsLinks:
    """``classes``: per (caller, ownership), a class id and whether the caller reaches it."""

    classes: dict[tuple[str, str], tuple[str, bool]]
    staff_class: str
    sim: AppsemblerSimulator

    @classmethod
    def of(
        cls, roster: dict[tuple[str, str, str], tuple[str, bool]], container: Container
    ) -> LmsLinks:
        classes = {(c, o): v for (kind, c, o), v in roster.items() if kind == "classes"}
        sim = simulator(container, "appsembler", AppsemblerSimulator)
        return cls(classes=classes, staff_class=classes[("staff", "own")][0], sim=sim)

    def new_course(self) -> str:
        """A course of Open edX's that no link uses yet (links are unique per class and course)."""
        number = f"M{uuid.uuid4().hex[:10]}"
        key = f"course-v1:Matrix+{number}+Run"
        start = datetime(2026, 1, 5, tzinfo=UTC)
        self.sim.state.courses[key] = Course(
            key, f"Matrix {number}", "Matrix", number, "Run", start
        )
        return key

    def body(self, op: str) -> dict[str, Any] | None:
        if op == "create_lms_link":
            return {"json": {"class_id": self.staff_class, "course_id": self.new_course()}}
        return None

    async def params(
        self,
        http: httpx.AsyncClient,
        admin: dict[str, str],
        names: set[str],
        caller: str,
        ownership: str,
    ) -> dict[str, str]:
        """A fresh link (and its first run) on the caller's own or someone else's class."""
        class_id = self.classes.get((caller, ownership), self.classes[("admin", ownership)])[0]
        made = await http.post(
            "/v1/lms/links",
            json={"class_id": class_id, "course_id": self.new_course()},
            headers=admin,
        )
        assert made.status_code == 201, made.text
        found = {"link_id": made.json()["link"]["id"], "link_run_id": made.json()["run"]["id"]}
        return {k: v for k, v in found.items() if k in names}

    def allowed(self, method: str, caller: str, ownership: str, *, has_link: bool) -> bool:
        if caller == "admin":
            return True
        if caller not in {"staff", "teacher"}:
            return False
        reached = self.classes.get((caller, ownership), ("", False))[1] if has_link else True
        if method in READS:
            return reached
        return caller == "staff" and reached
