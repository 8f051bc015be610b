"""The delivery form of QTI content: what a learner's device may hold, built from an allow-list.

An answer key (correct responses, mappings, area mappings, response and outcome processing, scorer
rubrics, modal and inline feedback not yet earned) must never reach a learner. Rather than
deleting the fields known to carry it, and so passing on whatever field QTI adds next, the delivery
form is *built*: only the fields named below are copied, scalars only where a scalar is expected,
and the XML comes from the :class:`~domain.ports.assessments.DeliveryRenderer`, which does the
same with elements and attributes (decision D67).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from domain.ports.assessments import WireObject

#: a scalar (or a list of scalars) is copied; anything else under this key is dropped
SCALAR = "scalar"
Spec = Mapping[str, Any]

_DECLARATION: Spec = {"identifier": SCALAR, "cardinality": SCALAR, "baseType": SCALAR}
METADATA: Spec = {
    "subject": SCALAR,
    "grade": SCALAR,
    "difficulty": SCALAR,
    "language": SCALAR,
    "courseSourcedId": SCALAR,
    "courseSourcedIds": SCALAR,
    "learningObjectiveSet": [{"source": SCALAR, "learningObjectiveIds": SCALAR}],
}
ITEM: Spec = {
    "identifier": SCALAR,
    "title": SCALAR,
    "type": SCALAR,
    "qtiVersion": SCALAR,
    "timeDependent": SCALAR,
    "adaptive": SCALAR,
    "responseDeclarations": [_DECLARATION],
    "outcomeDeclarations": [_DECLARATION],
    "metadata": METADATA,
    "createdAt": SCALAR,
    "updatedAt": SCALAR,
}
ITEM_REF: Spec = {"identifier": SCALAR, "href": SCALAR, "sequence": SCALAR}
SECTION: Spec = {
    "identifier": SCALAR,
    "title": SCALAR,
    "visible": SCALAR,
    "required": SCALAR,
    "fixed": SCALAR,
    "sequence": SCALAR,
    "qti-assessment-item-ref": [ITEM_REF],
}
PART: Spec = {
    "identifier": SCALAR,
    "navigationMode": SCALAR,
    "submissionMode": SCALAR,
    "qti-assessment-section": [SECTION],
}
TEST: Spec = {
    "identifier": SCALAR,
    "title": SCALAR,
    "qtiVersion": SCALAR,
    "timeLimit": SCALAR,
    "maxAttempts": SCALAR,
    "metadata": METADATA,
    "qti-test-part": [PART],
    "createdAt": SCALAR,
    "updatedAt": SCALAR,
}
#: what a learner's own scoring answers: their score and the feedback they earned
SCORE: Spec = {
    "score": SCALAR,
    "status": SCALAR,
    "feedback": {"identifier": SCALAR, "value": SCALAR},
}
QUESTION_REF: Spec = {
    "identifier": SCALAR,
    "href": SCALAR,
    "testPart": SCALAR,
    "section": SCALAR,
}


def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def project(value: Any, spec: Any) -> Any:
    """``value`` reduced to what ``spec`` allows; ``None`` where nothing of it is allowed."""
    if spec == SCALAR:
        if _scalar(value):
            return value
        if isinstance(value, list) and all(_scalar(v) for v in value):
            return list(value)
        return None
    if isinstance(spec, list):
        if not isinstance(value, list):
            return None
        return [p for p in (project(v, spec[0]) for v in value) if p is not None]
    if isinstance(spec, Mapping):
        if not isinstance(value, Mapping):
            return None
        out = {}
        for key, inner in spec.items():
            if key in value:
                kept = project(value[key], inner)
                if kept is not None:
                    out[key] = kept
        return out
    raise TypeError(f"not a delivery spec: {spec!r}")


def delivery(obj: WireObject, spec: Spec) -> WireObject:
    projected = project(obj, spec)
    return projected if isinstance(projected, dict) else {}


#: kept by every selection: what the object is, and which form of it this is
_ALWAYS = frozenset({"identifier", "form"})


def select_fields(obj: WireObject, fields: frozenset[str] | None) -> WireObject:
    """A ``fields`` selection, applied to the form the caller gets (never widening it)."""
    if not fields:
        return obj
    return {k: v for k, v in obj.items() if k in fields or k in _ALWAYS}
