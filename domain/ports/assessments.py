"""Assessment content (QTI 3 items, tests, stimuli), scoring, validation and learner feedback.

The objects travel as QTI's own JSON (``WireObject``, camelCase as TimeBack answers); the domain
decides who sees which form of them (``domain/assessments/delivery.py``) and asks a
:class:`DeliveryRenderer` for the XML half of that decision. Adapters raise the domain's errors:
``NotFound`` (404), ``Conflict`` (a taken identifier), ``UpstreamRefusedInput`` (QTI refused the
caller's content, with its validation messages).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

WireObject = dict[str, Any]


class ContentKind(StrEnum):
    ITEMS = "items"
    TESTS = "tests"
    STIMULI = "stimuli"


class FeedbackKind(StrEnum):
    QUESTION = "question"
    LESSON = "lesson"


@dataclass(frozen=True, slots=True, kw_only=True)
class ContentQuery:
    """A window of a content list in the BFF's terms (``offset`` need not be a multiple of
    ``limit``), with QTI's own search, filter and sort passed through."""

    limit: int
    offset: int
    query: str | None = None
    filter: str | None = None
    sort: str | None = None
    order: str | None = None


@dataclass(frozen=True, slots=True)
class ContentPage:
    items: list[WireObject]
    total: int


@dataclass(frozen=True, slots=True)
class SectionPath:
    """Where a section sits: its test, its test part, itself."""

    test: str
    part: str
    section: str


class AssessmentContent(Protocol):
    """Items, tests and stimuli at the QTI service, and the items a test references."""

    async def list(self, kind: ContentKind, query: ContentQuery) -> ContentPage: ...

    async def get(self, kind: ContentKind, identifier: str) -> WireObject: ...

    async def exists(self, kind: ContentKind, identifier: str) -> bool: ...

    async def create(self, kind: ContentKind, body: WireObject) -> WireObject: ...

    async def update(self, kind: ContentKind, identifier: str, body: WireObject) -> WireObject: ...

    async def delete(self, kind: ContentKind, identifier: str) -> None: ...

    async def questions(self, test: str) -> WireObject:
        """``{assessmentTest, title, totalQuestions, questions: [{reference, question}]}``."""
        ...


class TestStructure(Protocol):
    """A test's parts, their sections and the sections' item references."""

    async def parts(self, test: str, query: ContentQuery) -> ContentPage: ...

    async def part(self, test: str, part: str) -> WireObject: ...

    async def create_part(self, test: str, body: WireObject) -> WireObject: ...

    async def update_part(self, test: str, part: str, body: WireObject) -> WireObject: ...

    async def delete_part(self, test: str, part: str) -> None: ...

    async def sections(self, test: str, part: str, query: ContentQuery) -> ContentPage: ...

    async def section(self, where: SectionPath) -> WireObject: ...

    async def create_section(self, test: str, part: str, body: WireObject) -> WireObject: ...

    async def update_section(self, where: SectionPath, body: WireObject) -> WireObject: ...

    async def delete_section(self, where: SectionPath) -> None: ...

    async def add_item_ref(self, where: SectionPath, ref: WireObject) -> WireObject: ...

    async def remove_item_ref(self, where: SectionPath, item: str) -> None: ...

    async def reorder_item_refs(self, where: SectionPath, refs: list[WireObject]) -> WireObject: ...


class ResponseScorer(Protocol):
    async def score(self, item: str, response: str | list[str]) -> WireObject:
        """QTI response processing on one response: ``{score, feedback: {identifier, value}}``."""
        ...


class QtiValidator(Protocol):
    async def validate(
        self, schema: str, *, xml: str | None, entity_id: str | None
    ) -> WireObject: ...


class LearnerFeedback(Protocol):
    """What learners and teachers report about a question or a lesson (not an item's modal
    feedback)."""

    async def create(self, kind: FeedbackKind, body: WireObject) -> WireObject: ...

    async def of_lesson(self, lesson: str) -> list[WireObject]: ...

    async def delete(self, identifier: str) -> None: ...


class LessonCourses(Protocol):
    async def course_of_lesson(self, lesson_id: str) -> str | None:
        """The course of a PowerPath lesson (a course component resource); None: no such
        lesson."""
        ...


@dataclass(frozen=True, slots=True)
class Reference:
    """Something a piece of content names: ``kind``'s ``identifier``, at ``field`` of the body."""

    field: str
    kind: ContentKind
    identifier: str


class DeliveryRenderer(Protocol):
    """The XML half of the delivery form, and what a QTI document names.

    Built from what is safe (an allow-list of elements and attributes), never by removing what is
    known to be unsafe: an element the renderer does not know stays out.
    """

    def delivery_item_xml(self, xml: str) -> str | None:
        """The item's XML without its answer key, or None when ``xml`` is not a QTI item."""
        ...

    def delivery_test_xml(self, xml: str) -> str | None: ...

    def structured_item(self, xml: str) -> WireObject:
        """For simple front ends: prompt, interactions (type, choices with identifiers,
        expected length, ...) and stimulus references, read from the delivery XML."""
        ...

    def references(self, kind: ContentKind, xml: str) -> list[Reference]:
        """The items a test's XML references, the stimuli an item's XML references."""
        ...
