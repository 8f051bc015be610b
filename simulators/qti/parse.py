"""Reading QTI 3 XML with lxml: a hardened parser, and an assessment item into a
:class:`~.model.ParsedItem`.

Elements are matched by local name inside the QTI 3 namespace; a document outside it is refused by
:mod:`.validate` before it gets here. The parser never resolves entities or touches the network.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from lxml import etree

from simulators.qti.model import (
    AreaMapEntry,
    AreaMapping,
    Choice,
    Feedback,
    Interaction,
    MapEntry,
    Mapping,
    OutcomeDeclaration,
    ParsedItem,
    ResponseDeclaration,
)

INTERACTION_KINDS = {
    "qti-choice-interaction": "choice",
    "qti-text-entry-interaction": "text-entry",
    "qti-extended-text-interaction": "extended-text",
    "qti-inline-choice-interaction": "inline-choice",
    "qti-match-interaction": "match",
    "qti-order-interaction": "order",
    "qti-associate-interaction": "associate",
    "qti-select-point-interaction": "select-point",
    "qti-graphic-order-interaction": "graphic-order",
    "qti-graphic-associate-interaction": "graphic-associate",
    "qti-graphic-gap-match-interaction": "graphic-gap-match",
    "qti-hotspot-interaction": "hotspot",
    "qti-hottext-interaction": "hottext",
    "qti-slider-interaction": "slider",
    "qti-drawing-interaction": "drawing",
    "qti-media-interaction": "media",
    "qti-upload-interaction": "upload",
}
CHOICE_TAGS = {
    "qti-simple-choice",
    "qti-inline-choice",
    "qti-simple-associable-choice",
    "qti-hotspot-choice",
    "qti-hottext",
}
#: the standard templates by the last part of their URI (QTI 3 and the 2.x names TimeBack accepts)
TEMPLATES = {
    "match_correct": "match_correct",
    "map_response": "map_response",
    "map_response_point": "map_response_point",
}

PARSER = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    huge_tree=False,
    remove_comments=True,
    remove_pis=True,
)


class XmlError(ValueError):
    """The document is not well-formed XML (the message says where)."""


def parse_xml(text: str | bytes) -> etree._Element:
    data = text.encode() if isinstance(text, str) else text
    try:
        root = etree.fromstring(data.strip(), PARSER)
    except etree.XMLSyntaxError as exc:
        raise XmlError(f"XML is not well-formed: {exc}") from exc
    if root is None:
        raise XmlError("XML is empty")
    return root


def local(el: etree._Element) -> str:
    return str(el.tag).rpartition("}")[2]


def kids(el: etree._Element, *names: str) -> Iterator[etree._Element]:
    return (c for c in el if not names or local(c) in names)


def first(el: etree._Element, name: str) -> etree._Element | None:
    return next(kids(el, name), None)


def descendants(el: etree._Element, *names: str) -> Iterator[etree._Element]:
    return (d for d in el.iter() if local(d) in names)


def text_of(el: etree._Element | None) -> str:
    return (
        re.sub(r"\s+", " ", "".join(str(t) for t in el.itertext())).strip()
        if el is not None
        else ""
    )


def flag(el: etree._Element, name: str, default: bool = False) -> bool:
    value = el.get(name)
    return default if value is None else value.strip().lower() == "true"


def number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        return None


def integer(value: str | None) -> int | None:
    n = number(value)
    return int(n) if n is not None else None


def values_of(el: etree._Element | None) -> tuple[str, ...]:
    return tuple((v.text or "").strip() for v in kids(el, "qti-value")) if el is not None else ()


def item_from_xml(root: etree._Element) -> ParsedItem:
    """The item ``root`` (a ``qti-assessment-item``) describes; assumes it passed validation."""
    body = first(root, "qti-item-body")
    processing = first(root, "qti-response-processing")
    template, rules = _processing(processing)
    return ParsedItem(
        identifier=root.get("identifier", ""),
        title=root.get("title", ""),
        adaptive=flag(root, "adaptive"),
        time_dependent=flag(root, "time-dependent"),
        responses=tuple(_response(d) for d in kids(root, "qti-response-declaration")),
        outcomes=tuple(_outcome(d) for d in kids(root, "qti-outcome-declaration")),
        interactions=tuple(_interactions(body)) if body is not None else (),
        modal_feedback=tuple(_feedback(f) for f in kids(root, "qti-modal-feedback")),
        feedback_inline=tuple(_feedback(f) for f in descendants(root, "qti-feedback-inline")),
        feedback_block=tuple(_feedback(f) for f in descendants(root, "qti-feedback-block")),
        template=template,
        rules=rules,
        stimulus_refs=tuple(
            r.get("identifier", "") for r in kids(root, "qti-assessment-stimulus-ref")
        ),
    )


def template_name(uri: str) -> str | None:
    """``match_correct`` for its QTI 3 URI (or a 2.x one, or a bare name); None if unknown."""
    name = uri.rstrip("/").rsplit("/", 1)[-1].removesuffix(".xml")
    return TEMPLATES.get(name)


def _processing(
    el: etree._Element | None,
) -> tuple[str | None, tuple[etree._Element, ...]]:
    if el is None:
        return None, ()
    uri = el.get("template") or ""
    if uri:
        return template_name(uri), ()
    return None, tuple(kids(el))


def _response(el: etree._Element) -> ResponseDeclaration:
    mapping = first(el, "qti-mapping")
    area = first(el, "qti-area-mapping")
    return ResponseDeclaration(
        identifier=el.get("identifier", ""),
        cardinality=el.get("cardinality", "single"),
        base_type=el.get("base-type"),
        correct=values_of(first(el, "qti-correct-response")),
        mapping=_mapping(mapping) if mapping is not None else None,
        area_mapping=_area_mapping(area) if area is not None else None,
    )


def _mapping(el: etree._Element) -> Mapping:
    return Mapping(
        entries=tuple(
            MapEntry(
                key=(e.get("map-key") or "").strip(),
                value=number(e.get("mapped-value")) or 0.0,
                case_sensitive=flag(e, "case-sensitive", default=True),
            )
            for e in kids(el, "qti-map-entry")
        ),
        default=number(el.get("default-value")) or 0.0,
        lower_bound=number(el.get("lower-bound")),
        upper_bound=number(el.get("upper-bound")),
    )


def _area_mapping(el: etree._Element) -> AreaMapping:
    return AreaMapping(
        entries=tuple(
            AreaMapEntry(
                shape=e.get("shape", "default"),
                coords=tuple(float(c) for c in (e.get("coords") or "").split(",") if c.strip()),
                value=number(e.get("mapped-value")) or 0.0,
            )
            for e in kids(el, "qti-area-map-entry")
        ),
        default=number(el.get("default-value")) or 0.0,
        lower_bound=number(el.get("lower-bound")),
        upper_bound=number(el.get("upper-bound")),
    )


def _outcome(el: etree._Element) -> OutcomeDeclaration:
    return OutcomeDeclaration(
        identifier=el.get("identifier", ""),
        cardinality=el.get("cardinality", "single"),
        base_type=el.get("base-type"),
        default=values_of(first(el, "qti-default-value")),
        normal_maximum=number(el.get("normal-maximum")),
    )


def _interactions(body: etree._Element) -> Iterator[Interaction]:
    for el in descendants(body, *INTERACTION_KINDS):
        kind = INTERACTION_KINDS[local(el)]
        sets = list(kids(el, "qti-simple-match-set"))
        if kind == "match" and sets:
            choices = _choices(sets[0], "qti-simple-associable-choice")
            targets = _choices(sets[1], "qti-simple-associable-choice") if len(sets) > 1 else ()
        else:
            choices, targets = _choices(el, *CHOICE_TAGS), ()
        yield Interaction(
            kind=kind,
            response_identifier=el.get("response-identifier", ""),
            prompt=text_of(first(el, "qti-prompt")),
            max_choices=integer(el.get("max-choices")),
            expected_length=integer(el.get("expected-length")),
            choices=choices,
            targets=targets,
        )


def _choices(el: etree._Element, *tags: str) -> tuple[Choice, ...]:
    found = descendants(el, *tags)
    return tuple(
        Choice(c.get("identifier", ""), text_of(c), integer(c.get("match-max"))) for c in found
    )


def _feedback(el: etree._Element) -> Feedback:
    title = el.get("title") or text_of(first(el, "qti-title"))
    return Feedback(
        outcome_identifier=el.get("outcome-identifier", ""),
        identifier=el.get("identifier", ""),
        show_hide=el.get("show-hide", "show"),
        content=text_of(el),
        title=title,
        classes=tuple((el.get("class") or "").split()),
    )
