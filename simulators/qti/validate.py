"""The structural check TimeBack's XSD validation stands for (decision D65).

No PyPI or npm package ships the QTI 3.0 XSDs (see the decision), so the simulator checks what
those schemas and the spec's rules would refuse in the documents its clients send: the root
element and namespace, required attributes and their enumerations, identifiers (well formed,
unique, and every reference to one declared), interactions bound to declared responses, correct
responses that fit their cardinality and name existing choices, known response-processing
templates, and test parts / sections / item references with what they require.
"""

from __future__ import annotations

import re

from lxml import etree

from simulators.qti.model import QTI_NS
from simulators.qti.parse import (
    CHOICE_TAGS,
    INTERACTION_KINDS,
    XmlError,
    descendants,
    kids,
    local,
    parse_xml,
    template_name,
    values_of,
)

ROOTS = {
    "item": "qti-assessment-item",
    "test": "qti-assessment-test",
    "stimulus": "qti-assessment-stimulus",
}
CARDINALITIES = {"single", "multiple", "ordered", "record"}
BASE_TYPES = {
    "identifier", "boolean", "integer", "float", "string", "point", "pair", "directedPair",
    "duration", "file", "uri",
}  # fmt: skip
#: what the QTI XSD imports into item bodies: MathML, SSML, XInclude
ALLOWED_NS = {
    QTI_NS,
    "http://www.w3.org/1998/Math/MathML",
    "http://www.w3.org/2010/10/synthesis",
    "http://www.w3.org/2001/XInclude",
}
IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")


def validate(schema: str, xml: str) -> list[str]:
    """Every problem found in ``xml`` as a ``schema`` document (item, test or stimulus)."""
    try:
        root = parse_xml(xml)
    except XmlError as exc:
        return [str(exc)]
    return check(schema, root)


def check(schema: str, root: etree._Element) -> list[str]:
    wanted = ROOTS[schema]
    errors: list[str] = []
    qname = etree.QName(root.tag)
    if qname.localname != wanted:
        return [f"root element is <{qname.localname}>, expected <{wanted}>"]
    if qname.namespace != QTI_NS:
        errors.append(f"<{wanted}> must be in the QTI 3.0 namespace {QTI_NS}")
    stray = sorted({_namespace(e) for e in root.iter()} - ALLOWED_NS)
    errors += [f"elements outside the QTI namespace: {ns or '(no namespace)'}" for ns in stray]
    errors += _required(root, "identifier", "title")
    if schema == "item":
        errors += _required(root, "time-dependent")
        errors += _item(root)
    elif schema == "test":
        errors += _test(root)
    elif next(kids(root, "qti-stimulus-body"), None) is None:
        errors.append("<qti-assessment-stimulus> needs a <qti-stimulus-body>")
    return errors


def _namespace(el: etree._Element) -> str:
    return etree.QName(el.tag).namespace or ""


def _required(el: etree._Element, *names: str) -> list[str]:
    where = f"<{local(el)}>" + (f" {el.get('identifier')}" if el.get("identifier") else "")
    errors = [
        f"{where} is missing the required attribute {name}" for name in names if not el.get(name)
    ]
    identifier = el.get("identifier")
    if identifier is not None and "identifier" in names and not IDENTIFIER.match(identifier):
        errors.append(f"{where}: identifier {identifier!r} is not a valid identifier")
    return errors


def _item(root: etree._Element) -> list[str]:
    errors: list[str] = []
    declared: dict[str, str] = {}
    for el in kids(root, "qti-response-declaration", "qti-outcome-declaration"):
        errors += _required(el, "identifier", "cardinality")
        identifier = el.get("identifier", "")
        if identifier in declared:
            errors.append(f"identifier {identifier} is declared twice")
        declared[identifier] = local(el)
        cardinality = el.get("cardinality", "")
        if cardinality and cardinality not in CARDINALITIES:
            errors.append(
                f"{identifier}: cardinality {cardinality!r} is not one of {sorted(CARDINALITIES)}"
            )
        base_type = el.get("base-type")
        if base_type is None and cardinality != "record":
            errors.append(f"{identifier}: base-type is required unless the cardinality is record")
        elif base_type is not None and base_type not in BASE_TYPES:
            errors.append(f"{identifier}: base-type {base_type!r} is not a QTI base type")
        correct = values_of(next(kids(el, "qti-correct-response"), None))
        if cardinality == "single" and len(correct) > 1:
            errors.append(
                f"{identifier}: a single response has one correct value, not {len(correct)}"
            )
    responses = {k for k, v in declared.items() if v == "qti-response-declaration"}
    outcomes = {k for k, v in declared.items() if v == "qti-outcome-declaration"}
    errors += _interactions(root, responses)
    errors += _processing(root, responses, outcomes)
    for fb in descendants(root, "qti-modal-feedback", "qti-feedback-inline", "qti-feedback-block"):
        errors += _required(fb, "outcome-identifier", "identifier", "show-hide")
        if fb.get("show-hide", "show") not in {"show", "hide"}:
            errors.append(f"<{local(fb)}> {fb.get('identifier')}: show-hide must be show or hide")
        outcome = fb.get("outcome-identifier")
        if outcome and outcome not in outcomes:
            errors.append(
                f"<{local(fb)}> {fb.get('identifier')} names undeclared outcome {outcome}"
            )
    return errors


def _interactions(root: etree._Element, responses: set[str]) -> list[str]:
    errors: list[str] = []
    declarations = {d.get("identifier"): d for d in kids(root, "qti-response-declaration")}
    for el in descendants(root, *INTERACTION_KINDS):
        name = local(el)
        bound = el.get("response-identifier")
        if not bound:
            errors.append(f"<{name}> is missing the required attribute response-identifier")
            continue
        if bound not in responses:
            errors.append(f"<{name}> is bound to undeclared response {bound}")
            continue
        choices = [
            c.get("identifier", "")
            for c in descendants(el, *CHOICE_TAGS, "qti-simple-associable-choice")
        ]
        if name in {
            "qti-choice-interaction",
            "qti-order-interaction",
            "qti-inline-choice-interaction",
            "qti-match-interaction",
        }:
            if not choices:
                errors.append(f"<{name}> for {bound} has no choices")
            if len(set(choices)) != len(choices):
                errors.append(f"<{name}> for {bound} repeats a choice identifier")
            for value in values_of(next(kids(declarations[bound], "qti-correct-response"), None)):
                unknown = [part for part in value.split() if part not in choices]
                if unknown:
                    errors.append(
                        f"correct response {value!r} of {bound} names no choice of its interaction"
                    )
    return errors


def _processing(root: etree._Element, responses: set[str], outcomes: set[str]) -> list[str]:
    processing = next(kids(root, "qti-response-processing"), None)
    if processing is None:
        return []
    errors: list[str] = []
    uri = processing.get("template")
    if uri and template_name(uri) is None:
        errors.append(f"unknown response processing template {uri}")
    for el in processing.iter():
        name, identifier = local(el), el.get("identifier")
        if (
            name in {"qti-correct", "qti-map-response", "qti-map-response-point"}
            and identifier not in responses
        ):
            errors.append(f"<{name}> names undeclared response {identifier}")
        elif name == "qti-variable" and identifier not in responses | outcomes:
            errors.append(f"<qti-variable> names undeclared variable {identifier}")
        elif name == "qti-set-outcome-value" and identifier not in outcomes:
            errors.append(f"<qti-set-outcome-value> sets undeclared outcome {identifier}")
    return errors


def _test(root: etree._Element) -> list[str]:
    errors: list[str] = []
    parts = list(kids(root, "qti-test-part"))
    if not parts:
        errors.append("<qti-assessment-test> needs at least one <qti-test-part>")
    seen: set[str] = set()
    for part in parts:
        errors += _required(part, "identifier", "navigation-mode", "submission-mode")
        if part.get("navigation-mode") not in {None, "linear", "nonlinear"}:
            errors.append(
                f"test part {part.get('identifier')}: navigation-mode must be linear or nonlinear"
            )
        if part.get("submission-mode") not in {None, "individual", "simultaneous"}:
            errors.append(
                f"test part {part.get('identifier')}: submission-mode must be individual or simultaneous"
            )
        sections = list(descendants(part, "qti-assessment-section"))
        if not sections:
            errors.append(f"test part {part.get('identifier')} needs at least one section")
        for el in [part, *sections, *descendants(part, "qti-assessment-item-ref")]:
            identifier = el.get("identifier", "")
            if identifier in seen:
                errors.append(f"identifier {identifier} is used twice in the test")
            seen.add(identifier)
        for section in sections:
            errors += _required(section, "identifier", "title", "visible")
        for ref in descendants(part, "qti-assessment-item-ref"):
            errors += _required(ref, "identifier", "href")
    return errors
