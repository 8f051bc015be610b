"""The delivery form's XML is built from an allow-list: no part of an answer key survives, and
what a candidate needs (prompt, choices, interactions, candidate rubrics) does."""

from __future__ import annotations

from lxml import etree

from adapters.qti.delivery import QTI, LxmlDeliveryRenderer
from domain.ports.assessments import ContentKind
from tests.assessment_content import (
    assessment_test_body,
    choice_item_xml,
    inline_choice_item_xml,
    leaked,
    text_entry_item_xml,
)

RENDER = LxmlDeliveryRenderer()


def _tags(xml: str) -> set[str]:
    return {etree.QName(el).localname for el in etree.fromstring(xml.encode()).iter(etree.Element)}


def test_choice_item_keeps_the_question_and_loses_the_key() -> None:
    out = RENDER.delivery_item_xml(choice_item_xml("i-1"))
    assert out is not None
    assert leaked(out) == []
    tags = _tags(out)
    assert {"qti-choice-interaction", "qti-simple-choice", "qti-prompt", "qti-rubric-block"} <= tags
    assert "Kangaroo" in out
    assert "Choose one." in out
    assert 'response-identifier="RESPONSE"' in out
    # the declarations stay, as shells, so a player knows the variables
    assert out.count("qti-response-declaration") == 1
    assert "qti-default-value" not in out


def test_mapping_and_templates_are_gone_from_text_entry() -> None:
    out = RENDER.delivery_item_xml(text_entry_item_xml("i-2"))
    assert out is not None
    assert leaked(out) == []
    assert 'expected-length="12"' in out
    assert "Rottnest" in out


def test_an_unknown_element_does_not_pass() -> None:
    xml = choice_item_xml("i-3").replace(
        "<p>Which", "<qti-vendor-hint>ANSWER B</qti-vendor-hint><p>Which"
    )
    out = RENDER.delivery_item_xml(xml)
    assert out is not None
    assert "ANSWER B" not in out
    assert "Which animal" in out


def test_not_an_item_has_no_delivery_form() -> None:
    assert RENDER.delivery_item_xml("not xml") is None
    assert RENDER.delivery_item_xml("<qti-assessment-item identifier='x'/>") is None  # no QTI ns


def test_entities_are_not_expanded() -> None:
    xml = (
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        + choice_item_xml("i-4").split("?>", 1)[1].replace("Otter", "&e;Otter")
    )
    out = RENDER.delivery_item_xml(xml)
    assert out is not None
    assert "root:" not in out


def test_test_delivery_keeps_structure_and_drops_processing() -> None:
    body = assessment_test_body("t-1", ["i-1", "i-2"], ["c-1"])
    out = RENDER.delivery_test_xml(body["xml"])
    assert out is not None
    assert leaked(out) == []
    assert "qti-outcome-processing" not in out
    assert "qti-outcome-declaration" not in out
    assert out.count("qti-assessment-item-ref") == 2
    assert 'title="Section one"' in out


def test_structured_json_of_each_interaction() -> None:
    choice = RENDER.structured_item(RENDER.delivery_item_xml(choice_item_xml("i-1")) or "")
    assert choice["interactionType"] == "choice"
    assert choice["prompt"] == "Pick the marsupial"
    [interaction] = choice["interactions"]
    assert [c["identifier"] for c in interaction["choices"]] == ["A", "B", "C"]
    assert [c["text"] for c in interaction["choices"]] == ["Otter", "Kangaroo", "Beaver"]
    assert interaction["maxChoices"] == 1
    entry = RENDER.structured_item(text_entry_item_xml("i-2"))
    assert entry["interactions"][0]["expectedLength"] == 12
    inline = RENDER.structured_item(inline_choice_item_xml("i-5"))
    assert inline["interactions"][0]["choices"] == [
        {"identifier": "G1", "text": "grass"},
        {"identifier": "G2", "text": "eucalyptus"},
    ]


def test_references() -> None:
    refs = RENDER.references(ContentKind.TESTS, assessment_test_body("t", ["a", "b"], [])["xml"])
    assert [(r.kind, r.identifier, r.field) for r in refs] == [
        (ContentKind.ITEMS, "a", "xml"),
        (ContentKind.ITEMS, "b", "xml"),
    ]
    stim = choice_item_xml("i").replace(
        "<qti-item-body>",
        '<qti-assessment-stimulus-ref identifier="s-1" href="stimuli/s-1" title="S"/><qti-item-body>',
    )
    assert [r.identifier for r in RENDER.references(ContentKind.ITEMS, stim)] == ["s-1"]
    assert QTI in (RENDER.delivery_item_xml(stim) or "")
