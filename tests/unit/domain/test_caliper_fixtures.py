"""The Caliper validator against 1EdTech's own fixtures (``../shared/fixtures/caliper-spec-v1p2``).

Every valid example must be accepted; every ``commonErrorFixtures`` example must be refused for
the reason its file name gives (rule and property), and for no other. A fixture that is itself
wrong is an xfail naming the defect, counted apart in ``test_fixture_figures``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from domain.caliper.validation import (
    CONTEXT,
    CaliperParseError,
    Problem,
    parse_json,
    validate_entity,
    validate_envelope,
    validate_event,
)
from tests.support.shared import shared

FIXTURES = shared("fixtures", "caliper-spec-v1p2", "fixtures", "v1p2")
ERRORS = FIXTURES / "commonErrorFixtures"

pytestmark = pytest.mark.skipif(not FIXTURES.is_dir(), reason=f"{FIXTURES} is absent")

#: Not an event document: the Sensor API's endpoint configuration (checked on its own below).
ENDPOINT_CONFIG = "caliperEndpointConfigPayload.json"

#: Valid examples the spec itself forbids.
VALID_DEFECTS = {
    "caliperEventMessagePostedInlineContext.json": (
        "spec defect: its @context is an inline object defining Caliper terms, which Caliper 1.2 "
        "(JSON-LD Context requirements) forbids: the remote v1p2 context MUST be referenced and "
        "its terms MUST NOT be defined inline"
    ),
}

#: Error examples that cannot be refused for the reason their name gives.
ERROR_DEFECTS = {
    "caliperEntitySurvey-MalformedItemsContainsWrongEntityType.json": (
        "fixture defect: the file is not JSON (a trailing comma after the Person's type), so it "
        "is refused as not-json and the wrong entity type it names is never reached"
    ),
    "caliperEntityAggregateMeasure-MalformedMaxMetricValueNotAnInt.json": (
        "fixture defect: it expects maxMetricValue 25 refused because it is not written 25.0, but "
        "JSON has one number type (25 and 25.0 are the same value; a JavaScript sensor cannot "
        "even write 25.0) and xsd:decimal includes the integers"
    ),
}

#: Files that are not JSON on purpose.
NOT_JSON = {"caliperEntity-BadJson.json"}

# A name's reason, as the rule ids that express it. "Wrong type" names cover a string that is
# not an IRI where an entity or its IRI belongs (iri-format) as well as a wrong JSON type.
_WRONG_TYPE = frozenset({"value-type", "iri-format"})
_REASONS: list[tuple[str, frozenset[str]]] = [
    ("WrongEntityType", frozenset({"type-not-allowed"})),
    ("WrongAction", frozenset({"action-not-allowed"})),
    ("UnknownContext", frozenset({"unknown-context"})),
    ("UnknownEntityType", frozenset({"unknown-type"})),
    ("UnknownEventType", frozenset({"unknown-type"})),
    ("UnknownProfile", frozenset({"enum-value"})),
    ("UnknownValue", frozenset({"enum-value"})),
    ("NotPresent", frozenset({"required"})),
    ("DateTime", frozenset({"datetime-format"})),
    ("CreationDate", frozenset({"datetime-format"})),
    ("ModifiedDate", frozenset({"datetime-format"})),
    ("Duration", frozenset({"duration-format"})),
    ("NotAList", _WRONG_TYPE),
    ("NotAString", _WRONG_TYPE),
    ("NotAnInt", _WRONG_TYPE),
    ("NotANumber", _WRONG_TYPE),
    ("NotAnIRI", _WRONG_TYPE),
    # an item of the wrong type: in a list of entities, an entity of the wrong type
    ("ContainsWrongType", _WRONG_TYPE | {"type-not-allowed"}),
    ("WrongType", _WRONG_TYPE),
    ("WrongListElementType", _WRONG_TYPE),
    ("WrongValue", _WRONG_TYPE),
]
_SUFFIX = re.compile(
    r"(WrongEntityType|WrongAction|ContainsUnknownValue|UnknownValue|NotPresent|InvalidDateTime|NotValidDateTime|"
    r"NotADateTime|NotADuration|NotValidDuration|NotAList|NotAStrings?|NotAnInt|NotANumber|"
    r"NotAnIRI|ContainsWrongType|ContainsWrongEntityType|ContainsWrongValue|ListElementWrongType|"
    r"WrongListElementType)$"
)
# Names that spell the property another way than the document does
_PROPERTY_ALIASES = {
    "creationDate": "dateCreated",
    "modifiedDate": "dateModified",
    "generatable": "generated",
}


def expected_reason(name: str) -> tuple[frozenset[str], str]:
    """(rule ids, property) that an error fixture's file name gives as its reason."""
    case = name.removesuffix(".json").split("-", 1)[1]
    if case.startswith(("Null", "No")):
        prop = case.removeprefix("Null").removeprefix("No")
        return frozenset({"required"}), prop[0].lower() + prop[1:]
    if case == "WrongAction":
        return frozenset({"action-not-allowed"}), "action"
    rules = next(r for fragment, r in _REASONS if fragment in case)
    if case.startswith("Unknown"):
        return rules, {"Context": "@context", "Profile": "profile"}.get(case[7:], "type")
    stem = _SUFFIX.sub("", re.sub(r"^Malf(?:or|ro)med", "", case))
    prop = stem[0].lower() + stem[1:]
    return rules, _PROPERTY_ALIASES.get(prop, prop)


_SEGMENT = re.compile(r"\.([A-Za-z_][A-Za-z0-9_]*)|\['((?:[^'\\]|\\.)*)'\]|\[\d+\]")


def segments(path: str) -> list[str]:
    return [a or b for a, b in _SEGMENT.findall(path) if a or b]


def validate_document(name: str, document: object) -> list[Problem]:
    """Fixture files are named after what they hold: an envelope, an event or an entity."""
    if name.startswith("caliperEnvelope"):
        return validate_envelope(document)
    if name.startswith("caliperEvent"):
        return validate_event(document)
    return validate_entity(document)


def check_file(path: Path) -> list[Problem]:
    return validate_document(path.name, parse_json(path.read_bytes()))


def _files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.json")) if folder.is_dir() else []


def _params(files: list[Path], defects: dict[str, str], skip: set[str]) -> list[object]:
    return [
        pytest.param(
            f,
            id=f.name,
            marks=[pytest.mark.xfail(reason=defects[f.name], strict=True)]
            if f.name in defects
            else [],
        )
        for f in files
        if f.name not in skip
    ]


VALID_FILES = _files(FIXTURES)
ERROR_FILES = _files(ERRORS)


@pytest.mark.parametrize("path", _params(VALID_FILES, VALID_DEFECTS, {ENDPOINT_CONFIG}))
def test_valid_example_is_accepted(path: Path) -> None:
    assert check_file(path) == []


def test_endpoint_configuration_advertises_caliper_1_2() -> None:
    config = parse_json((FIXTURES / ENDPOINT_CONFIG).read_bytes())
    assert isinstance(config, dict)
    assert CONTEXT in config["caliper_supported_versions"]


@pytest.mark.parametrize("path", _params(ERROR_FILES, ERROR_DEFECTS, NOT_JSON))
def test_error_example_is_refused_for_the_reason_its_name_gives(path: Path) -> None:
    rules, prop = expected_reason(path.name)
    problems = check_file(path)
    assert problems, "accepted"
    for problem in problems:
        assert problem.rule in rules, problem
        assert prop in segments(problem.path), problem


@pytest.mark.parametrize(
    "name", sorted(NOT_JSON | {"caliperEntitySurvey-MalformedItemsContainsWrongEntityType.json"})
)
def test_text_that_is_not_json_is_refused_as_such(name: str) -> None:
    with pytest.raises(CaliperParseError) as raised:
        parse_json((ERRORS / name).read_bytes())
    assert raised.value.problem.rule == "not-json"
    assert raised.value.problem.path == "$"


def _right_reason(path: Path) -> bool:
    rules, prop = expected_reason(path.name)
    try:
        problems = check_file(path)
    except CaliperParseError:
        return False
    return bool(problems) and all(p.rule in rules and prop in segments(p.path) for p in problems)


def test_fixture_figures() -> None:
    """The figures the issue asks for, each defect counted apart."""
    valid = [f for f in VALID_FILES if f.name != ENDPOINT_CONFIG]
    accepted = [f for f in valid if check_file(f) == []]
    errors = [f for f in ERROR_FILES if f.name not in NOT_JSON]
    refused = [f for f in errors if _right_reason(f)]
    not_json = [f for f in ERROR_FILES if f.name in NOT_JSON]
    print(
        f"\nCaliper fixtures: valid accepted {len(accepted)}/{len(valid)} "
        f"(xfail {len(VALID_DEFECTS)}); invalid refused for the named reason "
        f"{len(refused)}/{len(errors)} (xfail {len(ERROR_DEFECTS)}); "
        f"not JSON on purpose refused {len(not_json)}/{len(NOT_JSON)}"
    )
    assert {f.name for f in valid} - {f.name for f in accepted} == set(VALID_DEFECTS)
    assert {f.name for f in errors} - {f.name for f in refused} == set(ERROR_DEFECTS)
    assert len(not_json) == len(NOT_JSON)
