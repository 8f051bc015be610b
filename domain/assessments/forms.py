"""One piece of content as a caller gets it: whole for its authors, the delivery form for anyone
else; both with the structured JSON read from the delivery XML, so that JSON never carries a key."""

from __future__ import annotations

from domain.assessments import delivery as d
from domain.ports.assessments import ContentKind, DeliveryRenderer, WireObject

FULL, DELIVERY = "full", "delivery"


class Forms:
    def __init__(self, renderer: DeliveryRenderer) -> None:
        self._renderer = renderer

    def item(self, obj: WireObject, *, whole: bool) -> WireObject:
        raw = obj.get("rawXml")
        safe_xml = self._renderer.delivery_item_xml(raw) if isinstance(raw, str) else None
        out = dict(obj) if whole else d.delivery(obj, d.ITEM)
        if not whole:
            out.pop("rawXml", None)
            if safe_xml is not None:
                out["rawXml"] = safe_xml
        out["structured"] = self._renderer.structured_item(safe_xml) if safe_xml else None
        out["form"] = FULL if whole else DELIVERY
        return out

    def test(self, obj: WireObject, *, whole: bool) -> WireObject:
        if whole:
            return {**obj, "form": FULL}
        out = d.delivery(obj, d.TEST)
        raw = obj.get("rawXml")
        safe_xml = self._renderer.delivery_test_xml(raw) if isinstance(raw, str) else None
        if safe_xml is not None:
            out["rawXml"] = safe_xml
        out["form"] = DELIVERY
        return out

    def stimulus(self, obj: WireObject) -> WireObject:
        # a stimulus is a passage every candidate reads: it holds no key (D67)
        return {**obj, "form": FULL}

    def of(self, kind: ContentKind, obj: WireObject, *, whole: bool) -> WireObject:
        match kind:
            case ContentKind.ITEMS:
                return self.item(obj, whole=whole)
            case ContentKind.TESTS:
                return self.test(obj, whole=whole)
            case ContentKind.STIMULI:
                return self.stimulus(obj)

    def part(self, obj: WireObject, *, whole: bool) -> WireObject:
        return {**(obj if whole else d.delivery(obj, d.PART)), "form": FULL if whole else DELIVERY}

    def section(self, obj: WireObject, *, whole: bool) -> WireObject:
        shaped = obj if whole else d.delivery(obj, d.SECTION)
        return {**shaped, "form": FULL if whole else DELIVERY}

    @staticmethod
    def score(result: WireObject, *, whole: bool) -> WireObject:
        return dict(result) if whole else d.delivery(result, d.SCORE)
