"""An item as structured JSON for front ends without a QTI player, read from its delivery XML
(so it can hold nothing the delivery form does not): the prompt, each interaction with its type,
response identifier, choices (identifier and text) and sizes, and the stimuli it references."""

from __future__ import annotations

from typing import Any

from lxml import etree

QTI = "http://www.imsglobal.org/xsd/imsqtiasi_v3p0"


def _q(name: str) -> str:
    return f"{{{QTI}}}{name}"


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname


def _text(el: etree._Element | None) -> str | None:
    if el is None:
        return None
    words = " ".join("".join(str(t) for t in el.itertext()).split())
    return words or None


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _choices(el: etree._Element, name: str) -> list[dict[str, Any]]:
    return [{"identifier": c.get("identifier"), "text": _text(c)} for c in el.iter(_q(name))]


def _interaction(el: etree._Element) -> dict[str, Any]:
    kind = _local(el).removeprefix("qti-").removesuffix("-interaction")
    out: dict[str, Any] = {
        "type": kind,
        "responseIdentifier": el.get("response-identifier"),
        "prompt": _text(el.find(_q("qti-prompt"))),
    }
    match kind:
        case "choice":
            out |= {
                "maxChoices": _int(el.get("max-choices")),
                "minChoices": _int(el.get("min-choices")),
                "shuffle": el.get("shuffle") == "true",
                "choices": _choices(el, "qti-simple-choice"),
            }
        case "order":
            out |= {
                "shuffle": el.get("shuffle") == "true",
                "choices": _choices(el, "qti-simple-choice"),
            }
        case "inline-choice":
            out |= {
                "shuffle": el.get("shuffle") == "true",
                "choices": _choices(el, "qti-inline-choice"),
            }
        case "text-entry":
            out |= {
                "expectedLength": _int(el.get("expected-length")),
                "patternMask": el.get("pattern-mask"),
                "placeholder": el.get("placeholder-text"),
            }
        case "extended-text":
            out |= {
                "expectedLength": _int(el.get("expected-length")),
                "expectedLines": _int(el.get("expected-lines")),
                "format": el.get("format"),
            }
        case "match" | "associate":
            out |= {
                "maxAssociations": _int(el.get("max-associations")),
                "shuffle": el.get("shuffle") == "true",
                "sets": [
                    [
                        {
                            "identifier": c.get("identifier"),
                            "text": _text(c),
                            "matchMax": _int(c.get("match-max")),
                        }
                        for c in s.iter(_q("qti-simple-associable-choice"))
                    ]
                    for s in el.iter(_q("qti-simple-match-set"))
                ]
                or [_choices(el, "qti-simple-associable-choice")],
            }
        case "gap-match":
            out |= {
                "choices": _choices(el, "qti-gap-text"),
                "gaps": [g.get("identifier") for g in el.iter(_q("qti-gap"))],
            }
        case "hottext":
            out |= {
                "maxChoices": _int(el.get("max-choices")),
                "choices": _choices(el, "qti-hottext"),
            }
    return out


def structured_item(root: etree._Element) -> dict[str, Any]:
    body = root.find(_q("qti-item-body"))
    interactions = (
        [_interaction(el) for el in body.iter(etree.Element) if _local(el).endswith("-interaction")]
        if body is not None
        else []
    )
    first_prompt = next((i["prompt"] for i in interactions if i.get("prompt")), None)
    return {
        "identifier": root.get("identifier"),
        "title": root.get("title"),
        "prompt": first_prompt,
        "interactionType": interactions[0]["type"] if interactions else None,
        "interactions": interactions,
        "stimulusRefs": [
            {"identifier": s.get("identifier"), "href": s.get("href"), "title": s.get("title")}
            for s in root.iter(_q("qti-assessment-stimulus-ref"))
        ],
    }
