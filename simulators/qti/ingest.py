"""Turning what clients send into stored records: an item from QTI 3 XML
(``{"format": "xml", "xml": ...}``) or from TimeBack's JSON (built into XML first, so both kinds
parse and score alike), a stimulus and a test from JSON or XML. Anything refused raises
:class:`Rejected` with every problem found."""

from __future__ import annotations

from typing import Any

from simulators.qti.build import assessment_test_xml, item_xml, serialize, stimulus_xml
from simulators.qti.content import document_json
from simulators.qti.model import ParsedItem
from simulators.qti.parse import XmlError, item_from_xml, parse_xml
from simulators.qti.records import ITEM_TYPES, assessment_test_from_xml, item_record
from simulators.qti.validate import check

JsonObject = dict[str, Any]
NAVIGATION = {"linear", "nonlinear"}
SUBMISSION = {"individual", "simultaneous"}


class Rejected(ValueError):
    def __init__(self, error: str, details: list[str]) -> None:
        super().__init__(error)
        self.error = error
        self.details = details


def text_field(body: JsonObject, name: str, *, required: bool = True) -> str | None:
    value = body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise Rejected("Validation error", [f"{name} is required and must be a non-empty string"])
    return value


def item_from_body(
    body: object, *, created: str, updated: str, identifier: str | None = None
) -> tuple[JsonObject, ParsedItem]:
    """An item record and its parse from a create or update body."""
    if not isinstance(body, dict):
        raise Rejected("Validation error", ["the body must be a JSON object"])
    metadata = body.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise Rejected("Validation error", ["metadata must be an object"])
    item_type: str | None = None
    processing: JsonObject | None = None
    if body.get("format") == "xml":
        xml = text_field(body, "xml")
    elif isinstance(body.get("rawXml"), str) and not body.get("interaction"):
        xml = body["rawXml"]  # a replayed read: its XML is the item
    else:
        for name in ("identifier", "title"):
            if identifier is None or name != "identifier":
                text_field(body, name)
        if identifier is not None:
            body = {**body, "identifier": identifier}
        item_type = text_field(body, "type")
        if item_type not in ITEM_TYPES:
            raise Rejected("Validation error", [f"type must be one of {', '.join(ITEM_TYPES)}"])
        rp = body.get("responseProcessing")
        processing = rp if isinstance(rp, dict) else None
        if processing and processing.get("templateType") not in {"match_correct", "map_response"}:
            raise Rejected(
                "Validation error",
                ["responseProcessing.templateType must be match_correct or map_response"],
            )
        try:
            xml = item_xml(body)
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            raise Rejected(
                "Validation error", [f"invalid assessment item: missing or malformed {exc}"]
            ) from exc
    assert xml is not None  # noqa: S101 (text_field raised otherwise)
    try:
        root = parse_xml(xml)
    except XmlError as exc:
        raise Rejected("Invalid XML", [str(exc)]) from exc
    errors = check("item", root)
    if errors:
        raise Rejected("XML validation failed", errors)
    parsed = item_from_xml(root)
    if identifier is not None and parsed.identifier != identifier:
        raise Rejected(
            "Validation error", [f"the XML's identifier {parsed.identifier} is not {identifier}"]
        )
    replayed = body.get("format") != "xml" and not body.get("interaction") and body.get("rawXml")
    if replayed and isinstance(body.get("title"), str) and body["title"] != parsed.title:
        root.set("title", body["title"])  # a replayed read with a new title: the XML follows
        xml = serialize(root)
        parsed = item_from_xml(root)
    record = item_record(
        parsed,
        root,
        xml,
        metadata=metadata,
        response_processing=processing,
        item_type=item_type,
        created=created,
        updated=updated,
    )
    return record, parsed


def stimulus_from_body(
    body: object, *, created: str, updated: str, identifier: str | None = None
) -> JsonObject:
    if not isinstance(body, dict):
        raise Rejected("Validation error", ["the body must be a JSON object"])
    if identifier is None:
        text_field(body, "identifier")
    text_field(body, "title")
    if not isinstance(body.get("content"), str):
        raise Rejected("Validation error", ["content is required and must be a string"])
    data = {**body, "identifier": identifier or body["identifier"]}
    try:
        xml = stimulus_xml(data)
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise Rejected(
            "Validation error", [f"invalid stimulus: missing or malformed {exc}"]
        ) from exc
    root = parse_xml(xml)
    record: JsonObject = {
        "identifier": data["identifier"],
        "title": data["title"],
        "catalogInfo": data.get("catalogInfo") or [],
        "language": data.get("language") or "en",
        "metadata": data.get("metadata") or {},
        "rawXml": xml,
        "content": document_json(root),
        "createdAt": created,
        "updatedAt": updated,
        "__v": 0,
    }
    for key in ("label", "stylesheet", "toolName", "toolVersion"):
        if data.get(key) is not None:
            record[key] = data[key]
    return record


def assessment_test_from_body(
    body: object, *, created: str, updated: str, identifier: str | None = None
) -> JsonObject:
    """A test record from JSON (``qti-test-part``...) or XML (``format: xml`` or a raw string)."""
    if isinstance(body, str) or (isinstance(body, dict) and body.get("format") == "xml"):
        xml = body if isinstance(body, str) else text_field(body, "xml")
        try:
            root = parse_xml(xml or "")
        except XmlError as exc:
            raise Rejected("Invalid XML", [str(exc)]) from exc
        errors = check("test", root)
        if errors:
            raise Rejected("XML validation failed", errors)
        data = assessment_test_from_xml(root)
        if isinstance(body, dict) and isinstance(body.get("metadata"), dict):
            data["metadata"] = body["metadata"]
    elif isinstance(body, dict):
        data = dict(body)
        data.pop("format", None)
        if identifier is not None:
            data["identifier"] = identifier
        text_field(data, "identifier")
        text_field(data, "title")
        parts = data.get("qti-test-part")
        if not isinstance(parts, list) or not parts:
            raise Rejected("Validation error", ["qti-test-part must hold at least one test part"])
        data["qti-test-part"] = [check_part(p) for p in parts]
        data["qti-outcome-declaration"] = [
            check_outcome(o) for o in data.get("qti-outcome-declaration") or []
        ]
    else:
        raise Rejected("Validation error", ["the body must be a JSON object or QTI XML"])
    if identifier is not None:
        data["identifier"] = identifier  # the path names the test a replace writes
    return finish_test(
        {"qtiVersion": "3.0", "metadata": {}, "qti-outcome-declaration": [], **data},
        created=created,
        updated=updated,
    )


def finish_test(test: JsonObject, *, created: str, updated: str) -> JsonObject:
    """Numbers the sections and (re)generates ``rawXml`` and ``content`` from the structure."""
    for part in test["qti-test-part"]:
        for number, section in enumerate(part["qti-assessment-section"], 1):
            section["sequence"] = number
    xml = assessment_test_xml(test)
    test.update(
        rawXml=xml,
        content=document_json(parse_xml(xml)),
        createdAt=test.get("createdAt") or created,
        updatedAt=updated,
        isValidXml=True,
    )
    test.setdefault("__v", 0)
    return test


def check_outcome(outcome: object) -> JsonObject:
    if not isinstance(outcome, dict):
        raise Rejected("Validation error", ["an outcome declaration must be an object"])
    text_field(outcome, "identifier")
    text_field(outcome, "baseType")
    return {"cardinality": "single", **outcome}


def check_part(part: object) -> JsonObject:
    if not isinstance(part, dict):
        raise Rejected("Validation error", ["a test part must be an object"])
    text_field(part, "identifier")
    if part.get("navigationMode") not in NAVIGATION:
        raise Rejected("Validation error", ["navigationMode must be linear or nonlinear"])
    if part.get("submissionMode") not in SUBMISSION:
        raise Rejected("Validation error", ["submissionMode must be individual or simultaneous"])
    sections = part.get("qti-assessment-section")
    if not isinstance(sections, list):
        raise Rejected("Validation error", ["qti-assessment-section must be an array"])
    ordered = sorted(
        (check_section(s) for s in sections),
        key=lambda s: s.get("sequence") or 0,
    )
    return {
        "identifier": part["identifier"],
        "navigationMode": part["navigationMode"],
        "submissionMode": part["submissionMode"],
        "qti-assessment-section": ordered,
    }


def check_section(section: object) -> JsonObject:
    if not isinstance(section, dict):
        raise Rejected("Validation error", ["a section must be an object"])
    text_field(section, "identifier")
    text_field(section, "title")
    if not isinstance(section.get("visible"), bool):
        raise Rejected("Validation error", ["visible is required and must be a boolean"])
    sequence = section.get("sequence")
    if sequence is not None and (
        not isinstance(sequence, int) or isinstance(sequence, bool) or sequence < 1
    ):
        raise Rejected("Validation error", ["sequence must be a positive integer"])
    refs = section.get("qti-assessment-item-ref") or []
    if not isinstance(refs, list):
        raise Rejected("Validation error", ["qti-assessment-item-ref must be an array"])
    checked = [check_ref(r) for r in refs]
    if len({r["identifier"] for r in checked}) != len(checked):
        raise Rejected("Validation error", ["an item is referenced twice in the section"])
    return {
        "identifier": section["identifier"],
        "title": section["title"],
        "visible": section["visible"],
        "required": bool(section.get("required", True)),
        "fixed": bool(section.get("fixed", False)),
        "sequence": sequence or 0,
        "qti-assessment-item-ref": checked,
    }


def check_ref(ref: object) -> JsonObject:
    if not isinstance(ref, dict):
        raise Rejected("Validation error", ["an item reference must be an object"])
    text_field(ref, "identifier")
    href = ref.get("href")
    if href is not None and not isinstance(href, str):
        raise Rejected("Validation error", ["href must be a string"])
    return {
        "identifier": ref["identifier"],
        "href": href or f"assessment-items/{ref['identifier']}",
    }
