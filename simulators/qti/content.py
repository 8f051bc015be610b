"""The ``content`` TimeBack returns next to ``rawXml``: the document as xml-js "compact" JSON
(``_attributes``, ``_text``, children by element name), with the declarations, values, parts,
sections and references always in arrays and a text-only element as its string, as the spec's
schemas show."""

from __future__ import annotations

from typing import Any

from lxml import etree

from simulators.qti.model import QTI_NS, SCHEMA_LOCATION, XSI_NS
from simulators.qti.parse import local

ALWAYS_ARRAY = {
    "qti-response-declaration",
    "qti-outcome-declaration",
    "qti-value",
    "qti-assessment-stimulus-ref",
    "qti-test-part",
    "qti-assessment-section",
    "qti-assessment-item-ref",
    "qti-simple-choice",
    "qti-inline-choice",
    "qti-simple-associable-choice",
    "qti-simple-match-set",
    "qti-map-entry",
    "qti-area-map-entry",
    "qti-modal-feedback",
}
#: elements TimeBack gives as their bare text
TEXT_VALUES = {"qti-value"}
#: an item's content spells these declarations' ``base-type`` the JSON way, ``baseType``
DECLARATIONS = {"qti-response-declaration", "qti-outcome-declaration"}
XML_NS = "http://www.w3.org/XML/1998/namespace"
PREFIXES = {XML_NS: "xml", XSI_NS: "xsi"}


def document_json(root: etree._Element) -> dict[str, Any]:
    converted = element_json(root, item=local(root) == "qti-assessment-item")
    if not isinstance(converted, dict):
        converted = {"_text": converted}
    attributes = {
        "xmlns": QTI_NS,
        "xmlns:xsi": XSI_NS,
        "xsi:schemaLocation": SCHEMA_LOCATION,
        **converted.get("_attributes", {}),
    }
    converted["_attributes"] = attributes
    if local(root) == "qti-assessment-item":
        # TimeBack's shape always has both lists and the two flags, whatever the XML left out
        attributes.setdefault("adaptive", "false")
        attributes.setdefault("time-dependent", "false")
        converted.setdefault("qti-response-declaration", [])
        converted.setdefault("qti-outcome-declaration", [])
    return {local(root): converted}


def element_json(el: etree._Element, *, item: bool = False) -> dict[str, Any] | str:
    """``item``: inside an item, whose declarations the spec spells ``baseType`` (a test's
    keep ``base-type``)."""
    attributes = {_name(k): str(v) for k, v in el.attrib.items()}
    if item and local(el) in DECLARATIONS and "base-type" in attributes:
        attributes["baseType"] = attributes.pop("base-type")
    children = list(el)
    text = "".join(
        str(part)
        for part in [el.text, *(c.tail for c in children)]
        if part is not None and str(part).strip()
    ).strip()
    if local(el) in TEXT_VALUES and not attributes and not children:
        return text
    out: dict[str, Any] = {}
    if attributes:
        out["_attributes"] = attributes
    if text:
        out["_text"] = text
    for child in children:
        name = local(child)
        value = element_json(child, item=item)
        if name in ALWAYS_ARRAY:
            out.setdefault(name, []).append(value)
        elif name in out:
            previous = out[name]
            out[name] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            out[name] = value
    return out


def _name(key: str | bytes) -> str:
    qname = etree.QName(key)
    prefix = PREFIXES.get(qname.namespace or "")
    return f"{prefix}:{qname.localname}" if prefix else qname.localname
