"""QTI 3 content at ``/v1/assessments``: bodies checked here, objects in QTI's own JSON
(camelCase, as TimeBack answers) with the BFF's ``form`` and ``structured`` beside them."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from api.paging import Page
from api.schemas.common import SourcedId

Identifier = SourcedId
#: large enough for an item with inline images as data URIs; bounded so no body is unbounded
MAX_XML = 2_000_000
Form = Literal["full", "delivery"]


class QtiMetadata(BaseModel):
    """Free-form, except the course link that makes a teacher an author (decision D68)."""

    model_config = ConfigDict(extra="allow")
    courseSourcedIds: list[SourcedId] | None = Field(
        default=None, max_length=100, description="The courses this content belongs to."
    )
    courseSourcedId: SourcedId | None = None


class ContentIn(BaseModel):
    """QTI 3 XML (``{"format": "xml", "xml": ...}``, QTI's preferred form) or QTI's JSON."""

    model_config = ConfigDict(extra="allow")
    format: Literal["xml", "json"] | None = None
    xml: str | None = Field(default=None, min_length=1, max_length=MAX_XML)
    identifier: Identifier | None = None
    title: str | None = Field(default=None, max_length=500)
    metadata: QtiMetadata | None = None

    @model_validator(mode="after")
    def _one_form(self) -> ContentIn:
        if self.format == "xml" and self.xml is None:
            raise ValueError("format 'xml' needs the xml")
        if self.format != "xml" and self.identifier is None:
            raise ValueError("a JSON body needs its identifier (or send format 'xml' and the xml)")
        return self

    def wire(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True, exclude_none=True)


class StructureIn(BaseModel):
    """A test part or section in QTI's JSON."""

    model_config = ConfigDict(extra="allow")
    identifier: Identifier
    title: str | None = Field(default=None, max_length=500)

    def wire(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True, exclude_none=True)


class ItemRefIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    identifier: Identifier = Field(description="An existing assessment item's identifier.")
    href: str | None = Field(default=None, max_length=2000)

    def wire(self) -> dict[str, Any]:
        # TimeBack's clients need href on every reference (reference section 9)
        return {
            "identifier": self.identifier,
            "href": self.href or f"/assessment-items/{self.identifier}",
        }


class ItemOrderIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    items: list[ItemRefIn] = Field(min_length=1, max_length=1000)


class ScoreIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    response: str | list[Any] = Field(
        description="The candidate's response: one value, or a list (multiple, ordered, pairs "
        "such as 'A B')."
    )

    @model_validator(mode="after")
    def _bounded(self) -> ScoreIn:
        values = [self.response] if isinstance(self.response, str) else self.response
        if len(values) > 200 or not all(isinstance(v, str) and len(v) <= 20_000 for v in values):
            raise ValueError("a response is a string or a list of at most 200 strings")
        return self


class ValidateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    schema_: Literal["item", "test", "stimulus"] = Field(alias="schema")
    xml: str | None = Field(default=None, min_length=1, max_length=MAX_XML)
    entityId: Identifier | None = None


class FeedbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lessonId: Identifier = Field(description="The assessment test (lesson) it is about.")
    questionId: Identifier | None = Field(
        default=None, description="The assessment item it is about (question feedback needs it)."
    )
    userId: SourcedId | None = Field(
        default=None, description="Who it is from; left out, the caller."
    )
    feedback: str = Field(min_length=1, max_length=10_000)
    humanApproved: bool | None = None

    def wire(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


class Choice(BaseModel):
    identifier: str | None = None
    text: str | None = None


class Interaction(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: str
    responseIdentifier: str | None = None
    prompt: str | None = None
    choices: list[Choice] | None = None


class StimulusRef(BaseModel):
    identifier: str | None = None
    href: str | None = None
    title: str | None = None


class Structured(BaseModel):
    """The item for front ends without a QTI player (never holds any of the answer key)."""

    identifier: str | None = None
    title: str | None = None
    prompt: str | None = None
    interactionType: str | None = None
    interactions: list[Interaction] = Field(default_factory=list)
    stimulusRefs: list[StimulusRef] = Field(default_factory=list)


class ContentOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    identifier: str | None = None
    title: str | None = None
    metadata: dict[str, Any] | None = None
    rawXml: str | None = Field(
        default=None, description="QTI 3 XML; in the delivery form, without the answer key."
    )
    form: Form = Field(description="full: with the answer key (authors); delivery: without.")


class ItemOut(ContentOut):
    structured: Structured | None = None


class TestOut(ContentOut):
    pass


class StimulusOut(ContentOut):
    pass


class StructureOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    identifier: str | None = None
    form: Form


class QuestionOut(BaseModel):
    reference: dict[str, Any]
    question: ItemOut


class QuestionsOut(BaseModel):
    assessmentTest: str
    title: str | None = None
    totalQuestions: int
    questions: list[QuestionOut]


class ScoreOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    score: float | None = None
    feedback: dict[str, Any] | None = None


class ValidationOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    success: bool
    validationErrors: list[Any] = Field(default_factory=list)
    message: str | None = None


class FeedbackOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str | None = None
    type: Literal["QUESTION", "LESSON"] | None = None
    lessonId: str | None = None
    questionId: str | None = None
    userId: str | None = None
    feedback: str | None = None
    humanApproved: bool | None = None


class ItemPage(Page[ItemOut]):
    pass


class TestPage(Page[TestOut]):
    pass


class StimulusPage(Page[StimulusOut]):
    pass


class StructurePage(Page[StructureOut]):
    pass


class FeedbackPage(Page[FeedbackOut]):
    pass
