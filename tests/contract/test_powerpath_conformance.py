"""The PowerPath simulator against TimeBack's own ``powerpath-api.yaml``, with schemathesis.

The simulator serves all 33 operations of the spec (found by matching the spec's paths, literal
segment for literal segment, against the simulator's routes; the first test fails if one is
missing and prints the count). Each operation gets a few generated requests (positive cases) in
which the ids a request names are swapped for seeded ones of the right kind, so the answers are
the simulator's real ones, not only its 404s; each response must use a documented status code
and content type and match the documented schema. The learner flow's answers, which generated
requests cannot reach (a question must have been served before it is answered), are checked
against the same schemas in the last test.

Spec defects worked around (each with its reason), applied to a copy of the spec before loading:

* ``ONE_OF_OVERLAP``: ``updateStudentQuestionResponse`` answers ``oneOf`` five schemas of which
  four are the same (``{questionResult?, lessonType}``) and the fifth (powerpath-100) is a
  superset of them, so no answer can match exactly one; the two ``createExternal*`` request
  bodies are ``oneOf`` two inputs that differ only in optional fields, so no body can match
  exactly one either. Those ``oneOf`` become ``anyOf``.
* ``ARTICLE_PROGRESS``: ``getAssessmentProgress`` documents a powerpath-100 shape and a quiz-like
  one whose ``lessonType`` lists quiz, test-out, placement and unit-test, so an
  alpha-read-article lesson (a lesson type the spec itself lists) has no shape to answer in; the
  simulator answers the quiz-like one, and ``alpha-read-article`` is added to its enum; likewise
  ``updateStudentQuestionResponse``'s discriminator maps no schema to ``alpha-read-article``: it
  gets a copy of the quiz answer's schema with that ``lessonType``.
* ``MISSING_404``: the lesson-plan operations that take a plan or course id (tree, structure,
  operations, sync, recreate, course sync) document only 401 and 403, yet an unknown id must be
  answered; the simulator answers 404 as every other PowerPath operation documents, so 404 is
  added to them.
"""

from __future__ import annotations

import copy
import os
import re
from typing import Any

import httpx
import pytest
import yaml

schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, Phase, settings  # noqa: E402
from schemathesis.generation import GenerationMode  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from starlette.routing import Route  # noqa: E402

from simulators.kit.transport import SimulatorTransport  # noqa: E402
from simulators.powerpath import PowerPathSimulator  # noqa: E402
from simulators.powerpath.roster import lesson_type  # noqa: E402
from tests.support.shared import shared  # noqa: E402

SPEC = shared("fixtures", "timeback-openapi", "powerpath-api.yaml")
METHODS = ("get", "post", "put", "patch", "delete")
TOKEN = "powerpath-conformance-token"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
MAX_EXAMPLES = int(os.environ.get("CONFORMANCE_EXAMPLES", "2" if IN_CI else "5"))
CHECKS = [status_code_conformance, content_type_conformance, response_schema_conformance]
EXPECTED_OPERATIONS = 33
#: the lesson type an operation's ``lesson`` should name for its answer to be a real one
LESSON_FOR = {
    "/powerpath/getNextQuestion": "powerpath-100",
    "/powerpath/updateStudentQuestionResponse": "powerpath-100",
    "/powerpath/makeExternalTestAssignment": "test-out",
    "/powerpath/importExternalTestAssignmentResults": "test-out",
}
MISSING_404 = (
    ("get", "/powerpath/lessonPlans/tree/{lessonPlanId}"),
    ("get", "/powerpath/lessonPlans/tree/{lessonPlanId}/structure"),
    ("get", "/powerpath/lessonPlans/{lessonPlanId}/operations"),
    ("post", "/powerpath/lessonPlans/{lessonPlanId}/operations"),
    ("post", "/powerpath/lessonPlans/{lessonPlanId}/operations/sync"),
    ("post", "/powerpath/lessonPlans/{lessonPlanId}/recreate"),
    ("post", "/powerpath/lessonPlans/course/{courseId}/sync"),
)

pytestmark = pytest.mark.skipif(not SPEC.exists(), reason="PowerPath OpenAPI fixture missing")


def _raw_spec() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(SPEC.read_text())
    return loaded


def _one_of_to_any_of(node: Any) -> None:
    if isinstance(node, dict):
        if "oneOf" in node:
            node["anyOf"] = node.pop("oneOf")
        for value in node.values():
            _one_of_to_any_of(value)
    elif isinstance(node, list):
        for value in node:
            _one_of_to_any_of(value)


def patched_spec() -> dict[str, Any]:
    spec = copy.deepcopy(_raw_spec())
    paths = spec["paths"]
    # ONE_OF_OVERLAP
    _one_of_to_any_of(paths["/powerpath/updateStudentQuestionResponse"]["put"]["responses"])
    for name in ("createExternalPlacementTest", "createExternalTestOut"):
        _one_of_to_any_of(paths[f"/powerpath/{name}"]["post"]["requestBody"])
    # ARTICLE_PROGRESS
    progress = paths["/powerpath/getAssessmentProgress"]["get"]["responses"]["200"]
    quiz_like = progress["content"]["application/json"]["schema"]["oneOf"][1]
    quiz_like["properties"]["lessonType"]["enum"].append("alpha-read-article")
    answer = paths["/powerpath/updateStudentQuestionResponse"]["put"]["responses"]["200"]
    mapping = answer["content"]["application/json"]["schema"]["discriminator"]["mapping"]
    schemas = spec["components"]["schemas"]
    article = copy.deepcopy(schemas["QuizUpdateStudentQuestionResponseResult"])
    article["properties"]["lessonType"]["const"] = "alpha-read-article"
    schemas["ArticleUpdateStudentQuestionResponseResult"] = article
    ref = "#/components/schemas/ArticleUpdateStudentQuestionResponseResult"
    mapping["alpha-read-article"] = ref
    answer["content"]["application/json"]["schema"]["anyOf"].append({"$ref": ref})
    # MISSING_404
    for method, path in MISSING_404:
        paths[path][method]["responses"].setdefault(
            "404", {"description": "Not found", "content": {"application/json": {"schema": {}}}}
        )
    return spec


def operations() -> list[tuple[str, str]]:
    return [
        (method, path)
        for path, ops in _raw_spec()["paths"].items()
        for method in ops
        if method in METHODS
    ]


def _shape(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", path).rstrip("/")


def _served(sim: PowerPathSimulator, method: str, path: str) -> bool:
    wanted = _shape(path)
    return any(
        isinstance(route, Route)
        and _shape(route.path) == wanted
        and method.upper() in (route.methods or ())
        for route in sim.routes()
    )


def _sim() -> PowerPathSimulator:
    sim = PowerPathSimulator(seed=11, users=30, classes=6)
    sim.tokens.issue("sandbox-client", value=TOKEN, ttl=10**9)
    return sim


SIM = _sim()
SERVED = [(m, p) for m, p in operations() if _served(SIM, m, p)]
schema = schemathesis.openapi.from_dict(patched_spec())
schema.app = SIM.app
schema.config.generation.update(modes=[GenerationMode.POSITIVE])


def _seeded() -> dict[str, Any]:
    """Ids from the seeded roster: a student, their first course, a lesson of each type."""
    roster = SIM.roster
    student = next(
        u["sourcedId"]
        for u in roster.state.users.all()
        if u["roles"][0]["role"] == "student" and roster.courses_of(u["sourcedId"])
    )
    course = roster.courses_of(student)[0]
    lessons = {lesson_type(lesson): lesson["sourcedId"] for lesson in roster.course_lessons(course)}
    return {"student": student, "course": course, "lessons": lessons}


SEEDED = _seeded()


def _swap_ids(case: Any) -> None:
    """Seeded ids for the ids a generated request names (the rest stays generated)."""
    student, course = SEEDED["student"], SEEDED["course"]
    lesson = SEEDED["lessons"][LESSON_FOR.get(case.operation.path, "quiz")]
    by_name = {
        "student": student, "studentId": student, "userId": student, "courseId": course,
        "course": course, "courseSourcedId": course, "lesson": lesson,
        "componentResourceId": SEEDED["lessons"]["quiz"],
    }  # fmt: skip
    for part in (case.path_parameters, case.query):
        if part:
            for name in list(part):
                if name in by_name:
                    part[name] = by_name[name]
    if isinstance(case.body, dict):
        for name in list(case.body):
            if name in by_name and isinstance(case.body[name], str):
                case.body[name] = by_name[name]


def test_the_simulator_serves_every_operation_of_the_spec() -> None:
    total = len(operations())
    print(f"\nPowerPath conformance: {len(SERVED)} of {total} spec operations served")
    missing = sorted((p, m) for m, p in operations() if (m, p) not in SERVED)
    assert missing == []
    assert len(SERVED) == total == EXPECTED_OPERATIONS


@schema.parametrize()  # type: ignore[untyped-decorator]
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_responses_conform_to_the_powerpath_spec(case: Any) -> None:
    _swap_ids(case)
    response = case.call(headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code < 500, response.text
    case.validate_response(response, checks=CHECKS)


def conforms(method: str, path: str, response: httpx.Response) -> None:
    operation = schema[path][method]
    assert str(response.status_code) in operation.definition.raw["responses"], response.text
    operation.validate_response(response)


async def test_the_learner_flow_conforms() -> None:
    sim = _sim()
    bank = sim.bank
    student = SEEDED["student"]
    async with httpx.AsyncClient(
        transport=SimulatorTransport(sim.app),
        base_url="http://powerpath.timeback.sim",
        headers={"Authorization": f"Bearer {TOKEN}"},
    ) as http:
        for kind in ("powerpath-100", "quiz", "alpha-read-article"):
            params = {"student": student, "lesson": SEEDED["lessons"][kind]}
            progress = await http.get("/powerpath/getAssessmentProgress", params=params)
            conforms("GET", "/powerpath/getAssessmentProgress", progress)
            created = await http.post("/powerpath/createNewAttempt", json=params)
            conforms("POST", "/powerpath/createNewAttempt", created)
            if kind == "quiz":
                questions = progress.json()["questions"]
            else:
                served = await http.get("/powerpath/getNextQuestion", params=params)
                conforms("GET", "/powerpath/getNextQuestion", served)
                questions = [served.json()["question"]]
            question = bank.question(questions[0]["id"])
            assert question is not None
            answered = await http.put(
                "/powerpath/updateStudentQuestionResponse",
                json={**params, "question": question.id, "responses": dict(question.correct)},
            )
            conforms("PUT", "/powerpath/updateStudentQuestionResponse", answered)
            again = await http.get("/powerpath/getAssessmentProgress", params=params)
            conforms("GET", "/powerpath/getAssessmentProgress", again)
            if kind == "quiz":
                final = await http.post("/powerpath/finalStudentAssessmentResponse", json=params)
                conforms("POST", "/powerpath/finalStudentAssessmentResponse", final)
            attempts = await http.get("/powerpath/getAttempts", params=params)
            conforms("GET", "/powerpath/getAttempts", attempts)
            reset = await http.post("/powerpath/resetAttempt", json=params)
            conforms("POST", "/powerpath/resetAttempt", reset)
        course = SEEDED["course"]
        progress_path = "/powerpath/lessonPlans/getCourseProgress/{courseId}/student/{studentId}"
        course_progress = await http.get(
            f"/powerpath/lessonPlans/getCourseProgress/{course}/student/{student}"
        )
        conforms("GET", progress_path, course_progress)
        assert any(item["results"] for item in course_progress.json()["lineItems"])
