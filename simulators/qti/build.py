"""QTI 3 XML from TimeBack's JSON inputs: an item (``interaction.questionStructure``,
declarations, a ``responseProcessing`` template with its feedback identifiers, feedback), a
stimulus and a test. TimeBack stores what it generates as ``rawXml``; items then go through the
same parser as XML-created ones, so both score alike."""

from __future__ import annotations

from typing import Any

from lxml import etree

from simulators.qti.model import QTI_NS, SCHEMA_LOCATION, TEMPLATE_BASE, XSI_NS, q

JsonObject = dict[str, Any]
NSMAP: Any = {None: QTI_NS, "xsi": XSI_NS}  # lxml-stubs do not allow the default (None) prefix
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
TOOL_NAME, TOOL_VERSION = "timeback-qti-simulator", "1.0"
CHOICE_TAG = {"choice": "qti-simple-choice", "order": "qti-simple-choice"}


def sub(
    parent: etree._Element, tag: str, text: str | None = None, **attrs: object
) -> etree._Element:
    el = etree.SubElement(parent, q(tag))
    for key, value in attrs.items():
        if value is not None:
            el.set(key.replace("_", "-"), _attr(value))
    if text is not None:
        el.text = text
    return el


def _attr(value: object) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def root_element(tag: str, **attrs: object) -> etree._Element:
    root = etree.Element(q(tag), nsmap=NSMAP)
    root.set(f"{{{XSI_NS}}}schemaLocation", SCHEMA_LOCATION)
    for key, value in attrs.items():
        if value is not None:
            root.set(key.replace("_", "-"), _attr(value))
    return root


def html_into(parent: etree._Element, html: str | None) -> None:
    """Append ``html`` (XHTML, put in the QTI namespace as QTI 3 does) to ``parent``; text that is
    not well-formed markup goes in as text."""
    if not html:
        return
    try:
        wrapper = etree.fromstring(f'<div xmlns="{QTI_NS}">{html}</div>'.encode())
    except etree.XMLSyntaxError:
        _append_text(parent, html)
        return
    _append_text(parent, wrapper.text or "")
    for child in wrapper:
        parent.append(child)


def _append_text(parent: etree._Element, text: str) -> None:
    if not text:
        return
    children = list(parent)
    if children:
        children[-1].tail = (children[-1].tail or "") + text
    else:
        parent.text = (parent.text or "") + text


def serialize(root: etree._Element) -> str:
    body = etree.tostring(root, encoding="unicode", pretty_print=True)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body


# -- items ------------------------------------------------------------------------------------


def item_xml(body: JsonObject) -> str:
    interaction: JsonObject | None = body.get("interaction")
    rp: JsonObject | None = body.get("responseProcessing")
    root = root_element(
        "qti-assessment-item",
        identifier=body["identifier"],
        title=body["title"],
        adaptive=bool(body.get("adaptive", False)),
        time_dependent=bool(body.get("timeDependent", False)),
    )
    root.set(XML_LANG, "en")
    responses = body.get("responseDeclarations") or _derived_responses(interaction)
    for declaration in responses:
        el = sub(
            root,
            "qti-response-declaration",
            identifier=declaration["identifier"],
            cardinality=declaration["cardinality"],
            base_type=declaration.get("baseType"),
        )
        values = (declaration.get("correctResponse") or {}).get("value") or []
        if values:
            correct = sub(el, "qti-correct-response")
            for value in values:
                sub(correct, "qti-value", str(value))
    for outcome in body.get("outcomeDeclarations") or _derived_outcomes(body):
        sub(
            root,
            "qti-outcome-declaration",
            identifier=outcome["identifier"],
            cardinality=outcome["cardinality"],
            base_type=outcome.get("baseType"),
        )
    stimulus: JsonObject | None = body.get("stimulus")
    if stimulus:
        sub(
            root,
            "qti-assessment-stimulus-ref",
            identifier=stimulus["identifier"],
            href=stimulus.get("href") or f"stimuli/{stimulus['identifier']}",
            title=stimulus.get("title") or stimulus["identifier"],
        )
    item_body = sub(root, "qti-item-body")
    for rubric in body.get("rubrics") or []:
        block = sub(item_body, "qti-rubric-block", use=rubric["use"], view=rubric["view"])
        html_into(sub(block, "qti-content-body"), rubric.get("body"))
    html_into(item_body, body.get("preInteraction"))
    if interaction:
        _interaction(item_body, interaction, responses)
    else:
        sub(item_body, "p", body["title"])
    html_into(item_body, body.get("postInteraction"))
    for fb in body.get("feedbackBlock") or []:
        _feedback(item_body, "qti-feedback-block", fb)
    inline = body.get("feedbackInline") or []
    if inline:
        paragraph = sub(item_body, "p")
        for fb in inline:
            _feedback(paragraph, "qti-feedback-inline", fb)
    if rp:
        _processing(root, rp)
    for fb in body.get("modalFeedback") or []:
        _feedback(root, "qti-modal-feedback", fb)
    return serialize(root)


def _derived_responses(interaction: JsonObject | None) -> list[JsonObject]:
    if not interaction:
        return []
    kind = interaction.get("type")
    cardinality, base_type = "single", "identifier"
    if kind == "choice" and (interaction.get("maxChoices") or 1) != 1:
        cardinality = "multiple"
    elif kind == "order":
        cardinality = "ordered"
    elif kind == "match":
        cardinality, base_type = "multiple", "directedPair"
    elif kind in {"text-entry", "extended-text"}:
        base_type = "string"
    return [
        {
            "identifier": interaction["responseIdentifier"],
            "cardinality": cardinality,
            "baseType": base_type,
            "correctResponse": {"value": []},
        }
    ]


def _derived_outcomes(body: JsonObject) -> list[JsonObject]:
    outcomes = [{"identifier": "SCORE", "cardinality": "single", "baseType": "float"}]
    rp = body.get("responseProcessing") or {}
    feedback_outcomes: set[str] = (
        {str(rp["outcomeIdentifier"])} - {"SCORE"} if rp.get("outcomeIdentifier") else set()
    )
    for fb in (body.get("modalFeedback") or []) + (body.get("feedbackInline") or []):
        feedback_outcomes.add(fb["outcomeIdentifier"])
    if rp:
        feedback_outcomes.add("FEEDBACK")
    for identifier in sorted(feedback_outcomes - {"SCORE"}):
        outcomes.append(
            {"identifier": identifier, "cardinality": "single", "baseType": "identifier"}
        )
    return outcomes


def _interaction(parent: etree._Element, spec: JsonObject, responses: list[JsonObject]) -> None:
    kind = spec["type"]
    structure: JsonObject = spec.get("questionStructure") or {}
    attributes: JsonObject = spec.get("attributes") or {}
    choices: list[JsonObject] = structure.get("choices") or []
    response = spec["responseIdentifier"]
    prompt = structure.get("prompt")
    if kind in {"text-entry", "inline-choice"}:
        paragraph = sub(parent, "p")
        html_into(paragraph, prompt)
        tag = f"qti-{kind}-interaction"
        el = sub(
            paragraph,
            tag,
            response_identifier=response,
            expected_length=attributes.get("expected-length"),
            pattern_mask=attributes.get("pattern-mask"),
            placeholder_text=attributes.get("placeholder"),
            shuffle=spec.get("shuffle"),
        )
        for choice in choices:
            html_into(
                sub(el, "qti-inline-choice", identifier=choice["identifier"]), choice["content"]
            )
        return
    el = sub(
        parent,
        f"qti-{kind}-interaction",
        response_identifier=response,
        max_choices=spec.get("maxChoices"),
        shuffle=spec.get("shuffle"),
        expected_length=attributes.get("expected-length"),
    )
    if prompt:
        html_into(sub(el, "qti-prompt"), prompt)
    if kind == "match":
        _match_sets(el, choices, responses, response)
        return
    for choice in choices:
        option = sub(el, CHOICE_TAG.get(kind, "qti-simple-choice"), identifier=choice["identifier"])
        html_into(option, choice["content"])
        if choice.get("feedbackInline"):
            fb = sub(
                option,
                "qti-feedback-inline",
                outcome_identifier=choice.get("feedbackOutcomeIdentifier") or "FEEDBACK",
                identifier=choice["identifier"],
                show_hide="show",
            )
            html_into(fb, choice["feedbackInline"])


def _match_sets(
    el: etree._Element, choices: list[JsonObject], responses: list[JsonObject], response: str
) -> None:
    """Sources (the first halves of the correct pairs) in the first set, the rest in the second."""
    declared = next((r for r in responses if r["identifier"] == response), {})
    pairs = [str(v).split() for v in (declared.get("correctResponse") or {}).get("value") or []]
    sources = {p[0] for p in pairs if len(p) == 2}
    first_set, second_set = sub(el, "qti-simple-match-set"), sub(el, "qti-simple-match-set")
    for choice in choices:
        target = first_set if choice["identifier"] in sources or not sources else second_set
        option = sub(
            target, "qti-simple-associable-choice", identifier=choice["identifier"], match_max=1
        )
        html_into(option, choice["content"])


def _processing(root: etree._Element, rp: JsonObject) -> None:
    """TimeBack's generated processing: the template's score, plus the feedback outcome set to
    the correct or incorrect identifier."""
    response, outcome = rp["responseDeclarationIdentifier"], rp["outcomeIdentifier"]
    el = sub(root, "qti-response-processing")
    condition = sub(el, "qti-response-condition")
    branch = sub(condition, "qti-response-if")
    match = sub(branch, "qti-match")
    sub(match, "qti-variable", identifier=response)
    sub(match, "qti-correct", identifier=response)
    score = sub(branch, "qti-set-outcome-value", identifier="SCORE")
    if rp["templateType"] == "map_response":
        sub(score, "qti-map-response", identifier=response)
    else:
        sub(score, "qti-base-value", "1", base_type="float")
    feedback = "FEEDBACK" if outcome == "SCORE" else outcome
    sub(
        sub(branch, "qti-set-outcome-value", identifier=feedback),
        "qti-base-value",
        rp["correctResponseIdentifier"],
        base_type="identifier",
    )
    otherwise = sub(condition, "qti-response-else")
    score = sub(otherwise, "qti-set-outcome-value", identifier="SCORE")
    if rp["templateType"] == "map_response":
        sub(score, "qti-map-response", identifier=response)
    else:
        sub(score, "qti-base-value", "0", base_type="float")
    sub(
        sub(otherwise, "qti-set-outcome-value", identifier=feedback),
        "qti-base-value",
        rp["incorrectResponseIdentifier"],
        base_type="identifier",
    )


def _feedback(parent: etree._Element, tag: str, fb: JsonObject) -> None:
    el = sub(
        parent,
        tag,
        outcome_identifier=fb["outcomeIdentifier"],
        identifier=fb["identifier"],
        show_hide=fb.get("showHide", "show"),
        title=fb.get("title") if tag == "qti-modal-feedback" else None,
        **{"class": " ".join(fb.get("class") or []) or None},
    )
    html_into(sub(el, "qti-content-body") if tag == "qti-modal-feedback" else el, fb.get("content"))


def template_uri(name: str) -> str:
    return f"{TEMPLATE_BASE}{name}.xml"


# -- stimuli and tests ------------------------------------------------------------------------


def stimulus_xml(body: JsonObject) -> str:
    root = root_element(
        "qti-assessment-stimulus", identifier=body["identifier"], title=body["title"]
    )
    root.set(XML_LANG, body.get("language") or "en")
    stylesheet: JsonObject | None = body.get("stylesheet")
    if stylesheet:
        sub(root, "qti-stylesheet", href=stylesheet["href"], type=stylesheet["type"])
    html_into(sub(root, "qti-stimulus-body"), body.get("content"))
    cards: list[JsonObject] = body.get("catalogInfo") or []
    if cards:
        info = sub(root, "qti-catalog-info")
        for card in cards:
            catalog = sub(info, "qti-catalog", id=card["id"])
            html_into(
                sub(sub(catalog, "qti-card", support=card["support"]), "qti-html-content"),
                card["content"],
            )
    return serialize(root)


def part_element(parent: etree._Element | None, part: JsonObject) -> etree._Element:
    attrs = {
        "identifier": part["identifier"],
        "navigation_mode": part["navigationMode"],
        "submission_mode": part["submissionMode"],
    }
    el = (
        sub(parent, "qti-test-part", **attrs)
        if parent is not None
        else root_element("qti-test-part", **attrs)
    )
    for section in part.get("qti-assessment-section") or []:
        s = sub(
            el,
            "qti-assessment-section",
            identifier=section["identifier"],
            title=section["title"],
            visible=bool(section.get("visible", True)),
            required=bool(section.get("required", True)),
            fixed=bool(section.get("fixed", False)),
        )
        for ref in section.get("qti-assessment-item-ref") or []:
            sub(
                s,
                "qti-assessment-item-ref",
                identifier=ref["identifier"],
                href=ref.get("href") or "",
            )
    return el


def assessment_test_xml(test: JsonObject) -> str:
    root = root_element(
        "qti-assessment-test",
        identifier=test["identifier"],
        title=test["title"],
        # TimeBack's tests always name their tool (its content requires both attributes)
        tool_name=test.get("toolName") or TOOL_NAME,
        tool_version=test.get("toolVersion") or TOOL_VERSION,
    )
    for outcome in test.get("qti-outcome-declaration") or []:
        sub(
            root,
            "qti-outcome-declaration",
            identifier=outcome["identifier"],
            cardinality=outcome.get("cardinality") or "single",
            base_type=outcome.get("baseType"),
            normal_maximum=outcome.get("normalMaximum"),
            normal_minimum=outcome.get("normalMinimum"),
        )
    if test.get("timeLimit"):
        sub(root, "qti-time-limits", max_time=test["timeLimit"])
    for part in test.get("qti-test-part") or []:
        part_element(root, part)
    return serialize(root)
