"""What a written piece of content names must exist (D38): a test's item references, an item's
stimulus references. Checked before anything goes to QTI; a missing one is a 422 naming where it
was written."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from domain.errors import InvalidInput
from domain.ports.assessments import (
    AssessmentContent,
    ContentKind,
    DeliveryRenderer,
    Reference,
    WireObject,
)

_NAMES = {ContentKind.ITEMS: "item", ContentKind.TESTS: "test", ContentKind.STIMULI: "stimulus"}
#: concurrent existence checks for one body (a test may name hundreds of items)
_AT_ONCE = 8


def references_in(
    kind: ContentKind, body: WireObject, renderer: DeliveryRenderer
) -> list[Reference]:
    xml = body.get("xml")
    if body.get("format") == "xml" and isinstance(xml, str):
        return renderer.references(kind, xml)
    if kind is ContentKind.TESTS:
        return list(_json_item_refs(body))
    return []


def _json_item_refs(body: Mapping[str, Any]) -> list[Reference]:
    found = []
    for p, part in _each(body, "qti-test-part"):
        found += part_item_refs(part, f"qti-test-part.{p}.")
    return found


def part_item_refs(part: Mapping[str, Any], at: str = "") -> list[Reference]:
    """The item references in a test part's JSON; ``at``: where the part is in the body."""
    found = []
    for s, section in _each(part, "qti-assessment-section"):
        found += section_item_refs(section, f"{at}qti-assessment-section.{s}.")
    return found


def section_item_refs(section: Mapping[str, Any], at: str = "") -> list[Reference]:
    found = []
    for r, ref in _each(section, "qti-assessment-item-ref"):
        where = f"{at}qti-assessment-item-ref.{r}.identifier"
        ident = ref.get("identifier")
        if not isinstance(ident, str) or not ident:
            raise InvalidInput("An item reference needs an identifier.", field=where)
        found.append(Reference(where, ContentKind.ITEMS, ident))
    return found


def _each(obj: Mapping[str, Any], key: str) -> list[tuple[int, Mapping[str, Any]]]:
    value = obj.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
        raise InvalidInput(f"{key} must be a list of objects.", field=key)
    return list(enumerate(value))


async def require_existing(content: AssessmentContent, refs: list[Reference]) -> None:
    gate = asyncio.Semaphore(_AT_ONCE)

    async def exists(ref: Reference) -> bool:
        async with gate:
            return await content.exists(ref.kind, ref.identifier)

    unique = list({(r.kind, r.identifier): r for r in refs}.values())
    found = await asyncio.gather(*(exists(r) for r in unique))
    for ref, ok in zip(unique, found, strict=True):
        if not ok:
            raise InvalidInput(
                f"No assessment {_NAMES[ref.kind]} with identifier {ref.identifier!r}.",
                field=ref.field,
            )
