"""Caliper validation, rule by rule: paths, rule ids, every problem in one answer."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.caliper.rules import TABLES, EnumSpec, ListSpec, RefSpec, ScalarSpec
from domain.caliper.validation import (
    CONTEXT,
    RULES,
    CaliperParseError,
    Problem,
    parse_json,
    validate_entity,
    validate_envelope,
    validate_event,
)
from domain.errors import InvalidInput
from tests.support.shared import shared

USER = "https://api.alpha-1edtech.ai/ims/oneroster/rostering/v1p2/users/u-1"


def activity_event(**changes: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "@context": CONTEXT,
        "id": "urn:uuid:c51570e4-f8ed-4c18-bb3a-dfe51b2cc594",
        "type": "ActivityEvent",
        "profile": "TimebackProfile",
        "action": "Completed",
        "eventTime": "2025-07-22T21:27:15.304Z",
        "actor": {"id": USER, "type": "TimebackUser", "email": "ada@example.edu"},
        "object": {
            "id": "https://app.example/ctx/1",
            "type": "TimebackActivityContext",
            "subject": "Math",
            "app": {"name": "My App"},
            "activity": {"name": "Quiz 1"},
        },
        "generated": {
            "id": "urn:uuid:6b1f0e0c-1a43-4a3c-9b5e-0c2f3d7b2a11",
            "type": "TimebackActivityMetricsCollection",
            "items": [{"type": "totalQuestions", "value": 10}, {"type": "xpEarned", "value": 100}],
        },
    }
    event.update(changes)
    return event


def time_spent_event(*items: dict[str, Any]) -> dict[str, Any]:
    return activity_event(
        type="TimeSpentEvent",
        action="SpentTime",
        generated={
            "id": "https://app.example/metrics/1",
            "type": "TimebackTimeSpentMetricsCollection",
            "items": list(items),
        },
    )


def view_event(**changes: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "@context": CONTEXT,
        "id": "urn:uuid:7d757c17-2f2f-4e39-9d50-fd83494f0001",
        "type": "ViewEvent",
        "profile": "ReadingProfile",
        "actor": "https://example.edu/users/554433",
        "action": "Viewed",
        "object": {"id": "https://example.edu/etexts/201.epub", "type": "Document"},
        "eventTime": "2016-11-15T10:15:00.000Z",
    }
    event.update(changes)
    return event


def envelope(*data: object, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "sensor": "https://app.example/sensors/1",
        "sendTime": "2025-07-22T21:27:16.000Z",
        "dataVersion": CONTEXT,
        "data": list(data),
    }
    body.update(changes)
    return body


def rules_at(problems: list[Problem]) -> list[tuple[str, str]]:
    return [(p.path, p.rule) for p in problems]


def test_a_timeback_activity_event_and_time_spent_event_are_accepted() -> None:
    spent = time_spent_event(
        {"type": "active", "value": 120.5},
        {"type": "waste", "value": 30, "subType": "eating", "startDate": "2025-07-22T21:00:00Z"},
        {"type": "anti-pattern", "value": 0, "endDate": "2025-07-22T21:05:00+02:00"},
    )
    assert validate_envelope(envelope(activity_event(), spent)) == []


def test_every_problem_comes_in_one_answer_with_its_path_and_rule() -> None:
    bad_view = view_event(action="Posted", eventTime="2016-11-15", actor=42)
    del bad_view["object"]
    problems = validate_envelope(
        envelope(
            activity_event(), bad_view, dataVersion="http://purl.imsglobal.org/ctx/caliper/v1p1"
        )
    )
    assert rules_at(problems) == [
        ("$.dataVersion", "data-version"),
        ("$.data[1].action", "action-not-allowed"),
        ("$.data[1].object", "required"),
        ("$.data[1].actor", "value-type"),
        ("$.data[1].eventTime", "datetime-format"),
    ]
    assert all(p.rule in RULES and p.message for p in problems)


def test_a_wrong_entity_type_is_named_at_its_type() -> None:
    event = activity_event(actor={"id": USER, "type": "SoftwareApplication"})
    assert rules_at(validate_event(event, path="$.data[0]")) == [
        ("$.data[0].actor.type", "type-not-allowed"),
    ]


def test_a_subtype_is_allowed_where_its_supertype_is() -> None:
    group = {"id": "https://example.edu/terms/1/courses/7/sections/1", "type": "CourseSection"}
    assert validate_event(view_event(group=group)) == []
    wrong = {"id": "https://example.edu/users/1", "type": "Person"}
    assert rules_at(validate_event(view_event(group=wrong))) == [
        ("$.group.type", "type-not-allowed")
    ]


def test_actions_are_limited_per_event_type_and_the_generic_event_takes_the_vocabulary() -> None:
    assert rules_at(validate_event(view_event(action="Completed"))) == [
        ("$.action", "action-not-allowed")
    ]
    generic = view_event(type="Event", action="Completed", profile="GeneralProfile")
    assert validate_event(generic) == []
    assert rules_at(validate_event(generic | {"action": "Teleported"})) == [
        ("$.action", "action-not-allowed")
    ]


def test_a_requirement_that_depends_on_the_action() -> None:
    launch = {
        "@context": CONTEXT,
        "id": "urn:uuid:a2f41f9c-d57d-4400-b3fe-716b9026334e",
        "type": "ToolLaunchEvent",
        "actor": "https://example.edu/users/1",
        "action": "Launched",
        "object": "https://tool.example.com",
        "eventTime": "2019-11-15T10:15:00.000Z",
    }
    assert rules_at(validate_event(launch)) == [("$.federatedSession", "required")]
    assert validate_event(launch | {"action": "Returned"}) == []


def test_the_timeback_profile_rules() -> None:
    unknown_metric = activity_event()
    unknown_metric["generated"]["items"].append({"type": "minutesSpent", "value": 3})
    assert rules_at(validate_event(unknown_metric)) == [("$.generated.items[2].type", "enum-value")]
    assert rules_at(validate_event(time_spent_event({"type": "active", "value": -5}))) == [
        ("$.generated.items[0].value", "number-range")
    ]
    assert rules_at(validate_event(activity_event(profile="GeneralProfile"))) == [
        ("$.profile", "profile-not-allowed")
    ]
    # TimeBack's profile embeds the user and the context: an IRI alone is not enough
    assert rules_at(validate_event(activity_event(actor=USER))) == [("$.actor", "value-type")]
    no_metrics = activity_event()
    del no_metrics["generated"], no_metrics["object"]["app"]
    assert rules_at(validate_event(no_metrics)) == [
        ("$.generated", "required"),
        ("$.object.app", "required"),
    ]


def test_a_time_spent_metric_on_an_activity_event_is_refused() -> None:
    event = activity_event()
    event["generated"]["items"] = [{"type": "active", "value": 5}]
    assert rules_at(validate_event(event)) == [("$.generated.items[0].type", "enum-value")]


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("2016-11-15T10:15:00.000Z", True),
        ("2016-11-15T10:15:00Z", True),
        ("2016-11-15T10:15:00.123456+05:30", True),
        ("2016-11-15T10:15:00", False),  # no zone
        ("2016-11-15", False),
        ("2016-02-30T10:15:00Z", False),
        ("2016-11-15T24:00:00Z", False),
        ("2016-11-15T10:15:00+25:00", False),
    ],
)
def test_date_times_need_a_zone_and_a_real_date(value: str, ok: bool) -> None:
    problems = validate_event(view_event(eventTime=value))
    assert rules_at(problems) == ([] if ok else [("$.eventTime", "datetime-format")])


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("PT50M30S", True),
        ("P1DT2H", True),
        ("PT0.5S", True),
        ("P3W", True),
        ("P", False),
        ("PT", False),
        ("50M", False),
        ("2016-09-02T11:30:00.000Z", False),
        ("P1H", False),  # hours belong after the T
    ],
)
def test_durations_are_iso_8601(value: str, ok: bool) -> None:
    attempt = {"id": "https://example.edu/attempts/1", "type": "Attempt", "duration": value}
    assert rules_at(validate_entity(attempt)) == ([] if ok else [("$.duration", "duration-format")])


def test_ids_event_ids_are_uuid_urns_entity_ids_are_iris() -> None:
    assert rules_at(validate_event(view_event(id="https://example.edu/events/1"))) == [
        ("$.id", "uuid-format")
    ]
    person = {"id": "not an iri", "type": "Person"}
    assert rules_at(validate_entity(person)) == [("$.id", "iri-format")]
    assert (
        validate_entity(
            {"id": "urn:uuid:" + "0" * 8 + "-0000-0000-0000-" + "0" * 12, "type": "Person"}
        )
        == []
    )
    assert validate_entity({"id": "_:b0", "type": "Person"}) == []


def test_numbers_and_booleans_where_the_spec_says() -> None:
    resource = {
        "id": "https://example.edu/assign/2",
        "type": "AssignableDigitalResource",
        "maxAttempts": 2.0,  # one JSON number: 2.0 is the integer 2
        "maxScore": 50,  # an integer is a decimal
    }
    assert validate_entity(resource) == []
    resource |= {"maxAttempts": True, "maxSubmits": -1, "maxScore": "50"}
    assert rules_at(validate_entity(resource)) == [
        ("$.maxAttempts", "value-type"),
        ("$.maxScore", "value-type"),
        ("$.maxSubmits", "number-range"),
    ]
    audio = {"id": "https://example.edu/audio/1", "type": "AudioObject", "muted": 0}
    assert rules_at(validate_entity(audio)) == [("$.muted", "value-type")]


def test_extensions_must_be_an_object_and_custom_properties_belong_in_them() -> None:
    assert validate_event(view_event(extensions={"edu_example_reading": 3})) == []
    assert rules_at(validate_event(view_event(extensions="https://x.example"))) == [
        ("$.extensions", "value-type")
    ]
    problems = validate_event(view_event(readingSpeed=3))
    assert rules_at(problems) == [("$.readingSpeed", "unknown-property")]
    assert "extensions" in problems[0].message


def test_the_context_is_caliper_1_2_alone_or_last_of_an_array() -> None:
    schema_org = "https://schema.org/docs/jsonldcontext.json"
    assert validate_event(view_event(**{"@context": [schema_org, CONTEXT]})) == []
    event = view_event()
    del event["@context"]  # TimeBack defaults it; an envelope's dataVersion names it
    assert validate_event(event) == []
    for context in ([CONTEXT, schema_org], "http://purl.imsglobal.org/ctx/caliper/v1p1", 7):
        assert rules_at(validate_event(view_event(**{"@context": context}))) == [
            ("$['@context']", "unknown-context")
        ]


def test_unknown_and_misplaced_types() -> None:
    assert rules_at(validate_event(view_event(type="ReadEvent"))) == [("$.type", "unknown-type")]
    assert rules_at(validate_event(view_event(type="Person"))) == [("$.type", "type-not-allowed")]
    nested = view_event(object={"id": "https://example.edu/x", "type": "Gizmo"})
    assert rules_at(validate_event(nested)) == [("$.object.type", "unknown-type")]


def test_envelope_shape() -> None:
    assert rules_at(validate_envelope([])) == [("$", "value-type")]
    assert rules_at(validate_envelope({})) == [
        ("$.sensor", "required"),
        ("$.sendTime", "required"),
        ("$.dataVersion", "required"),
        ("$.data", "required"),
    ]
    assert rules_at(validate_envelope(envelope(sensor="sensor one", extra=1))) == [
        ("$.sensor", "iri-format"),
        ("$.data", "min-items"),
        ("$.extra", "unknown-property"),
    ]


def test_an_envelope_may_carry_entities_besides_events() -> None:
    person = {"@context": CONTEXT, "id": "https://example.edu/users/1", "type": "Person"}
    assert validate_envelope(envelope(view_event(), person)) == []
    assert rules_at(validate_envelope(envelope(person | {"name": 5}))) == [
        ("$.data[0].name", "value-type")
    ]


def test_keys_that_are_not_plain_names_are_bracketed_in_paths() -> None:
    problems = validate_event(view_event(**{"it's": 1}))
    assert rules_at(problems) == [("$['it\\'s']", "unknown-property")]


def test_validation_leaves_the_document_unchanged() -> None:
    event = activity_event()
    before = copy.deepcopy(event)
    validate_event(event)
    assert event == before


def test_parse_json_refuses_what_is_not_json() -> None:
    assert parse_json(b'{"a": [1, 2.5]}') == {"a": [1, 2.5]}
    assert parse_json('{"a": "é"}') == {"a": "é"}
    for raw in (b"THIS IS NOT VALID JSON", b'{"a": NaN}', b'{"a": 1,}', b"\xff"):
        with pytest.raises(CaliperParseError) as raised:
            parse_json(raw)
        assert raised.value.problem.rule == "not-json"
        assert isinstance(raised.value, InvalidInput)  # a 4xx, never a 500, if uncaught


def test_the_rule_tables_hang_together() -> None:
    """Every type a property names exists, every action is in the vocabulary (TimeBack's
    SpentTime aside), the profiles name known event types, and the TimeBack event types require their profile and
    belong to it alone."""
    types = TABLES.entities.keys()
    for rule in [*TABLES.events.values(), *TABLES.entities.values()]:
        for spec in rule.properties.values():
            while isinstance(spec, ListSpec):
                spec = spec.item
            if isinstance(spec, RefSpec):
                assert set(spec.types) <= types, (rule.name, spec)
        if rule.actions is not None:
            assert rule.actions - {"SpentTime"} <= TABLES.enums["action"], rule.name
    assert TABLES.profiles.keys() == TABLES.enums["profile"]
    for events in TABLES.profiles.values():
        assert events <= TABLES.events.keys()
    for name in ("ActivityEvent", "TimeSpentEvent"):
        assert "profile" in TABLES.events[name].required
        assert [p for p, events in TABLES.profiles.items() if name in events] == ["TimebackProfile"]


CALIPER_CONTEXT = shared("fixtures", "caliper-spec-v1p2", "contexts", "v1p2", "caliper-v1p2.jsonld")
_XSD_KINDS = {
    "xsd:dateTime": {"datetime"},
    "xsd:duration": {"duration"},
    "xsd:boolean": {"boolean"},
    "xsd:string": {"string"},
    "xsd:decimal": {"decimal"},
    "xsd:integer": {"integer"},
    "xsd:nonNegativeInteger": {"nonNegativeInteger"},
    "xsd:long": {"integer"},
}
# Terms the tables take from the spec's text where the context lacks them (caliper_v1p2.json
# says why): the spec's spelling of two actions, an LIS role, two properties of its tables.
_ALIASES = {"DisabledClosedCaptioning", "EnabledClosedCaptioning", "Manager#Manager"}
_NOT_IN_CONTEXT = {"searchResults", "storageName"}


@pytest.mark.skipif(not CALIPER_CONTEXT.exists(), reason="the Caliper JSON-LD context is absent")
def test_the_tables_agree_with_the_caliper_json_ld_context() -> None:
    """The context is the spec's machine-readable term list: every Caliper type, property and
    vocabulary term of the tables is defined there, with the same value type."""
    context = json.loads(CALIPER_CONTEXT.read_text())["@context"]
    timeback = {n for n in [*TABLES.events, *TABLES.entities] if n.startswith("Timeback")}
    timeback |= {"ActivityEvent", "TimeSpentEvent"}
    for rule in [*TABLES.events.values(), *TABLES.entities.values()]:
        if rule.name in timeback:
            continue
        assert rule.name in context, rule.name
        for prop, spec in rule.properties.items():
            if prop in _NOT_IN_CONTEXT:
                continue
            assert prop in context, (rule.name, prop)
            coercion = context[prop].get("@type") if isinstance(context[prop], dict) else None
            if isinstance(spec, ScalarSpec) and coercion in _XSD_KINDS:
                assert spec.kind in _XSD_KINDS[coercion], (rule.name, prop, spec.kind, coercion)
            if isinstance(spec, ListSpec | RefSpec | EnumSpec) and coercion:
                assert coercion in ("@id", "@vocab"), (rule.name, prop, coercion)
    for enum in ("action", "metric", "role", "status", "identifierType"):
        assert TABLES.enums[enum] - _ALIASES <= context.keys(), enum


def test_nesting_deeper_than_any_caliper_document_is_refused_not_walked() -> None:
    resource: dict[str, Any] = {"id": "https://example.edu/r/0", "type": "Document"}
    for level in range(1, 2000):
        resource = {
            "id": f"https://example.edu/r/{level}",
            "type": "Document",
            "isPartOf": resource,
        }
    problems = validate_entity(resource)
    assert [p.rule for p in problems] == ["max-depth"]
    assert problems[0].path == "$" + ".isPartOf" * 32


# JSON values built from Caliper's own words, so the walk reaches deep into the tables
_WORDS = sorted(
    {*TABLES.events, *TABLES.entities, *TABLES.enums["action"], "@context", "id", "type", "action"}
    | {prop for rule in TABLES.entities.values() for prop in rule.properties}
    | {CONTEXT, "urn:uuid:c51570e4-f8ed-4c18-bb3a-dfe51b2cc594", "2016-11-15T10:15:00.000Z", "PT5M"}
)
_SCALARS = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8)
)
_JSON = st.recursive(
    _SCALARS | st.sampled_from(_WORDS),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(_WORDS) | st.text(max_size=6), inner, max_size=6)
    ),
    max_leaves=40,
)


@settings(max_examples=100, deadline=None)
@given(
    st.fixed_dictionaries(
        {"sensor": _JSON, "sendTime": _JSON, "dataVersion": st.just(CONTEXT)},
        optional={"data": st.lists(_JSON, max_size=4), "extra": _JSON},
    )
)
def test_any_json_gets_an_answer_made_of_known_rules(payload: dict[str, Any]) -> None:
    for problem in validate_envelope(payload):
        assert problem.rule in RULES
        assert problem.path.startswith("$")


def test_a_profile_describes_its_event_types() -> None:
    assert rules_at(validate_event(view_event(profile="SessionProfile"))) == [
        ("$.profile", "profile-not-allowed")
    ]
    for profile in ("GeneralProfile", "AssessmentProfile", "SurveyProfile"):
        assert validate_event(view_event(profile=profile)) == []
    assert validate_event(view_event(type="Event", profile="TimebackProfile")) == []


def test_an_unknown_profile_is_one_problem() -> None:
    assert rules_at(validate_event(activity_event(profile="MyProfile"))) == [
        ("$.profile", "enum-value")
    ]
