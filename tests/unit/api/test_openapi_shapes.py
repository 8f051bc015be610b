"""The API's one shape (docs/api.md), checked on the OpenAPI document itself: no 2xx answer is a
bare array, every BFF-native list answers the ``{"items", "total"}`` envelope with the paging
headers, creates answer 201 with a body, and no query parameter carries a pattern too long to read.
"""

from __future__ import annotations

from typing import Any

import pytest

from api.app import create_app
from api.settings import Settings

#: the routes that keep OneRoster's own shapes (``{"users": [...]}``, ``{"user": {...}}``)
ONEROSTER_TAGS = frozenset({"roster", "gradebook", "resources"})
#: the routes that keep QTI 3's own field names (camelCase, docs/api.md), in BFF-native envelopes
QTI_TAGS = frozenset({"assessments"})
#: BFF-native answers that hold an array but are one report, not a page of a collection
REPORTS = {
    "ReadinessOut": "one report: the components checked",
    "ChangeFeed": "a cursor feed: `next_cursor`, not offsets",
    "ProjectSearchOut": "best matches across integrations, with the ones that failed",
    "TimesheetExport": "the whole period with its totals, not paged",
    "QuestionsOut": "one test's questions with where each sits, as QTI answers them, not paged",
}
ENVELOPE = {"items", "total"}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return create_app(Settings(_env_file=None)).openapi()


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, op)
        for path, item in document["paths"].items()
        for method, op in item.items()
    ]


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _name(schema: dict[str, Any]) -> str:
    return str(schema.get("$ref", "")).rsplit("/", 1)[-1]


def _json_schemas(op: dict[str, Any]) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(status, response, JSON schema) of each 2xx JSON answer."""
    found = []
    for status, response in op["responses"].items():
        if not status.startswith("2"):
            continue
        for media, content in (response.get("content") or {}).items():
            if media.endswith("json") and "schema" in content:
                found.append((status, response, content["schema"]))
    return found


def _members(schema: dict[str, Any]) -> list[dict[str, Any]]:
    return schema.get("anyOf") or schema.get("oneOf") or [schema]


def test_no_success_answer_is_a_bare_array(document: dict[str, Any]) -> None:
    bare = [
        f"{method} {path} {status}"
        for method, path, op in _operations(document)
        for status, _, schema in _json_schemas(op)
        for member in _members(schema)
        if _resolve(document, member).get("type") == "array"
    ]
    assert bare == []


def test_bff_native_lists_answer_the_envelope_with_paging_headers(
    document: dict[str, Any],
) -> None:
    wrong = []
    lists = 0
    for method, path, op in _operations(document):
        # a list is what a GET of a collection answers (a one-record path ends in its id)
        if method != "GET" or path.endswith("}") or ONEROSTER_TAGS & set(op.get("tags", ())):
            continue
        for status, response, schema in _json_schemas(op):
            for member in _members(schema):
                resolved = _resolve(document, member)
                properties = resolved.get("properties", {})
                arrays = {
                    k for k, v in properties.items() if _resolve(document, v).get("type") == "array"
                }
                if not arrays or _name(member) in REPORTS:
                    continue
                lists += 1
                where = f"{method} {path} {status} {_name(member) or resolved.get('title')}"
                if set(properties) != ENVELOPE or set(resolved.get("required", ())) != ENVELOPE:
                    wrong.append(f"{where}: properties {sorted(properties)}")
                elif properties["total"].get("type") != "integer":
                    wrong.append(f"{where}: total is not an integer")
                headers = set(response.get("headers", {}))
                if not {"X-Total-Count", "Link"} <= headers:
                    wrong.append(f"{where}: headers {sorted(headers)}")
                names = {p["name"] for p in op.get("parameters", ()) if p["in"] == "query"}
                if not {"limit", "offset"} <= names:
                    wrong.append(f"{where}: no limit/offset")
    assert wrong == []
    assert lists >= 9  # accounts, audit, sync runs, time logs, tokens, integrations, kinds, ...


def test_creates_answer_201_with_the_created_resource(document: dict[str, Any]) -> None:
    """A POST that makes a resource answers 201 with its representation, not an id alone."""
    wrong = []
    for method, path, op in _operations(document):
        if method != "POST" or "201" not in op["responses"]:
            continue
        schemas = _json_schemas(op)
        if not schemas:
            wrong.append(f"{method} {path}: no body")
            continue
        for _, _, schema in schemas:
            properties = _resolve(document, schema).get("properties")
            if properties is not None and set(properties) <= {"sourcedId", "id"}:
                wrong.append(f"{method} {path}: only {sorted(properties)}")
    assert wrong == []


def test_query_parameters_carry_no_long_patterns(document: dict[str, Any]) -> None:
    """Swagger UI prints a parameter's pattern in its panel; a long one overflows it, so the rule
    is said in the description instead."""
    long = [
        f"{method} {path} {p['name']}"
        for method, path, op in _operations(document)
        for p in op.get("parameters", ())
        for schema in _members(p.get("schema", {}))
        if len(schema.get("pattern", "")) > 80
    ]
    assert long == []


def test_no_schema_restates_its_properties_in_a_combinator(document: dict[str, Any]) -> None:
    """ReDoc merges an ``anyOf``/``then`` branch into its schema; a branch that gives a property a
    type again (``string`` over the property's ``string | null``) is "Incompatible types in allOf",
    a warning per combination. Branches state ``required`` only."""
    restated = [
        f"{name}.{keyword}: {sorted(set(branch['properties']) & set(schema['properties']))}"
        for name, schema in document["components"]["schemas"].items()
        if "properties" in schema
        for keyword in ("anyOf", "oneOf", "allOf")
        for branch in schema.get(keyword) or []
        if isinstance(branch, dict)
        and set(branch.get("properties", {})) & set(schema["properties"])
    ]
    restated += [
        f"{name}.{keyword}: {sorted(set(branch['properties']) & set(schema['properties']))}"
        for name, schema in document["components"]["schemas"].items()
        if "properties" in schema
        for keyword in ("then", "else")
        if isinstance(branch := schema.get(keyword), dict)
        and set(branch.get("properties", {})) & set(schema["properties"])
    ]
    assert restated == []


def _reachable(document: dict[str, Any], value: Any, found: set[str]) -> set[str]:
    """The component schemas ``value`` refers to, directly or through others."""
    if isinstance(value, dict):
        if "$ref" in value:
            name = str(value["$ref"]).rsplit("/", 1)[-1]
            if name not in found:
                found.add(name)
                _reachable(document, document["components"]["schemas"][name], found)
        for item in value.values():
            _reachable(document, item, found)
    elif isinstance(value, list):
        for item in value:
            _reachable(document, item, found)
    return found


def test_field_case_is_one_per_family(document: dict[str, Any]) -> None:
    """snake_case in BFF-native bodies, OneRoster's and QTI's camelCase in theirs."""
    native: set[str] = set()
    oneroster: set[str] = set()
    for _, _, op in _operations(document):
        camel = (ONEROSTER_TAGS | QTI_TAGS) & set(op.get("tags", ()))
        family = oneroster if camel else native
        _reachable(document, op, family)
    schemas = document["components"]["schemas"]
    wrong = [
        f"{name}.{field}"
        for name in sorted(native)
        for field in schemas[name].get("properties", {})
        if any(c.isupper() for c in field)
    ] + [
        f"{name}.{field}"
        for name in sorted(oneroster - native)
        for field in schemas[name].get("properties", {})
        if "_" in field
    ]
    assert wrong == []
