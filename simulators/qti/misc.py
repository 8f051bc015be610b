"""Stimuli (``/stimuli``: list, create with 409, get, replace, delete 204), question and lesson
feedback (``POST /question``, ``POST /lesson``, ``GET /lesson/{lessonId}`` answering the lesson's
latest feedback as one object, as ``timeback-qti`` parses it, and ``DELETE /{id}``), and
``/validate`` / ``/validate/batch`` (the structural check of :mod:`.validate`; ``success`` is the
string the spec names)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from simulators.qti.ingest import Rejected, stimulus_from_body
from simulators.qti.listing import page_of
from simulators.qti.validate import ROOTS, validate
from simulators.qti.wire import error, json_object

if TYPE_CHECKING:
    from simulators.qti.app import QtiSimulator

JsonObject = dict[str, Any]
STIMULI = "/stimuli"
SORTS = ("title", "identifier", "createdAt", "updatedAt")


def misc_routes(sim: QtiSimulator) -> list[BaseRoute]:
    m = _Misc(sim)
    g = sim.guarded
    return [
        Route(STIMULI, g(m.list_stimuli), methods=["GET"]),
        Route(STIMULI, g(m.create_stimulus), methods=["POST"]),
        Route(f"{STIMULI}/{{identifier}}", g(m.get_stimulus), methods=["GET"]),
        Route(f"{STIMULI}/{{identifier}}", g(m.replace_stimulus), methods=["PUT"]),
        Route(f"{STIMULI}/{{identifier}}", g(m.delete_stimulus), methods=["DELETE"]),
        Route("/question", g(m.feedback("QUESTION")), methods=["POST"]),
        Route("/lesson", g(m.feedback("LESSON")), methods=["POST"]),
        Route("/lesson/{lesson}", g(m.lesson_feedback), methods=["GET"]),
        Route("/validate", g(m.validate), methods=["POST"]),
        Route("/validate/batch", g(m.validate_batch), methods=["POST"]),
        Route("/{id}", g(m.delete_feedback), methods=["DELETE"]),
    ]


class _Misc:
    def __init__(self, sim: QtiSimulator) -> None:
        self.sim = sim

    # -- stimuli -------------------------------------------------------------------------------

    async def list_stimuli(self, request: Request) -> Response:
        rows = self.sim.state.stimuli.values()
        return JSONResponse(page_of(rows, request.query_params, sorts=SORTS, filtered=False))

    async def create_stimulus(self, request: Request) -> Response:
        now = self.sim.now()
        record = stimulus_from_body(await json_object(request), created=now, updated=now)
        if record["identifier"] in self.sim.state.stimuli:
            return error(409, f"Stimulus with identifier {record['identifier']} already exists")
        self.sim.state.stimuli[record["identifier"]] = record
        return JSONResponse(record, status_code=201)

    async def get_stimulus(self, request: Request) -> Response:
        record = self.sim.state.stimuli.get(request.path_params["identifier"])
        return JSONResponse(record) if record else error(404, "Stimulus not found")

    async def replace_stimulus(self, request: Request) -> Response:
        identifier = request.path_params["identifier"]
        existing = self.sim.state.stimuli.get(identifier)
        if existing is None:
            return error(404, "Stimulus not found")
        body = await json_object(request)
        record = stimulus_from_body(
            body, created=existing["createdAt"], updated=self.sim.now(), identifier=identifier
        )
        record["__v"] = existing.get("__v", 0) + 1
        self.sim.state.stimuli[identifier] = record
        return JSONResponse(record)

    async def delete_stimulus(self, request: Request) -> Response:
        if self.sim.state.stimuli.pop(request.path_params["identifier"], None) is None:
            return error(404, "Stimulus not found")
        return Response(status_code=204)

    # -- feedback ------------------------------------------------------------------------------

    def feedback(self, kind: str) -> Any:
        async def create(request: Request) -> Response:
            body = await json_object(request)
            issues = [
                {"field": name, "message": f"{name} is required", "code": "invalid_type"}
                for name in ("userId", "feedback", "lessonId")
                if not isinstance(body.get(name), str) or not body[name].strip()
            ]
            approved = body.get("humanApproved")
            if approved is not None and not isinstance(approved, bool):
                issues.append(
                    {
                        "field": "humanApproved",
                        "message": "humanApproved must be a boolean",
                        "code": "invalid_type",
                    }
                )
            question = body.get("questionId")
            if question is not None and not isinstance(question, str):
                issues.append(
                    {
                        "field": "questionId",
                        "message": "questionId must be a string",
                        "code": "invalid_type",
                    }
                )
            if issues:
                return JSONResponse(
                    {
                        "error": "Validation error",
                        "code": "VALIDATION_ERROR",
                        "details": issues[0]["message"],
                        "meta": {"issues": issues},
                    },
                    status_code=400,
                )
            record = {
                "id": str(uuid.uuid4()),
                **({"questionId": question} if question is not None else {}),
                "userId": body["userId"],
                "feedback": body["feedback"],
                "type": kind,
                "lessonId": body["lessonId"],
                "humanApproved": bool(approved),
                "createdAt": self.sim.now(),
            }
            self.sim.state.feedback[record["id"]] = record
            return JSONResponse(record, status_code=201)

        return create

    async def lesson_feedback(self, request: Request) -> Response:
        lesson = request.path_params["lesson"]
        found = [f for f in self.sim.state.feedback.values() if f["lessonId"] == lesson]
        if not found:
            return error(404, "Feedback not found", f"no feedback for lesson {lesson}")
        return JSONResponse(found[-1])

    async def delete_feedback(self, request: Request) -> Response:
        if self.sim.state.feedback.pop(request.path_params["id"], None) is None:
            return error(404, "Feedback not found")
        return JSONResponse({"message": "Feedback deleted successfully"})

    # -- validation ----------------------------------------------------------------------------

    async def validate(self, request: Request) -> Response:
        body = await json_object(request)
        schema = _schema(body)
        xml, entity = body.get("xml"), body.get("entityId")
        if xml is None:
            if not isinstance(entity, str):
                return JSONResponse(
                    {
                        "success": "false",
                        "entityId": "",
                        "xmlContent": "",
                        "validationErrors": ["xml or entityId is required"],
                        "message": "Nothing to validate",
                    }
                )
            stored = self._entity_xml(schema, entity)
            if stored is None:
                return JSONResponse(
                    {
                        "success": False,
                        "entityId": entity,
                        "error": "Entity not found",
                        "message": f"No {schema} {entity}",
                    },
                    status_code=404,
                )
            xml = stored
        if not isinstance(xml, str):
            raise Rejected("Validation error", ["xml must be a string"])
        return JSONResponse(_result(schema, xml, entity if isinstance(entity, str) else ""))

    async def validate_batch(self, request: Request) -> Response:
        body = await json_object(request)
        schema = _schema(body)
        documents, entities = body.get("xml"), body.get("entityIds")
        if not isinstance(documents, list) or not all(isinstance(d, str) for d in documents):
            raise Rejected("Validation error", ["xml must be an array of strings"])
        if not isinstance(entities, list) or not all(isinstance(e, str) for e in entities):
            raise Rejected("Validation error", ["entityIds must be an array of strings"])
        names = [*entities, *[""] * (len(documents) - len(entities))]
        return JSONResponse(
            {"results": [_result(schema, d, n) for d, n in zip(documents, names, strict=False)]}
        )

    def _entity_xml(self, schema: str, identifier: str) -> str | None:
        store = {
            "item": self.sim.state.items,
            "test": self.sim.state.tests,
            "stimulus": self.sim.state.stimuli,
        }[schema]
        record = store.get(identifier)
        return str(record["rawXml"]) if record else None


def _schema(body: JsonObject) -> str:
    schema = body.get("schema")
    if schema not in ROOTS:
        raise Rejected("Validation error", ["schema must be one of test, item, stimulus"])
    return str(schema)


def _result(schema: str, xml: str, entity: str) -> JsonObject:
    errors = validate(schema, xml)
    return {
        "success": "false" if errors else "true",
        "entityId": entity,
        "xmlContent": xml,
        "validationErrors": errors,
        "message": f"{len(errors)} validation error(s)" if errors else f"The {schema} XML is valid",
    }
