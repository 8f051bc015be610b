"""TimeBack's JSON for what the simulator stores: an item from its parsed XML, a test from its
XML, and the JSON-level ``responseProcessing`` a standard template corresponds to."""

from __future__ import annotations

from typing import Any

from lxml import etree

from simulators.qti.content import document_json
from simulators.qti.model import Feedback, ParsedItem
from simulators.qti.parse import descendants, first, flag, kids, local

JsonObject = dict[str, Any]
ITEM_TYPES = (
    "choice", "text-entry", "extended-text", "inline-choice", "match", "order", "associate",
    "select-point", "graphic-order", "graphic-associate", "graphic-gap-match", "hotspot",
    "hottext", "slider", "drawing", "media", "upload",
)  # fmt: skip


def item_record(
    parsed: ParsedItem,
    root: etree._Element,
    raw_xml: str,
    *,
    metadata: JsonObject,
    response_processing: JsonObject | None,
    item_type: str | None,
    created: str,
    updated: str,
) -> JsonObject:
    record: JsonObject = {
        "identifier": parsed.identifier,
        "title": parsed.title,
        "type": item_type if item_type in ITEM_TYPES else parsed.type,
        "qtiVersion": "3.0",
        "timeDependent": parsed.time_dependent,
        "adaptive": parsed.adaptive,
        "responseDeclarations": [
            {
                "identifier": r.identifier,
                "cardinality": r.cardinality,
                **({"baseType": r.base_type} if r.base_type else {}),
                "correctResponse": {"value": list(r.correct)},
            }
            for r in parsed.responses
        ],
        "outcomeDeclarations": [
            {
                "identifier": o.identifier,
                "cardinality": o.cardinality,
                **({"baseType": o.base_type} if o.base_type else {}),
            }
            for o in parsed.outcomes
        ],
        "metadata": metadata,
        "rawXml": raw_xml,
        "content": document_json(root),
        "modalFeedback": [_modal(f) for f in parsed.modal_feedback],
        "feedbackInline": [_inline(f) for f in parsed.feedback_inline],
        "feedbackBlock": [_inline(f) for f in parsed.feedback_block],
        "createdAt": created,
        "updatedAt": updated,
        "__v": 0,
    }
    processing = response_processing or template_processing(parsed)
    if processing is not None:
        record["responseProcessing"] = processing
    return record


def template_processing(parsed: ParsedItem) -> JsonObject | None:
    """The spec's ``responseProcessing`` for a standard template it can name (it knows
    ``match_correct`` and ``map_response`` only)."""
    if parsed.template not in {"match_correct", "map_response"} or not parsed.responses:
        return None
    return {
        "templateType": parsed.template,
        "responseDeclarationIdentifier": parsed.responses[0].identifier,
        "outcomeIdentifier": "SCORE",
        "correctResponseIdentifier": "CORRECT",
        "incorrectResponseIdentifier": "INCORRECT",
    }


def _modal(f: Feedback) -> JsonObject:
    return {
        "outcomeIdentifier": f.outcome_identifier,
        "identifier": f.identifier,
        "showHide": f.show_hide,
        "content": f.content,
        "title": f.title,
    }


def _inline(f: Feedback) -> JsonObject:
    return {
        "outcomeIdentifier": f.outcome_identifier,
        "identifier": f.identifier,
        "showHide": f.show_hide,
        "content": f.content,
        "class": list(f.classes),
    }


def assessment_test_from_xml(root: etree._Element) -> JsonObject:
    """A test's JSON (parts, sections in order with ``sequence``, item references) from its XML."""
    limits = first(root, "qti-time-limits")
    max_time = limits.get("max-time") if limits is not None else None
    return {
        "identifier": root.get("identifier", ""),
        "title": root.get("title", ""),
        "qtiVersion": "3.0",
        **({"toolName": root.get("tool-name")} if root.get("tool-name") else {}),
        **({"toolVersion": root.get("tool-version")} if root.get("tool-version") else {}),
        **({"timeLimit": float(max_time)} if max_time else {}),
        "qti-test-part": [part_from_xml(p) for p in kids(root, "qti-test-part")],
        "qti-outcome-declaration": [
            {
                "identifier": o.get("identifier", ""),
                "cardinality": o.get("cardinality", "single"),
                "baseType": o.get("base-type", "float"),
            }
            for o in kids(root, "qti-outcome-declaration")
        ],
    }


def part_from_xml(part: etree._Element) -> JsonObject:
    sections = list(descendants(part, "qti-assessment-section"))
    return {
        "identifier": part.get("identifier", ""),
        "navigationMode": part.get("navigation-mode", "linear"),
        "submissionMode": part.get("submission-mode", "individual"),
        "qti-assessment-section": [
            {
                "identifier": s.get("identifier", ""),
                "title": s.get("title", ""),
                "visible": flag(s, "visible", default=True),
                "required": flag(s, "required", default=True),
                "fixed": flag(s, "fixed"),
                "sequence": number,
                "qti-assessment-item-ref": [
                    {"identifier": r.get("identifier", ""), "href": r.get("href", "")}
                    for r in kids(s, "qti-assessment-item-ref")
                    if local(r) == "qti-assessment-item-ref"
                ],
            }
            for number, s in enumerate(sections, 1)
        ],
    }
