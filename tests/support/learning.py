"""The learner flow's test sandbox: the BFF with its lifespan, the demo roles logged in, the
simulators it calls (PowerPath, TimeBack's gradebook, Caliper) and a demo student's lessons."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from api.composition import Container
from api.settings import Settings
from domain.models.caliper_events import DeliveryState
from domain.models.learning import ResultState
from domain.ports.lesson_practice import FINALIZED_BY_CALL
from simulators.caliper import CaliperSimulator
from simulators.powerpath import PowerPathSimulator
from simulators.powerpath.questions import InvalidResponse
from simulators.powerpath.roster import lesson_type
from simulators.timeback import TimebackSimulator
from tests.support.bff import open_bff
from tests.support.sandbox import simulator

ROLES = ("admin", "staff", "teacher", "student", "guardian")
LESSONS = "/v1/learning/lessons"
RESULTS = "/ims/oneroster/gradebook/v1p2/assessmentResults"
#: what a QTI answer key is made of: none may reach a learner
KEY_MARKERS = ("qti-correct-response", "qti-response-processing", "correctResponse")


@dataclass
class Flow:
    http: httpx.AsyncClient
    container: Container
    headers: dict[str, dict[str, str]]
    people: dict[str, str | None]
    powerpath: PowerPathSimulator
    timeback: TimebackSimulator
    caliper: CaliperSimulator

    @property
    def student(self) -> str:
        found = self.people["student"]
        assert found is not None
        return found

    def lesson(self, kind: str, learner: str | None = None, skip: int = 0) -> str:
        """A ``kind`` lesson of one of the learner's courses (the ``skip``-th one)."""
        who = learner or self.student
        found = [
            lesson["sourcedId"]
            for course in self.powerpath.roster.courses_of(who)
            for lesson in self.powerpath.roster.course_lessons(course)
            if lesson_type(lesson) == kind
        ]
        assert len(found) > skip, f"no {kind} lesson for {who}"
        return str(found[skip])

    def other_student(self) -> str:
        """A student the demo teacher does not teach (no class in common with the demo student)."""
        mine = set(self.powerpath.roster.courses_of(self.student))
        for user in self.powerpath.roster.state.users.all():
            if user["roles"][0]["role"] != "student" or user["sourcedId"] == self.student:
                continue
            if not mine & set(self.powerpath.roster.courses_of(user["sourcedId"])):
                return str(user["sourcedId"])
        raise AssertionError("every student shares a course with the demo student")

    def response(self, question_id: str, *, right: bool) -> str | list[str]:
        question = self.powerpath.bank.question(question_id)
        assert question is not None
        value = next(iter(question.correct.values()))
        if right:
            return value
        for guess in ("Z", "0", "Z Z", "-1"):
            given = guess if isinstance(value, str) else [guess]
            try:
                if not self.powerpath.bank.score(question, {"RESPONSE": given}).correct:
                    return given
            except InvalidResponse:
                continue
        raise AssertionError(f"no wrong answer for {question_id}")

    async def call(
        self, method: str, path: str, role: str = "student", **kwargs: Any
    ) -> httpx.Response:
        return await self.http.request(method, path, headers=self.headers[role], **kwargs)

    async def post(self, path: str, role: str = "student", **kwargs: Any) -> httpx.Response:
        headers = {**self.headers[role], **kwargs.pop("headers", {})}
        return await self.http.post(path, headers=headers, **kwargs)

    def results_for(self, learner: str) -> list[dict[str, Any]]:
        stored = self.timeback.state.gradebook["assessmentResults"].all()
        return [r for r in stored if (r.get("student") or {}).get("sourcedId") == learner]

    async def deliver_events(self, event_id: str | None = None) -> object:
        """Delivery rounds until ``event_id`` is delivered (a background job may hold it a
        moment: it is retried until then); the outbox row as it was last seen."""
        row = None
        for _ in range(400):
            await self.container.caliper_delivery().run_job({"lane": 0})
            if event_id is None:
                return None
            async with self.container.uow() as uow:
                row = await uow.caliper_events.get(event_id)
            if row is None or row.state in (DeliveryState.DELIVERED, DeliveryState.FAILED):
                return row
            await asyncio.sleep(0.02)
        return row

    async def deliver_result(self, completion_id: str) -> ResultState | None:
        """Rounds of the learning-results task until the completion's result is delivered (due
        again after a back-off of a few milliseconds); its last state."""
        state = None
        for _ in range(400):
            await self.container.completions().reconcile()
            async with self.container.uow() as uow:
                row = await uow.learning.get(completion_id)
            state = row.state if row else None
            if state is ResultState.DELIVERED:
                break
            await asyncio.sleep(0.01)
        return state

    def events_upstream(self, event_id: str) -> int:
        return self.caliper.store_counts().get(event_id, 0)


@asynccontextmanager
async def open_flow(settings: Settings, demo: dict[str, Any]) -> AsyncIterator[Flow]:
    async with open_bff(settings, demo, ROLES, synced=False) as bff:
        container = bff.container
        caliper = simulator(container, "caliper", CaliperSimulator)
        caliper.set_job_step(0)  # ingestion jobs finish at once: no waiting on them
        yield Flow(
            http=bff.http,
            container=container,
            headers=bff.headers,
            people={r: demo[r].person_sourced_id for r in ROLES},
            powerpath=simulator(container, "powerpath", PowerPathSimulator),
            timeback=simulator(container, "timeback", TimebackSimulator),
            caliper=caliper,
        )


async def practise(flow: Flow, lesson: str, answers: int = 10, role: str = "student") -> list[str]:
    """start -> up to ``answers`` x (next, answer) on ``lesson``; every ``next`` answer is
    searched for the answer key. Returns the questions answered."""
    started = await flow.post(f"{LESSONS}/{lesson}/start", role, json={"learner": flow.student})
    assert started.status_code == 200, started.text
    assert not [m for m in KEY_MARKERS if m in started.text]
    answered: list[str] = []
    for i in range(answers):
        got = await flow.call(
            "GET", f"{LESSONS}/{lesson}/next", role, params={"learner": flow.student}
        )
        assert got.status_code == 200, got.text
        assert not [m for m in KEY_MARKERS if m in got.text], got.text
        body = got.json()
        if body["done"]:
            break
        question = body["question"]
        assert question["form"]
        assert "qti-assessment-item" in question["form"]
        given = flow.response(question["id"], right=i % 3 != 2)
        sent = await flow.post(
            f"{LESSONS}/{lesson}/answer",
            role,
            json={"question": question["id"], "response": given, "learner": flow.student},
        )
        assert sent.status_code == 200, sent.text
        # a quiz-like attempt says right or wrong only once finalized
        quiz_like = started.json()["type"] in FINALIZED_BY_CALL
        assert sent.json()["correct"] is (None if quiz_like else i % 3 != 2)
        answered.append(question["id"])
    return answered
