"""QTI 3 content whose answer key is marked, for the tests that prove a learner never sees it.

Every part of a key carries a marker no delivery form may contain (``SECRETS``): the correct
responses and mapping keys are words found nowhere else, feedback, scorer rubrics, comments and
processing carry ``*-SECRET`` text, and metadata outside the allow-list carries one too.
"""

from __future__ import annotations

import uuid
from typing import Any

NS = (
    'xmlns="http://www.imsglobal.org/xsd/imsqtiasi_v3p0" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xsi:schemaLocation="http://www.imsglobal.org/xsd/imsqtiasi_v3p0 '
    'https://purl.imsglobal.org/spec/qti/v3p0/schema/xsd/imsqti_asiv3p0_v1p0.xsd"'
)
#: text and names that belong to answer keys only
SECRETS = (
    "quokka-secret",
    "wombat-secret",
    "MODAL-SECRET",
    "INLINE-SECRET",
    "BLOCK-SECRET",
    "RUBRIC-SECRET",
    "COMMENT-SECRET",
    "PROCESSING-SECRET",
    "METADATA-SECRET",
    "qti-correct-response",
    "qti-mapping",
    "qti-area-mapping",
    "qti-response-processing",
    "qti-response-condition",
    "qti-set-outcome-value",
    "qti-modal-feedback",
    "qti-feedback-inline",
    "qti-feedback-block",
    "correctResponse",
    "responseProcessing",
    "modalFeedback",
    "feedbackInline",
    "feedbackBlock",
    '"mapping"',
    "areaMapping",
)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def choice_item_xml(identifier: str) -> str:
    """Single choice, custom response processing, modal and inline feedback, a scorer rubric."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<qti-assessment-item {NS} identifier="{identifier}" title="Pick the marsupial"
    adaptive="false" time-dependent="false">
  <!-- COMMENT-SECRET: the answer is B -->
  <qti-response-declaration identifier="RESPONSE" cardinality="single" base-type="identifier">
    <qti-correct-response><qti-value>B</qti-value></qti-correct-response>
  </qti-response-declaration>
  <qti-outcome-declaration identifier="SCORE" cardinality="single" base-type="float">
    <qti-default-value><qti-value>0</qti-value></qti-default-value>
  </qti-outcome-declaration>
  <qti-outcome-declaration identifier="FEEDBACK" cardinality="single" base-type="identifier"/>
  <qti-item-body>
    <p>Which animal carries its young in a pouch?</p>
    <qti-rubric-block view="scorer" use="scoring"><p>RUBRIC-SECRET: accept B only</p></qti-rubric-block>
    <qti-rubric-block view="candidate" use="instructions"><p>Choose one.</p></qti-rubric-block>
    <qti-choice-interaction response-identifier="RESPONSE" shuffle="false" max-choices="1">
      <qti-prompt>Pick the marsupial</qti-prompt>
      <qti-simple-choice identifier="A">Otter<qti-feedback-inline outcome-identifier="FEEDBACK"
        identifier="A" show-hide="show">INLINE-SECRET wrong</qti-feedback-inline></qti-simple-choice>
      <qti-simple-choice identifier="B">Kangaroo</qti-simple-choice>
      <qti-simple-choice identifier="C">Beaver</qti-simple-choice>
    </qti-choice-interaction>
    <qti-feedback-block outcome-identifier="FEEDBACK" identifier="CORRECT" show-hide="show">
      <p>BLOCK-SECRET right</p></qti-feedback-block>
  </qti-item-body>
  <qti-response-processing>
    <qti-response-condition>
      <qti-response-if>
        <qti-match><qti-variable identifier="RESPONSE"/><qti-correct identifier="RESPONSE"/></qti-match>
        <qti-set-outcome-value identifier="SCORE">
          <qti-base-value base-type="float">1</qti-base-value></qti-set-outcome-value>
        <qti-set-outcome-value identifier="FEEDBACK">
          <qti-base-value base-type="identifier">CORRECT</qti-base-value></qti-set-outcome-value>
      </qti-response-if>
      <qti-response-else>
        <qti-set-outcome-value identifier="FEEDBACK">
          <qti-base-value base-type="identifier">INCORRECT</qti-base-value></qti-set-outcome-value>
      </qti-response-else>
    </qti-response-condition>
  </qti-response-processing>
  <qti-modal-feedback outcome-identifier="FEEDBACK" identifier="CORRECT" show-hide="show">
    <qti-content-body><p>Right: MODAL-SECRET</p></qti-content-body>
  </qti-modal-feedback>
  <qti-modal-feedback outcome-identifier="FEEDBACK" identifier="INCORRECT" show-hide="show">
    <qti-content-body><p>Not quite.</p></qti-content-body>
  </qti-modal-feedback>
</qti-assessment-item>"""


def text_entry_item_xml(identifier: str) -> str:
    """Text entry scored by ``map_response`` over a mapping."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<qti-assessment-item {NS} identifier="{identifier}" title="Name the animal"
    adaptive="false" time-dependent="false">
  <qti-response-declaration identifier="RESPONSE" cardinality="single" base-type="string">
    <qti-correct-response><qti-value>quokka-secret</qti-value></qti-correct-response>
    <qti-mapping default-value="0">
      <qti-map-entry map-key="quokka-secret" mapped-value="1"/>
      <qti-map-entry map-key="wombat-secret" mapped-value="0.5"/>
    </qti-mapping>
  </qti-response-declaration>
  <qti-outcome-declaration identifier="SCORE" cardinality="single" base-type="float"/>
  <qti-item-body>
    <p>The smiling animal of Rottnest Island is the
      <qti-text-entry-interaction response-identifier="RESPONSE" expected-length="12"/>.</p>
  </qti-item-body>
  <qti-response-processing
    template="https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/map_response.xml"/>
</qti-assessment-item>"""


def inline_choice_item_xml(identifier: str) -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<qti-assessment-item {NS} identifier="{identifier}" title="Fill the gap"
    adaptive="false" time-dependent="false">
  <qti-response-declaration identifier="RESPONSE" cardinality="single" base-type="identifier">
    <qti-correct-response><qti-value>G2</qti-value></qti-correct-response>
  </qti-response-declaration>
  <qti-outcome-declaration identifier="SCORE" cardinality="single" base-type="float"/>
  <qti-item-body>
    <p>Koalas eat <qti-inline-choice-interaction response-identifier="RESPONSE" shuffle="false">
      <qti-inline-choice identifier="G1">grass</qti-inline-choice>
      <qti-inline-choice identifier="G2">eucalyptus</qti-inline-choice>
    </qti-inline-choice-interaction>.</p>
  </qti-item-body>
  <qti-response-processing
    template="https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/match_correct.xml"/>
</qti-assessment-item>"""


def item_body(xml: str, courses: list[str]) -> dict[str, Any]:
    return {
        "format": "xml",
        "xml": xml,
        "metadata": {
            "subject": "Science",
            "courseSourcedIds": courses,
            "answerNotes": "METADATA-SECRET",
        },
    }


def assessment_test_body(identifier: str, items: list[str], courses: list[str]) -> dict[str, Any]:
    refs = "".join(
        f'<qti-assessment-item-ref identifier="{i}" href="/assessment-items/{i}"/>' for i in items
    )
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<qti-assessment-test {NS} identifier="{identifier}" title="Marsupials quiz">
  <qti-outcome-declaration identifier="SCORE" cardinality="single" base-type="float"/>
  <qti-test-part identifier="part-1" navigation-mode="linear" submission-mode="individual">
    <qti-assessment-section identifier="section-1" title="Section one" visible="true">
      {refs}
    </qti-assessment-section>
  </qti-test-part>
  <qti-outcome-processing>
    <qti-set-outcome-value identifier="SCORE">
      <qti-base-value base-type="float">0</qti-base-value></qti-set-outcome-value>
  </qti-outcome-processing>
</qti-assessment-test>"""
    return {
        "format": "xml",
        "xml": xml,
        "metadata": {"courseSourcedIds": courses, "answerNotes": "METADATA-SECRET"},
    }


def leaked(text: str) -> list[str]:
    return [s for s in SECRETS if s in text]
