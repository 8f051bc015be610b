"""The learner flow in the authorization matrix (``tests/api/test_authorization_matrix.py``).

Routes: ``/v1/learning/lessons/{lesson}/...`` and ``/v1/learning/activity/complete``, rule
``learner`` (``LearnerRef``). Whose learning a cell is about is the ``learner`` named in the body
or query: "own" is a learner the caller reaches (a student themselves; a teacher's student; a
guardian's child; staff, a student at their school; admins, the demo student), "other" a student
none of them reaches. Expected, from the policy's docstring (not its code): reads for the learner,
their guardians, teachers and staff, and admins; acting (start, next question, answer,
complete) the same but never a guardian.

An allowed cell must succeed, so its request is made valid first: the lesson is one of the
learner's, an attempt is started, and an answer names the question PowerPath is asking.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

from api.composition import Container
from simulators.powerpath import PowerPathSimulator
from simulators.powerpath.roster import lesson_type
from tests.support.sandbox import simulator

PREFIX = "/v1/learning/"
OWN, OTHER = "own", "other"
CALLERS = ("admin", "staff", "teacher", "student", "guardian", "anonymous")


def learning_flow_route(path: str) -> bool:
    return path.startswith(PREFIX) and (
        path.startswith(f"{PREFIX}lessons/{{lesson}}") or path == f"{PREFIX}activity/complete"
    )


@dataclass
class LearningFlowWorld:
    powerpath: PowerPathSimulator
    #: the learner each (caller, ownership) cell is about
    learners: dict[tuple[str, str], str]
    admin: dict[str, str]
    #: the body prepared for the next cell, by operation
    prepared: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def of(
        cls, container: Container, people: dict[tuple[str, str], str], admin: dict[str, str]
    ) -> LearningFlowWorld:
        student = people[("student", OWN)]
        stranger = people[("student", OTHER)]
        # own: the demo student for everyone but a guardian (their child: the matrix's related
        # person); other: a student at another school, nobody's child or pupil here
        learners = {(caller, OWN): student for caller in CALLERS}
        learners[("guardian", OWN)] = people[("guardian", "related")]
        learners |= {(caller, OTHER): stranger for caller in CALLERS}
        return cls(simulator(container, "powerpath", PowerPathSimulator), learners, admin)

    def allowed(self, op: str, caller: str, ownership: str) -> bool:
        if caller == "anonymous":
            return False
        if caller == "admin":
            return True
        if ownership != OWN:
            return False
        return op not in ACTS or caller != "guardian"

    def lesson_of(self, learner: str, kind: str = "powerpath-100") -> str:
        """A lesson of the learner's courses; one of the demo student's for a learner in no
        class (PowerPath serves any lesson to any student: enrolment is the roster's concern)."""
        for who in (learner, self.learners[("student", OWN)]):
            for course in self.powerpath.roster.courses_of(who):
                for lesson in self.powerpath.roster.course_lessons(course):
                    if lesson_type(lesson) == kind:
                        return str(lesson["sourcedId"])
        raise AssertionError(f"no {kind} lesson for {learner}")

    def learner(self, caller: str, ownership: str) -> str:
        return self.learners[(caller, ownership)]

    async def params(
        self, http: httpx.AsyncClient, path: str, op: str, caller: str, ownership: str
    ) -> dict[str, str]:
        learner = self.learner(caller, ownership)
        lesson = self.lesson_of(learner)
        self.prepared.clear()
        if path == f"{PREFIX}activity/complete":
            article = self.lesson_of(learner, "alpha-read-article")
            self.prepared[op] = {"json": {"lesson": article, "learner": learner, "xp": 5}}
            return {}
        base = f"{PREFIX}lessons/{lesson}"
        started = await http.post(f"{base}/start", json={"learner": learner}, headers=self.admin)
        assert started.status_code == 200, started.text
        query: dict[str, Any] = {"params": {"learner": learner}}
        body: dict[str, Any] = {"json": {"learner": learner}}
        if op == "answer_question":
            asked = await http.get(f"{base}/next", params={"learner": learner}, headers=self.admin)
            assert asked.status_code == 200, asked.text
            question = asked.json()["question"]
            assert question is not None, asked.text
            found = self.powerpath.bank.question(question["id"])
            assert found is not None
            response = next(iter(found.correct.values()))
            body = {"json": {"learner": learner, "question": question["id"], "response": response}}
        self.prepared[op] = body if op in BODIES else query
        params = {"lesson": lesson}
        if "{number}" in path:
            params["number"] = str(started.json()["attempt"])
        return params

    def body(self, op: str) -> dict[str, Any] | None:
        return self.prepared.get(op)


#: operations with a JSON body
BODIES = frozenset({"start_lesson", "answer_question", "complete_lesson", "complete_activity"})
#: acting for the learner (WRITE): serving the next question changes the attempt too
ACTS = BODIES | {"next_question"}
