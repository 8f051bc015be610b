"""What the gradebook and resources use cases need from TimeBack: OneRoster objects read and written
as they are on the wire (JSON objects), one page at a time.

The BFF passes these objects through; the domain only reads the references it decides access by
(``class``, ``student``, ``lineItem``...). Listing is addressed by :class:`Listing` (a kind, and
optionally the parent it hangs from), so no URL path leaks into the domain.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

WireObject = dict[str, Any]


class GradebookKind(StrEnum):
    LINE_ITEMS = "lineItems"
    RESULTS = "results"
    CATEGORIES = "categories"
    SCORE_SCALES = "scoreScales"
    ASSESSMENT_LINE_ITEMS = "assessmentLineItems"
    ASSESSMENT_RESULTS = "assessmentResults"
    RESOURCES = "resources"


_BASE = ("sourcedId", "status", "dateLastModified", "metadata")
#: the top-level fields of each kind in TimeBack's OpenAPI: what ``filter``, ``sort`` and
#: ``fields`` may name
FIELDS: dict[GradebookKind, frozenset[str]] = {
    kind: frozenset((*_BASE, *names.split()))
    for kind, names in {
        GradebookKind.LINE_ITEMS: "title description assignDate dueDate class school category "
        "gradingPeriod academicSession scoreScale resultValueMin resultValueMax "
        "learningObjectiveSet",
        GradebookKind.RESULTS: "lineItem student class scoreScale scoreStatus score textScore "
        "scoreDate comment learningObjectiveSet inProgress incomplete late missing",
        GradebookKind.CATEGORIES: "title weight",
        GradebookKind.SCORE_SCALES: "title type class course scoreScaleValue",
        GradebookKind.ASSESSMENT_LINE_ITEMS: "title description class parentAssessmentLineItem "
        "scoreScale resultValueMin resultValueMax component componentResource "
        "learningObjectiveSet",
        GradebookKind.ASSESSMENT_RESULTS: "assessmentLineItem student score textScore scoreDate "
        "scoreScale scorePercentile scoreStatus comment learningObjectiveSet inProgress "
        "incomplete late missing",
        GradebookKind.RESOURCES: "title roles importance vendorResourceId vendorId applicationId",
    }.items()
}


class Parent(StrEnum):
    """What a list hangs from; the ids are given in order in :attr:`Listing.parent_ids`."""

    CLASS = "class"  # (class id)
    CLASS_STUDENT = "class_student"  # (class id, student id): results only
    CLASS_LINE_ITEM = "class_line_item"  # (class id, line item id): results only
    COURSE = "course"  # (course id): resources only
    USER = "user"  # (user id): resources, and assessment results of a student


@dataclass(frozen=True, slots=True)
class Listing:
    kind: GradebookKind
    parent: Parent | None = None
    parent_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class PageQuery:
    """OneRoster list parameters, already validated (the filter parses)."""

    filter: str | None = None
    sort: str | None = None
    order_by: str | None = None
    fields: tuple[str, ...] | None = None
    search: str | None = None
    limit: int = 100
    offset: int = 0


@dataclass(frozen=True, slots=True)
class WirePage:
    items: list[WireObject]
    total: int


class OneRosterObjects(Protocol):
    """Gradebook and resources objects on TimeBack. Absent objects: ``get`` gives None; list of
    a parent TimeBack does not know raises ``NotFound``; refusals raise ``InvalidInput`` (the
    caller's data) or ``UpstreamError`` (everything else)."""

    async def list(self, listing: Listing, query: PageQuery) -> WirePage: ...

    async def get(self, kind: GradebookKind, sourced_id: str) -> WireObject | None: ...

    async def create(self, kind: GradebookKind, entity: WireObject) -> str:
        """The sourcedId TimeBack allocated."""
        ...

    async def put(self, kind: GradebookKind, sourced_id: str, entity: WireObject) -> WireObject:
        """Upsert (gradebook) or replace (resources); the object as stored."""
        ...

    async def delete(self, kind: GradebookKind, sourced_id: str) -> None: ...


class RosterLookup(Protocol):
    """The few roster facts the gradebook needs besides the policy's relations."""

    async def school_of_class(self, class_id: str) -> str | None: ...

    async def org_of_course(self, course_id: str) -> str | None: ...
