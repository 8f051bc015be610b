"""TimeBack's official ``timeback-qti`` 0.4.0 client against the QTI simulator, on a real socket.

``tests/contract/official_clients/drive_qti.py`` makes the client's documented calls (README and
every resource method) in its own Python 3.12 venv (:mod:`tests.support.official_clients`,
decision D29) and prints what each answered or raised; each call is one test here, asserting on
that JSON and on the simulator's state. Standalone, the simulator serves its own token endpoint
with TimeBack's sandbox client, which the client uses as ``auth_url``.

When the venv cannot be built the tests skip, except under ``CI=true``, where that is a failure.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from simulators.kit.server import serve_in_thread
from simulators.qti import QtiSimulator
from simulators.timeback.seed import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET
from tests.support.official_clients import Unavailable, run_driver, venv_python

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
JsonObject = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Run:
    plan: JsonObject
    sim: QtiSimulator
    calls: JsonObject


@pytest.fixture(scope="module")
def run() -> Run:
    try:
        python = venv_python()
    except Unavailable as exc:
        if IN_CI:
            pytest.fail(f"the official clients' venv cannot be built in CI: {exc}")
        pytest.skip(f"the official clients' venv cannot be built: {exc}")
    return drive(python)


def drive(python: Path) -> Run:
    sim = QtiSimulator(seed=11, users=20, classes=2)
    item = next(p for p in sim.state.parsed.values() if p.type == "choice" and p.template is None)
    correct = item.responses[0].correct[0]
    wrong = next(c.identifier for c in item.interactions[0].choices if c.identifier != correct)
    test = next(iter(sim.state.tests))
    sim.state.feedback["fb-stored"] = {
        "id": "fb-stored",
        "userId": "someone",
        "feedback": "Stored before the run",
        "type": "LESSON",
        "lessonId": "lesson-other",
        "humanApproved": False,
    }
    with serve_in_thread(sim.app) as server:
        plan = {
            "base_url": server.url,
            "auth_url": f"{server.url}/oauth2/token",
            "client_id": SANDBOX_CLIENT_ID,
            "client_secret": SANDBOX_CLIENT_SECRET,
            "item": item.identifier,
            "correct": correct,
            "wrong": wrong,
            "test": test,
            "lesson": "lesson-drv",
            "feedback": "fb-stored",
        }
        out = run_driver(python, "drive_qti.py", plan)
    return Run(plan, sim, out["calls"])


def ok(value: Any, _: Run) -> bool:
    return True


def listed(minimum: int) -> Callable[[Any, Run], bool]:
    def check(value: Any, _: Run) -> bool:
        assert value["total"] >= minimum
        assert len(value["items"]) >= min(minimum, 1)
        return True

    return check


def field(name: str, expected: Any) -> Callable[[Any, Run], bool]:
    def check(value: Any, _: Run) -> bool:
        assert value[name] == expected, value
        return True

    return check


def gone(store: str, identifier: str) -> Callable[[Any, Run], bool]:
    def check(_: Any, run: Run) -> bool:
        assert identifier not in getattr(run.sim.state, store)
        return True

    return check


def stored(store: str, identifier: str) -> Callable[[Any, Run], bool]:
    def check(_: Any, run: Run) -> bool:
        assert identifier in getattr(run.sim.state, store)
        return True

    return check


def choice_items(value: Any, _: Run) -> bool:
    assert {i["type"] for i in value["items"]} == {"choice"}
    return True


def sorted_titles(value: Any, _: Run) -> bool:
    assert value["page"] == 2
    titles = [i["title"] for i in value["items"]]
    assert titles == sorted(titles)
    return True


def streamed(value: Any, _: Run) -> bool:
    assert len(value) == 25
    return True


def scored(score: float) -> Callable[[Any, Run], bool]:
    def check(value: Any, _: Run) -> bool:
        assert value["score"] == score
        assert value["feedback"]["identifier"] in {"CORRECT", "INCORRECT"}
        return True

    return check


def questions(value: Any, run: Run) -> bool:
    assert value["assessmentTest"] == run.plan["test"]
    assert value["totalQuestions"] == len(value["questions"]) == 7
    return True


def section_refs(*expected: str) -> Callable[[Any, Run], bool]:
    def check(value: Any, _: Run) -> bool:
        assert [r["identifier"] for r in value["qti-assessment-item-ref"]] == list(expected)
        return True

    return check


def validation(success: bool) -> Callable[[Any, Run], bool]:
    def check(value: Any, _: Run) -> bool:
        assert value["success"] is success
        assert bool(value["validationErrors"]) is not success
        return True

    return check


def batch(value: Any, _: Run) -> bool:
    assert [(r["entityId"], r["success"]) for r in value["results"]] == [("a", True), ("b", False)]
    return True


#: each documented call and what its answer and the simulator's state must show
CALLS: dict[str, Callable[[Any, Run], object]] = {
    "assessment_items.list": listed(10),
    "assessment_items.list(where type)": choice_items,
    "assessment_items.list(page, sort)": sorted_titles,
    "assessment_items.stream(max_items)": streamed,
    "assessment_items.get": ok,
    "assessment_items.create_from_xml": field("type", "choice"),
    "assessment_items.create(json)": field("identifier", "drv-json"),
    "assessment_items.create_from_metadata": stored("items", "drv-meta"),
    "assessment_items.update": field("title", "Two plus two, again"),
    "assessment_items.upsert(new)": field("identifier", "drv-upsert"),
    "assessment_items.process_response(correct)": scored(1.0),
    "assessment_items.process_response(wrong)": scored(0.0),
    "assessment_items.process_response(json item)": scored(1.0),
    "assessment_items.delete": gone("items", "drv-upsert"),
    "assessment_items.get(missing) raises NotFoundError": lambda v, _: v == "NotFoundError",
    "assessment_tests.list": listed(5),
    "assessment_tests.list(limit)": field("limit", 2),
    "assessment_tests.get": ok,
    "assessment_tests.get_questions": questions,
    "assessment_tests.create": field("identifier", "drv-test"),
    "assessment_tests.update": field("title", "Driver test, renamed"),
    "assessment_tests.update_metadata": field("metadata", {"grade": "3"}),
    "test_parts.list": listed(1),
    "test_parts.create": field("navigationMode", "nonlinear"),
    "test_parts.get": field("identifier", "part-2"),
    "test_parts.update": field("navigationMode", "linear"),
    "sections.list": listed(1),
    "sections.create": field("sequence", 2),
    "sections.get": field("identifier", "section-2"),
    "sections.update": field("title", "Section two"),
    "section items.add": section_refs("drv-json", "drv-xml"),
    "section items.reorder": section_refs("drv-xml", "drv-json"),
    "section items.remove": ok,
    "sections.delete": ok,
    "test_parts.delete": ok,
    "assessment_tests.delete": gone("tests", "drv-test"),
    "stimuli.list": listed(1),
    "stimuli.create": field("identifier", "drv-stimulus"),
    "stimuli.get": field("title", "A reading"),
    "stimuli.update": field("title", "A longer reading"),
    "stimuli.delete": gone("stimuli", "drv-stimulus"),
    "validate.validate": validation(True),
    "validate.validate(invalid)": validation(False),
    "validate.batch": batch,
    "lesson.submit_question": field("type", "QUESTION"),
    "lesson.submit_lesson": field("type", "LESSON"),
    "lesson.get_lesson": field("lessonId", "lesson-drv"),
    "general.delete_by_id": gone("feedback", "fb-stored"),
}


def test_the_driver_made_every_documented_call(run: Run) -> None:
    assert sorted(run.calls) == sorted(CALLS)


@pytest.mark.parametrize("name", list(CALLS))
def test_documented_call(name: str, run: Run) -> None:
    call = run.calls[name]
    assert call["ok"], call.get("error")
    assert CALLS[name](call["value"], run)
