"""The delivery form's XML, built with lxml from an allow-list of elements and attributes.

Nothing is deleted from the author's document: a new document is built, and an element is copied
only when its name is on the list for where it stands (its subtree with it, each descendant
judged again), an attribute only when its name is on the list. So a QTI element this module does
not know (a future ``qti-*-processing``, a vendor extension) never reaches a learner, and neither
do comments or processing instructions (decision D67).

Left out of an item: response and outcome declarations' children (``qti-correct-response``,
``qti-mapping``, ``qti-area-mapping``, default values, match and interpolation tables),
``qti-response-processing``, ``qti-template-*``, ``qti-modal-feedback``, ``qti-feedback-block`` and
``qti-feedback-inline`` (feedback is earned by scoring, where it comes back), rubric blocks not
meant for the candidate (``view`` without ``candidate``, or ``use="scoring"``). Of a test: outcome
declarations and processing, test feedback, branch rules and pre-conditions.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

from lxml import etree

from adapters.qti.structured import structured_item
from domain.ports.assessments import ContentKind, DeliveryRenderer, Reference, WireObject

QTI = "http://www.imsglobal.org/xsd/imsqtiasi_v3p0"
MATHML = "http://www.w3.org/1998/Math/MathML"
XML_NS = "http://www.w3.org/XML/1998/namespace"


def _names(words: str) -> frozenset[str]:
    return frozenset(words.split())


_HTML = _names(
    "p div span br img strong em b i u s sub sup ul ol li dl dt dd table thead tbody tfoot tr td "
    "th caption col colgroup h1 h2 h3 h4 h5 h6 blockquote pre code a hr figure figcaption audio "
    "video source track object param label abbr cite q small big tt kbd samp var dfn address "
    "ruby rt rp bdi bdo picture section article aside header footer nav details summary"
)
_INTERACTIONS = _names(
    "qti-choice-interaction qti-text-entry-interaction qti-extended-text-interaction "
    "qti-inline-choice-interaction qti-order-interaction qti-match-interaction "
    "qti-associate-interaction qti-gap-match-interaction qti-hottext-interaction "
    "qti-hotspot-interaction qti-slider-interaction qti-upload-interaction "
    "qti-drawing-interaction qti-graphic-order-interaction qti-graphic-gap-match-interaction "
    "qti-graphic-associate-interaction qti-select-point-interaction qti-position-object-stage "
    "qti-position-object-interaction qti-media-interaction qti-end-attempt-interaction"
)
_BODY_QTI = _INTERACTIONS | _names(
    "qti-prompt qti-simple-choice qti-inline-choice qti-simple-match-set "
    "qti-simple-associable-choice qti-gap qti-gap-text qti-gap-img qti-hottext "
    "qti-hotspot-choice qti-associable-hotspot qti-content-body qti-rubric-block"
)
_ATTRIBUTES = _names(
    "id class lang dir title label src alt width height href target type colspan rowspan headers "
    "scope start span controls data response-identifier shuffle max-choices min-choices "
    "orientation expected-length expected-lines pattern-mask placeholder-text format max-strings "
    "min-strings required max-associations min-associations match-max match-min identifier fixed "
    "view lower-bound upper-bound step step-label reverse coords shape hotspot-label base "
    "string-identifier min-plays max-plays loop autostart"
)
_ITEM_ATTRIBUTES = _names("identifier title label adaptive time-dependent tool-name tool-version")
_DECLARATION_ATTRIBUTES = frozenset({"identifier", "cardinality", "base-type"})
_STIMULUS_REF_ATTRIBUTES = frozenset({"identifier", "href", "title"})
_STYLESHEET_ATTRIBUTES = frozenset({"href", "type", "media", "title"})

#: a test's structure, element by element: the attributes kept and the children allowed
_TEST: dict[str, frozenset[str]] = {
    "qti-test-part": frozenset({"identifier", "navigation-mode", "submission-mode"}),
    "qti-assessment-section": frozenset(
        {"identifier", "title", "visible", "required", "fixed", "keep-together"}
    ),
    "qti-assessment-item-ref": frozenset({"identifier", "href", "required", "fixed", "category"}),
    "qti-ordering": frozenset({"shuffle"}),
    "qti-selection": frozenset({"select", "with-replacement"}),
    "qti-item-session-control": frozenset(
        {
            "max-attempts",
            "show-feedback",
            "allow-review",
            "show-solution",
            "allow-comment",
            "allow-skipping",
            "validate-responses",
        }
    ),
    "qti-time-limits": frozenset({"min-time", "max-time", "allow-late-submission"}),
}
_TEST_CHILDREN: dict[str, frozenset[str]] = {
    "qti-assessment-test": frozenset({"qti-test-part", "qti-stylesheet", "qti-time-limits"}),
    "qti-test-part": frozenset(
        {"qti-assessment-section", "qti-item-session-control", "qti-time-limits"}
    ),
    "qti-assessment-section": frozenset(
        {
            "qti-assessment-section",
            "qti-assessment-item-ref",
            "qti-ordering",
            "qti-selection",
            "qti-item-session-control",
            "qti-time-limits",
            "qti-rubric-block",
        }
    ),
}

_NSMAP: Any = {None: QTI}  # lxml's stubs do not know the default namespace's None key
_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, remove_comments=True, remove_pis=True, huge_tree=False
)


def parse(xml: str) -> etree._Element | None:
    try:
        root = etree.fromstring(xml.encode(), _PARSER)
    except (etree.XMLSyntaxError, ValueError):
        return None
    return root


def local(el: etree._Element) -> str:
    return etree.QName(el).localname


def _ns(el: etree._Element) -> str | None:
    return etree.QName(el).namespace


def _elements(el: etree._Element) -> Iterator[etree._Element]:
    """Element children only: an unresolved entity reference is not copied, its text is lost."""
    return el.iterchildren(etree.Element)


def _copy_attributes(
    source: etree._Element, target: etree._Element, allowed: frozenset[str]
) -> None:
    for name, value in source.attrib.items():
        q = etree.QName(name)
        if (q.namespace == XML_NS and q.localname == "lang") or (
            not q.namespace and (q.localname in allowed or q.localname.startswith("aria-"))
        ):
            target.set(name, value)


def _shell(
    source: etree._Element, parent: etree._Element | None, allowed: frozenset[str]
) -> etree._Element:
    tag = source.tag
    made = etree.SubElement(parent, tag) if parent is not None else etree.Element(tag, nsmap=_NSMAP)
    _copy_attributes(source, made, allowed)
    return made


def _candidate_rubric(el: etree._Element) -> bool:
    views = (el.get("view") or "").split()
    return "candidate" in views and el.get("use") != "scoring"


def _body_allowed(el: etree._Element) -> bool:
    ns = _ns(el)
    if ns == MATHML:
        return True
    if ns not in (QTI, None):
        return False
    name = local(el)
    if name == "qti-rubric-block":
        return _candidate_rubric(el)
    return name in _HTML or name in _BODY_QTI


def _copy_body(source: etree._Element, target: etree._Element) -> None:
    """Text and allowed children of ``source`` into ``target``; a dropped child's tail stays, so
    the surrounding text reads on."""
    target.text = source.text
    last: etree._Element | None = None
    for child in _elements(source):
        if _body_allowed(child):
            copied = _shell(
                child, target, _ATTRIBUTES if _ns(child) != MATHML else _mathml_attrs(child)
            )
            _copy_body(child, copied)
            copied.tail = child.tail
            last = copied
        elif child.tail:
            if last is None:
                target.text = (target.text or "") + child.tail
            else:
                last.tail = (last.tail or "") + child.tail


def _mathml_attrs(el: etree._Element) -> frozenset[str]:
    return frozenset(
        etree.QName(n).localname for n in el.attrib if etree.QName(n).namespace is None
    )


def _text(root: etree._Element) -> str:
    return etree.tostring(root, encoding="unicode")


def delivery_item(xml: str) -> str | None:
    source = parse(xml)
    if source is None or local(source) != "qti-assessment-item" or _ns(source) != QTI:
        return None
    root = _shell(source, None, _ITEM_ATTRIBUTES)
    for child in _elements(source):
        if _ns(child) != QTI:
            continue
        match local(child):
            case "qti-response-declaration" | "qti-outcome-declaration":
                _shell(child, root, _DECLARATION_ATTRIBUTES)
            case "qti-assessment-stimulus-ref":
                _shell(child, root, _STIMULUS_REF_ATTRIBUTES)
            case "qti-stylesheet":
                _shell(child, root, _STYLESHEET_ATTRIBUTES)
            case "qti-item-body":
                _copy_body(child, _shell(child, root, frozenset({"id", "class"})))
    return _text(root)


def delivery_test(xml: str) -> str | None:
    source = parse(xml)
    if source is None or local(source) != "qti-assessment-test" or _ns(source) != QTI:
        return None
    root = _shell(source, None, _ITEM_ATTRIBUTES)
    _copy_test(source, root)
    return _text(root)


def _copy_test(source: etree._Element, target: etree._Element) -> None:
    allowed = _TEST_CHILDREN.get(local(source), frozenset())
    for child in _elements(source):
        if _ns(child) != QTI or local(child) not in allowed:
            continue
        name = local(child)
        if name == "qti-rubric-block":
            if _candidate_rubric(child):
                _copy_body(child, _shell(child, target, _ATTRIBUTES))
        elif name == "qti-stylesheet":
            _shell(child, target, _STYLESHEET_ATTRIBUTES)
        else:
            _copy_test(child, _shell(child, target, _TEST.get(name, frozenset())))


def structured(xml: str) -> WireObject:
    root = parse(xml)
    return structured_item(root) if root is not None else {"interactions": []}


#: documents whose forms are kept: an item is read, unchanged, by every learner of a lesson; the
#: key is the whole XML, so an edited item is a new entry
CACHED = 4096


class LxmlDeliveryRenderer(DeliveryRenderer):
    """Pure functions of the XML, so their answers are kept (``cached`` documents each)."""

    def __init__(self, cached: int = CACHED) -> None:
        self._item = functools.lru_cache(maxsize=cached)(delivery_item)
        self._test = functools.lru_cache(maxsize=cached)(delivery_test)
        self._structured = functools.lru_cache(maxsize=cached)(structured)

    def delivery_item_xml(self, xml: str) -> str | None:
        return self._item(xml)

    def delivery_test_xml(self, xml: str) -> str | None:
        return self._test(xml)

    def structured_item(self, xml: str) -> WireObject:
        # the cached object itself (a deep copy cost more than the rest of a read): the forms
        # only place it in an answer, which is encoded and dropped, never changed
        return self._structured(xml)

    def references(self, kind: ContentKind, xml: str) -> list[Reference]:
        root = parse(xml)
        if root is None:
            return []  # QTI itself refuses what does not parse, with its own message
        if kind is ContentKind.TESTS:
            return [
                Reference("xml", ContentKind.ITEMS, ident)
                for ident in _identifiers(root, "qti-assessment-item-ref")
            ]
        if kind is ContentKind.ITEMS:
            return [
                Reference("xml", ContentKind.STIMULI, ident)
                for ident in _identifiers(root, "qti-assessment-stimulus-ref")
            ]
        return []


def _identifiers(root: etree._Element, name: str) -> Iterator[str]:
    for el in root.iter(f"{{{QTI}}}{name}"):
        ident = el.get("identifier")
        if ident:
            yield ident
