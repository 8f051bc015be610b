"""``/assessment-tests`` with their parts, sections and item references.

Tests: list (``filter``, ``navigationMode`` / ``submissionMode``), create from JSON or XML (409 on
a duplicate), get, replace, delete (204), ``/questions`` (every referenced item with where it is)
and ``/metadata``. Parts: list, create (409), get, replace, delete (204). Sections: list, create,
get, replace, delete (200 ``{"message"}``), numbered by ``sequence``. Section items: add (the item
must exist; ``href`` defaults to its URL; ``sequence`` places it), remove (204) and reorder (the
same references, by ``sequence`` or in the order given). Every change regenerates the test's
``rawXml`` and ``content``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from simulators.qti.build import part_element, serialize
from simulators.qti.content import document_json
from simulators.qti.ingest import (
    Rejected,
    assessment_test_from_body,
    check_part,
    check_ref,
    check_section,
    finish_test,
)
from simulators.qti.listing import page_of
from simulators.qti.wire import BadBody, error, json_body, json_object

if TYPE_CHECKING:
    from simulators.qti.app import QtiSimulator

JsonObject = dict[str, Any]
TESTS = "/assessment-tests"
TEST = f"{TESTS}/{{test}}"
PARTS = f"{TEST}/test-parts"
PART = f"{PARTS}/{{part}}"
SECTIONS = f"{PART}/sections"
SECTION = f"{SECTIONS}/{{section}}"
SORTS = ("title", "identifier", "createdAt", "updatedAt")


class Missing(LookupError):
    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


def structure_routes(sim: QtiSimulator) -> list[BaseRoute]:
    t = _Tests(sim)
    g = sim.guarded
    return [
        Route(TESTS, g(t.list), methods=["GET"]),
        Route(TESTS, g(t.create), methods=["POST"]),
        Route(TEST, g(t.found(t.get)), methods=["GET"]),
        Route(TEST, g(t.found(t.replace)), methods=["PUT"]),
        Route(TEST, g(t.found(t.delete)), methods=["DELETE"]),
        Route(f"{TEST}/questions", g(t.found(t.questions)), methods=["GET"]),
        Route(f"{TEST}/metadata", g(t.found(t.metadata)), methods=["PUT"]),
        Route(PARTS, g(t.found(t.list_parts)), methods=["GET"]),
        Route(PARTS, g(t.found(t.create_part)), methods=["POST"]),
        Route(PART, g(t.found(t.get_part)), methods=["GET"]),
        Route(PART, g(t.found(t.replace_part)), methods=["PUT"]),
        Route(PART, g(t.found(t.delete_part)), methods=["DELETE"]),
        Route(SECTIONS, g(t.found(t.list_sections)), methods=["GET"]),
        Route(SECTIONS, g(t.found(t.create_section)), methods=["POST"]),
        Route(SECTION, g(t.found(t.get_section)), methods=["GET"]),
        Route(SECTION, g(t.found(t.replace_section)), methods=["PUT"]),
        Route(SECTION, g(t.found(t.delete_section)), methods=["DELETE"]),
        Route(f"{SECTION}/items", g(t.found(t.add_item)), methods=["POST"]),
        # before ``/items/{item}``: "order" is no item identifier
        Route(f"{SECTION}/items/order", g(t.found(t.order_items)), methods=["PUT"]),
        Route(f"{SECTION}/items/{{item}}", g(t.found(t.remove_item)), methods=["DELETE"]),
    ]


class _Tests:
    def __init__(self, sim: QtiSimulator) -> None:
        self.sim = sim

    @property
    def tests(self) -> dict[str, JsonObject]:
        return self.sim.state.tests

    def found(self, view: Any) -> Any:
        async def endpoint(request: Request) -> Response:
            try:
                response: Response = await view(request)
            except Missing as exc:
                return error(404, f"{exc.what} not found")
            return response

        return endpoint

    # -- lookups -------------------------------------------------------------------------------

    def test(self, request: Request) -> JsonObject:
        test = self.tests.get(request.path_params["test"])
        if test is None:
            raise Missing("Assessment test")
        return test

    def part(self, request: Request) -> tuple[JsonObject, JsonObject]:
        test = self.test(request)
        wanted = request.path_params["part"]
        part = next((p for p in test["qti-test-part"] if p["identifier"] == wanted), None)
        if part is None:
            raise Missing("Test part")
        return test, part

    def section(self, request: Request) -> tuple[JsonObject, JsonObject, JsonObject]:
        test, part = self.part(request)
        wanted = request.path_params["section"]
        sections = part["qti-assessment-section"]
        section = next((s for s in sections if s["identifier"] == wanted), None)
        if section is None:
            raise Missing("Section")
        return test, part, section

    def save(self, test: JsonObject) -> None:
        finish_test(test, created=test["createdAt"], updated=self.sim.now())
        test["__v"] = test.get("__v", 0) + 1

    # -- tests ---------------------------------------------------------------------------------

    async def list(self, request: Request) -> Response:
        params = request.query_params
        rows = [
            t
            for t in self.tests.values()
            if all(
                any(p[key] == params[name] for p in t["qti-test-part"])
                for name, key in (
                    ("navigationMode", "navigationMode"),
                    ("submissionMode", "submissionMode"),
                )
                if params.get(name)
            )
        ]
        return JSONResponse(page_of(rows, params, sorts=SORTS))

    async def create(self, request: Request) -> Response:
        body = await _test_body(request)
        now = self.sim.now()
        test = assessment_test_from_body(body, created=now, updated=now)
        if test["identifier"] in self.tests:
            return error(
                409, f"Assessment test with identifier {test['identifier']} already exists"
            )
        self.tests[test["identifier"]] = test
        return JSONResponse(test, status_code=201)

    async def get(self, request: Request) -> Response:
        return JSONResponse(self.test(request))

    async def replace(self, request: Request) -> Response:
        existing = self.test(request)
        body = await _test_body(request)
        test = assessment_test_from_body(
            body,
            created=existing["createdAt"],
            updated=self.sim.now(),
            identifier=existing["identifier"],
        )
        test["__v"] = existing.get("__v", 0) + 1
        self.tests[test["identifier"]] = test
        return JSONResponse(test)

    async def delete(self, request: Request) -> Response:
        del self.tests[self.test(request)["identifier"]]
        return Response(status_code=204)

    async def questions(self, request: Request) -> Response:
        test = self.test(request)
        questions = [
            {
                "reference": {
                    "identifier": ref["identifier"],
                    "href": ref["href"],
                    "testPart": part["identifier"],
                    "section": section["identifier"],
                },
                "question": self.sim.state.items[ref["identifier"]],
            }
            for part in test["qti-test-part"]
            for section in part["qti-assessment-section"]
            for ref in section["qti-assessment-item-ref"]
            if ref["identifier"] in self.sim.state.items
        ]
        return JSONResponse(
            {
                "assessmentTest": test["identifier"],
                "title": test["title"],
                "totalQuestions": len(questions),
                "questions": questions,
            }
        )

    async def metadata(self, request: Request) -> Response:
        test = self.test(request)
        body = await json_object(request)
        metadata = body.get("metadata", {})
        if not isinstance(metadata, dict):
            raise Rejected("Validation error", ["metadata must be an object"])
        test["metadata"] = metadata
        self.save(test)
        return JSONResponse(test)

    # -- parts ---------------------------------------------------------------------------------

    async def list_parts(self, request: Request) -> Response:
        params = request.query_params
        parts = [
            p
            for p in self.test(request)["qti-test-part"]
            if (not params.get("navigationMode") or p["navigationMode"] == params["navigationMode"])
            and (
                not params.get("submissionMode") or p["submissionMode"] == params["submissionMode"]
            )
        ]
        return JSONResponse(page_of(parts, params, sorts=SORTS, natural="sequence", filtered=False))

    async def create_part(self, request: Request) -> Response:
        test = self.test(request)
        part = check_part(await json_object(request))
        if any(p["identifier"] == part["identifier"] for p in test["qti-test-part"]):
            return error(409, f"Test part {part['identifier']} already exists in the test")
        test["qti-test-part"].append(part)
        self.save(test)
        return JSONResponse(_part_json(part), status_code=201)

    async def get_part(self, request: Request) -> Response:
        return JSONResponse(self.part(request)[1])

    async def replace_part(self, request: Request) -> Response:
        test, part = self.part(request)
        new = check_part(await json_object(request))
        if new["identifier"] != part["identifier"] and any(
            p["identifier"] == new["identifier"] for p in test["qti-test-part"]
        ):
            raise Rejected("Validation error", [f"test part {new['identifier']} already exists"])
        test["qti-test-part"][test["qti-test-part"].index(part)] = new
        self.save(test)
        return JSONResponse(_part_json(new))

    async def delete_part(self, request: Request) -> Response:
        test, part = self.part(request)
        test["qti-test-part"].remove(part)
        self.save(test)
        return Response(status_code=204)

    # -- sections ------------------------------------------------------------------------------

    async def list_sections(self, request: Request) -> Response:
        sections = self.part(request)[1]["qti-assessment-section"]
        return JSONResponse(
            page_of(sections, request.query_params, sorts=SORTS, natural="sequence", filtered=False)
        )

    async def create_section(self, request: Request) -> Response:
        test, part = self.part(request)
        section = check_section(await json_object(request))
        sections = part["qti-assessment-section"]
        if any(s["identifier"] == section["identifier"] for s in sections):
            raise Rejected(
                "Validation error",
                [f"section {section['identifier']} already exists in the test part"],
            )
        _place(sections, section, section.get("sequence"))
        self.save(test)
        return JSONResponse(section, status_code=201)

    async def get_section(self, request: Request) -> Response:
        return JSONResponse(self.section(request)[2])

    async def replace_section(self, request: Request) -> Response:
        test, part, section = self.section(request)
        new = check_section(await json_object(request))
        sections = part["qti-assessment-section"]
        if new["identifier"] != section["identifier"] and any(
            s["identifier"] == new["identifier"] for s in sections
        ):
            raise Rejected("Validation error", [f"section {new['identifier']} already exists"])
        sections.remove(section)
        _place(sections, new, new.get("sequence") or section["sequence"])
        self.save(test)
        return JSONResponse(new)

    async def delete_section(self, request: Request) -> Response:
        test, part, section = self.section(request)
        part["qti-assessment-section"].remove(section)
        self.save(test)
        return JSONResponse({"message": "Section deleted successfully"})

    # -- item references -----------------------------------------------------------------------

    async def add_item(self, request: Request) -> Response:
        test, _, section = self.section(request)
        body = await json_object(request)
        ref = check_ref(body)
        if ref["identifier"] not in self.sim.state.items:
            raise Missing("Assessment item")
        if not body.get("href"):
            ref["href"] = f"{self.sim.public_url}/assessment-items/{ref['identifier']}"
        refs = section["qti-assessment-item-ref"]
        if any(r["identifier"] == ref["identifier"] for r in refs):
            raise Rejected(
                "Validation error", [f"item {ref['identifier']} is already in the section"]
            )
        _place(refs, ref, _sequence(body))
        self.save(test)
        return JSONResponse(section, status_code=201)

    async def remove_item(self, request: Request) -> Response:
        test, _, section = self.section(request)
        refs = section["qti-assessment-item-ref"]
        ref = next((r for r in refs if r["identifier"] == request.path_params["item"]), None)
        if ref is None:
            raise Missing("Assessment item reference")
        refs.remove(ref)
        self.save(test)
        return Response(status_code=204)

    async def order_items(self, request: Request) -> Response:
        test, _, section = self.section(request)
        body = await json_object(request)
        wanted = body.get("items")
        if not isinstance(wanted, list) or not wanted:
            raise Rejected("Validation error", ["items must be a non-empty array"])
        given = [(check_ref(w), _sequence(w)) for w in wanted]
        refs = {r["identifier"]: r for r in section["qti-assessment-item-ref"]}
        names = [g["identifier"] for g, _ in given]
        if sorted(names) != sorted(refs):
            raise Rejected("Validation error", ["items must list every item of the section once"])
        ordered = sorted(enumerate(given), key=lambda e: (e[1][1] or e[0] + 1, e[0]))
        section["qti-assessment-item-ref"] = [refs[g["identifier"]] for _, (g, _) in ordered]
        self.save(test)
        return JSONResponse(section)


def _sequence(body: JsonObject) -> int | None:
    value = body.get("sequence")
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise Rejected("Validation error", ["sequence must be a positive integer"])
    return value


def _place(rows: list[JsonObject], row: JsonObject, sequence: int | None) -> None:
    if sequence is None or sequence > len(rows):
        rows.append(row)
    else:
        rows.insert(sequence - 1, row)


def _part_json(part: JsonObject) -> JsonObject:
    root = part_element(None, part)
    return {
        **part,
        "rawXml": serialize(root),
        "content": {"qti-test-part": _without_namespace(document_json(root))},
    }


def _without_namespace(doc: JsonObject) -> JsonObject:
    inner: JsonObject = doc["qti-test-part"]
    attributes = {
        k: v for k, v in inner["_attributes"].items() if not k.startswith(("xmlns", "xsi:"))
    }
    return {**inner, "_attributes": attributes}


async def _test_body(request: Request) -> object:
    """JSON, or the XML itself when sent as ``application/xml``."""
    if "xml" in request.headers.get("content-type", ""):
        raw = await request.body()
        try:
            return raw.decode()
        except UnicodeDecodeError as exc:
            raise BadBody("the XML is not UTF-8") from exc
    return await json_body(request)
