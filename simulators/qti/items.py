"""``/assessment-items``: list (``filter`` e.g. ``type='choice'``), create from XML or JSON (409 on
a duplicate identifier), get, replace, delete (204), ``/metadata`` (create or update from JSON,
201) and ``/{identifier}/process-response`` (score with the item's response processing).

process-response takes ``{"identifier", "response": "B" | ["A", "C"]}``, bound to the item's one
response declaration (an object by response identifier binds several). It answers
``{"score", "feedback": {"identifier", "value"}, "status"}``: the modal feedback the outcomes show,
else the FEEDBACK outcome's identifier, else ``correct`` / ``incorrect``; extended text answers ``status: "pending"``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from simulators.qti.ingest import item_from_body
from simulators.qti.listing import page_of
from simulators.qti.model import ParsedItem
from simulators.qti.scoring import Response as Answer
from simulators.qti.scoring import Result, ScoringError, process
from simulators.qti.wire import error, json_object

if TYPE_CHECKING:
    from simulators.qti.app import QtiSimulator

BASE = "/assessment-items"
SORTS = ("title", "identifier", "type", "createdAt", "updatedAt")
PENDING_TEXT = "This response is scored by a person (or TimeBack's grader), not automatically."


def item_routes(sim: QtiSimulator) -> list[BaseRoute]:
    items = _Items(sim)
    g = sim.guarded
    return [
        Route(BASE, g(items.list), methods=["GET"]),
        Route(BASE, g(items.create), methods=["POST"]),
        Route(f"{BASE}/metadata", g(items.upsert_metadata), methods=["POST"]),
        Route(f"{BASE}/{{identifier}}", g(items.get), methods=["GET"]),
        Route(f"{BASE}/{{identifier}}", g(items.replace), methods=["PUT"]),
        Route(f"{BASE}/{{identifier}}", g(items.delete), methods=["DELETE"]),
        Route(f"{BASE}/{{identifier}}/process-response", g(items.score), methods=["POST"]),
    ]


class _Items:
    def __init__(self, sim: QtiSimulator) -> None:
        self.sim = sim

    async def list(self, request: Request) -> Response:
        rows = self.sim.state.items.values()
        return JSONResponse(page_of(rows, request.query_params, sorts=SORTS))

    async def create(self, request: Request) -> Response:
        body = await json_object(request)
        now = self.sim.now()
        record, parsed = item_from_body(body, created=now, updated=now)
        if record["identifier"] in self.sim.state.items:
            return error(
                409, f"Assessment item with identifier {record['identifier']} already exists"
            )
        self.sim.state.put_item(record, parsed)
        return JSONResponse(record, status_code=201)

    async def upsert_metadata(self, request: Request) -> Response:
        body = await json_object(request)
        now = self.sim.now()
        existing = self.sim.state.items.get(str(body.get("identifier")))
        record, parsed = item_from_body(
            body, created=existing["createdAt"] if existing else now, updated=now
        )
        if existing is not None:
            record["__v"] = existing.get("__v", 0) + 1
        self.sim.state.put_item(record, parsed)
        return JSONResponse(record, status_code=201)

    async def get(self, request: Request) -> Response:
        record = self.sim.state.items.get(request.path_params["identifier"])
        if record is None:
            return error(404, "Assessment item not found")
        return JSONResponse(record)

    async def replace(self, request: Request) -> Response:
        identifier = request.path_params["identifier"]
        existing = self.sim.state.items.get(identifier)
        if existing is None:
            return error(404, "Assessment item not found")
        body = await json_object(request)
        record, parsed = item_from_body(
            body, created=existing["createdAt"], updated=self.sim.now(), identifier=identifier
        )
        if "metadata" not in body:
            record["metadata"] = existing.get("metadata", {})
        record["__v"] = existing.get("__v", 0) + 1
        self.sim.state.put_item(record, parsed)
        return JSONResponse(record)

    async def delete(self, request: Request) -> Response:
        identifier = request.path_params["identifier"]
        if identifier not in self.sim.state.items:
            return error(404, "Assessment item not found")
        self.sim.state.drop_item(identifier)
        return Response(status_code=204)

    async def score(self, request: Request) -> Response:
        parsed = self.sim.state.parsed.get(request.path_params["identifier"])
        if parsed is None:
            return error(404, "Assessment item not found")
        body = await json_object(request)
        try:
            responses = bind_responses(parsed, body.get("response"))
            result = process(parsed, responses)
        except ScoringError as exc:
            return error(400, "Invalid response", str(exc))
        return JSONResponse(result_json(result))


def bind_responses(item: ParsedItem, response: Any) -> Mapping[str, Answer]:
    """The body's ``response`` by response identifier."""
    if isinstance(response, dict):
        unknown = set(response) - {r.identifier for r in item.responses}
        if unknown:
            raise ScoringError(f"no response declaration {sorted(unknown)[0]}")
        return {k: _answer(v) for k, v in response.items()}
    if not item.responses:
        raise ScoringError("the item declares no response")
    if len(item.responses) > 1:
        raise ScoringError("the item has several responses: send an object by response identifier")
    return {item.responses[0].identifier: _answer(response)}


def _answer(value: Any) -> Answer:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    raise ScoringError("response must be a string or an array of strings")


def result_json(result: Result) -> dict[str, Any]:
    if result.status == "pending":
        feedback = {"identifier": "PENDING", "value": PENDING_TEXT}
    elif result.feedback is not None:
        feedback = {"identifier": result.feedback.identifier, "value": result.feedback.content}
    elif result.outcomes.get("FEEDBACK"):  # set by the rules, with no modal feedback to show
        text = "Correct" if result.correct else "Incorrect"
        feedback = {"identifier": result.outcomes["FEEDBACK"][0], "value": text}
    elif result.correct:
        feedback = {"identifier": "correct", "value": "Correct"}
    else:
        feedback = {"identifier": "incorrect", "value": "Incorrect"}
    return {"score": result.score, "feedback": feedback, "status": result.status}
