"""The Caliper validator against the examples of TimeBack's own Caliper OpenAPI files
(``../shared/fixtures/timeback-openapi/{caliper,timeback-events}-api.yaml``): the request
bodies, the whole-object schema examples and the property examples. Where TimeBack's example
breaks a Caliper 1.2 rule, it is an xfail naming that rule (the validator keeps Caliper's)."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml

from domain.caliper.checker import Checker
from domain.caliper.rules import TABLES
from domain.caliper.validation import validate_entity, validate_envelope, validate_event
from tests.support.shared import shared

SPECS = shared("fixtures", "timeback-openapi")
FILES = ("timeback-events-api.yaml", "caliper-api.yaml")
SEND, VALIDATE = "/caliper/event", "/caliper/event/validate"

pytestmark = pytest.mark.skipif(not SPECS.is_dir(), reason=f"{SPECS} is absent")

_CUSTOM_METRICS = (
    "Caliper 1.2 limits AggregateMeasure.metric to its Metric vocabulary; this example's "
    "'Facts Learnt', 'Facts Practiced', 'Facts Assessed' are not in it (the spec fixture "
    "caliperEntityAggregateMeasure-MalformedMetricUnknownValue must be refused for the same)"
)
DEFECTS = {
    "caliper-api.yaml request example4": _CUSTOM_METRICS,
    "caliper-api.yaml Assessment.items": "an AssessmentItem id '123': Caliper ids are absolute IRIs",
    "caliper-api.yaml Session.duration": "3600 (a number): Caliper's duration is an ISO 8601 duration",
    "caliper-api.yaml LtiSession.duration": "3600 (a number): Caliper's duration is an ISO 8601 duration",
    "caliper-api.yaml SearchResponse.query": (
        "a question in plain words: Caliper's SearchResponse.query is a Query entity or its IRI"
    ),
}


def _load(name: str) -> dict[str, Any]:
    path = SPECS / name
    if not path.exists():
        return {}
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with path.open("rb") as stream:
        document: dict[str, Any] = yaml.load(stream, Loader=loader)  # noqa: S506 - a safe loader
    return document


SPEC_DOCUMENTS = {name: _load(name) for name in FILES}


def _request_examples(spec: dict[str, Any], path: str) -> dict[str, Any]:
    body = spec["paths"][path]["post"]["requestBody"]["content"]["application/json"]
    return {name: example["value"] for name, example in body["examples"].items()}


def _param(key: str, *values: object) -> object:
    marks = [pytest.mark.xfail(reason=DEFECTS[key], strict=True)] if key in DEFECTS else []
    return pytest.param(*values, id=key, marks=marks)


def _requests() -> list[object]:
    return [
        _param(f"{name} request {example}", body)
        for name, spec in SPEC_DOCUMENTS.items()
        if spec
        for example, body in _request_examples(spec, SEND).items()
    ]


def _schema_examples() -> list[object]:
    return [
        _param(f"{name} {schema}", body["example"])
        for name, spec in SPEC_DOCUMENTS.items()
        if spec
        for schema, body in spec["components"]["schemas"].items()
        if isinstance(body.get("example"), dict) and "type" in body["example"]
    ]


def _property_examples() -> list[object]:
    """Examples of the properties the rule tables know (the same type, the same property); the
    two files repeat the shared schemas, which run once."""
    params, seen = [], set()
    for name, spec in SPEC_DOCUMENTS.items():
        for schema, body in (spec.get("components", {}).get("schemas", {})).items():
            rule = TABLES.events.get(schema) or TABLES.entities.get(schema)
            for prop, prop_schema in (body.get("properties") or {}).items():
                if rule is None or prop not in rule.properties or "example" not in prop_schema:
                    continue
                key = json.dumps([schema, prop, prop_schema["example"]], sort_keys=True)
                if key in seen:
                    continue
                seen.add(key)
                params.append(
                    _param(f"{name} {schema}.{prop}", schema, prop, prop_schema["example"])
                )
    return params


def test_validate_takes_the_same_examples_as_send() -> None:
    for spec in SPEC_DOCUMENTS.values():
        if spec:
            assert _request_examples(spec, VALIDATE) == _request_examples(spec, SEND)


@pytest.mark.parametrize("envelope", _requests())
def test_request_example_is_accepted(envelope: object) -> None:
    assert validate_envelope(envelope) == []


@pytest.mark.parametrize("document", _schema_examples())
def test_schema_example_is_accepted(document: dict[str, Any]) -> None:
    if document["type"] in TABLES.events:
        assert validate_event(document) == []
    else:
        assert validate_entity(document) == []


@pytest.mark.parametrize(("schema", "prop", "example"), _property_examples())
def test_property_example_is_accepted(schema: str, prop: str, example: object) -> None:
    rule = TABLES.events.get(schema) or TABLES.entities[schema]
    checker = Checker()
    checker.value(example, rule.properties[prop], f"$.{prop}")
    assert checker.problems == []


def test_every_timeback_profile_example_is_covered() -> None:
    """The TimeBack profile's examples (both event types, every metric kind) are all here."""
    events = _request_examples(SPEC_DOCUMENTS["timeback-events-api.yaml"], SEND).values()
    data = [event for envelope in events for event in envelope["data"]]
    assert {e["type"] for e in data} == {"ActivityEvent", "TimeSpentEvent"}
    kinds = {item["type"] for e in data for item in e["generated"]["items"]}
    assert kinds == TABLES.enums["timebackActivityMetric"] | {"active", "inactive", "waste"}
