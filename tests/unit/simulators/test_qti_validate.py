"""The QTI simulator's structural check (decision D65): one refusal per rule, and the seeded bank
passing it."""

from __future__ import annotations

import pytest

from simulators.kit.simulator import SeedSpec
from simulators.qti.model import QTI_NS
from simulators.qti.seed import build_bank
from simulators.qti.validate import validate

GOOD = (
    f'<qti-assessment-item xmlns="{QTI_NS}" identifier="i1" title="T" time-dependent="false">'
    '<qti-response-declaration identifier="RESPONSE" cardinality="single" base-type="identifier">'
    "<qti-correct-response><qti-value>A</qti-value></qti-correct-response></qti-response-declaration>"
    '<qti-outcome-declaration identifier="SCORE" cardinality="single" base-type="float"/>'
    '<qti-item-body><qti-choice-interaction response-identifier="RESPONSE" max-choices="1">'
    '<qti-simple-choice identifier="A">a</qti-simple-choice><qti-simple-choice identifier="B">b</qti-simple-choice>'
    "</qti-choice-interaction></qti-item-body>"
    '<qti-response-processing><qti-response-condition><qti-response-if><qti-match><qti-variable identifier="RESPONSE"/>'
    '<qti-correct identifier="RESPONSE"/></qti-match><qti-set-outcome-value identifier="SCORE">'
    '<qti-base-value base-type="float">1</qti-base-value></qti-set-outcome-value></qti-response-if>'
    "</qti-response-condition></qti-response-processing>"
    "</qti-assessment-item>"
)


def test_a_well_formed_item_passes() -> None:
    assert validate("item", GOOD) == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ((f' xmlns="{QTI_NS}"', ""), "QTI 3.0 namespace"),
        ((' title="T"', ""), "missing the required attribute title"),
        ((' time-dependent="false"', ""), "missing the required attribute time-dependent"),
        (('identifier="i1"', 'identifier="1 bad"'), "not a valid identifier"),
        (
            (
                'cardinality="single" base-type="identifier"',
                'cardinality="several" base-type="identifier"',
            ),
            "cardinality 'several'",
        ),
        (('base-type="float"', 'base-type="decimal"'), "not a QTI base type"),
        (
            ('response-identifier="RESPONSE"', 'response-identifier="OTHER"'),
            "undeclared response OTHER",
        ),
        (("<qti-value>A</qti-value>", "<qti-value>Z</qti-value>"), "names no choice"),
        (
            ("<qti-value>A</qti-value>", "<qti-value>A</qti-value><qti-value>B</qti-value>"),
            "one correct value",
        ),
        (
            ('<qti-correct identifier="RESPONSE"/>', '<qti-correct identifier="NOPE"/>'),
            "undeclared response NOPE",
        ),
        (
            (
                '<qti-set-outcome-value identifier="SCORE">',
                '<qti-set-outcome-value identifier="TOTAL">',
            ),
            "undeclared outcome TOTAL",
        ),
        (('identifier="SCORE" cardinality', 'identifier="RESPONSE" cardinality'), "declared twice"),
    ],
)
def test_each_rule_refuses_what_it_names(change: tuple[str, str], message: str) -> None:
    errors = validate("item", GOOD.replace(*change, 1))
    assert any(message in e for e in errors), errors


def test_unknown_template_and_feedback_outcome() -> None:
    xml = GOOD.replace(
        "<qti-response-processing>",
        '<qti-modal-feedback outcome-identifier="FB" identifier="x" show-hide="show"/><qti-response-processing template="https://example.org/mine.xml">',
    )
    errors = validate("item", xml)
    assert any("unknown response processing template" in e for e in errors)
    assert any("undeclared outcome FB" in e for e in errors)


def test_not_xml_and_wrong_root() -> None:
    assert "well-formed" in validate("item", "<qti-assessment-item")[0]
    assert "expected <qti-assessment-stimulus>" in validate("stimulus", GOOD)[0]


def test_tests_need_parts_sections_and_hrefs() -> None:
    bare = f'<qti-assessment-test xmlns="{QTI_NS}" identifier="t" title="T"/>'
    assert any("at least one <qti-test-part>" in e for e in validate("test", bare))
    part = bare.replace(
        "/>",
        '><qti-test-part identifier="p" navigation-mode="sideways" submission-mode="individual">'
        '<qti-assessment-section identifier="s" title="S" visible="true"><qti-assessment-item-ref identifier="a"/>'
        "</qti-assessment-section></qti-test-part></qti-assessment-test>",
        1,
    )
    errors = validate("test", part)
    assert any("navigation-mode must be linear or nonlinear" in e for e in errors)
    assert any("missing the required attribute href" in e for e in errors)


def test_every_seeded_document_passes() -> None:
    bank = build_bank(SeedSpec(seed=2, users=10, classes=2), public_url="http://qti.timeback.sim")
    problems = {
        name: validate(kind, record["rawXml"])
        for kind, store in (("item", bank.items), ("test", bank.tests), ("stimulus", bank.stimuli))
        for name, record in store.items()
    }
    assert {name: errors for name, errors in problems.items() if errors} == {}
