"""OneRoster 1.2 gradebook shapes (TimeBack's, with its assessment extensions), for the gradebook
routes: what they accept (``...In``: every field optional, since a PUT is an upsert that keeps the
fields not given) and what they answer (objects exactly as TimeBack sent them, unknown fields
kept; a sparse ``fields`` request trims them, so answers declare nothing required).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from api.schemas.common import (
    LONG_TEXT,
    SHORT_TEXT,
    FiniteNumber,
    IsoDateTime,
    Metadata,
    SourcedId,
)

Status = Literal["active", "tobedeleted"]
Number = FiniteNumber
ScoreStatus = Literal["exempt", "fully graded", "not submitted", "partially graded", "submitted"]


class Ref(BaseModel):
    """A reference to another OneRoster object."""

    model_config = ConfigDict(extra="allow")
    sourcedId: SourcedId
    href: str | None = None
    type: str | None = None


class WireIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    #: left out, a new object is active and an old one keeps its status
    status: Status = "active"
    metadata: Metadata | None = None


class WireOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    sourcedId: str | None = None
    status: Status | None = None
    dateLastModified: IsoDateTime | None = None
    metadata: dict[str, Any] | None = None


class GradedItemIn(WireIn):
    """What line items and assessment line items take alike: what is graded, and how."""

    title: str | None = Field(default=None, max_length=500)
    description: str | None = Field(default=None, max_length=LONG_TEXT)
    scoreScale: Ref | None = None
    resultValueMin: Number | None = None
    resultValueMax: Number | None = None
    learningObjectiveSet: list[dict[str, Any]] | None = None


class GradedItemOut(WireOut):
    title: str | None = None
    description: str | None = None
    klass: Ref | None = Field(default=None, alias="class")


class LineItemIn(GradedItemIn):
    assignDate: IsoDateTime | None = None
    dueDate: IsoDateTime | None = None
    school: Ref | None = None
    category: Ref | None = None
    gradingPeriod: Ref | None = None
    academicSession: Ref | None = None


class LineItemUpsert(LineItemIn):
    """A PUT may move a line item to another class (one the caller may also change)."""

    klass: Ref | None = Field(default=None, alias="class")


class NewLineItem(LineItemIn):
    """A line item created in the class of the path; its school defaults to the class's."""

    title: str = Field(min_length=1, max_length=500)
    assignDate: IsoDateTime
    dueDate: IsoDateTime
    category: Ref


class LineItem(GradedItemOut):
    assignDate: IsoDateTime | None = None
    dueDate: IsoDateTime | None = None
    school: Ref | None = None
    category: Ref | None = None
    gradingPeriod: Ref | None = None
    scoreScale: Ref | None = None
    resultValueMin: Number | None = None
    resultValueMax: Number | None = None


class ScoreIn(WireIn):
    """What results and assessment results take alike: one student's score."""

    student: Ref | None = None
    scoreScale: Ref | None = None
    scoreStatus: ScoreStatus | None = None
    score: Number | None = None
    textScore: str | None = Field(default=None, max_length=SHORT_TEXT)
    scoreDate: IsoDateTime | None = None
    comment: str | None = Field(default=None, max_length=LONG_TEXT)
    learningObjectiveSet: list[dict[str, Any]] | None = None
    inProgress: str | None = None
    incomplete: str | None = None
    late: str | None = None
    missing: str | None = None


class ScoreOut(WireOut):
    student: Ref | None = None
    scoreStatus: ScoreStatus | None = None
    score: Number | None = None
    scoreDate: IsoDateTime | None = None


class ResultIn(ScoreIn):
    lineItem: Ref | None = None
    klass: Ref | None = Field(default=None, alias="class")


class Result(ScoreOut):
    lineItem: Ref | None = None
    klass: Ref | None = Field(default=None, alias="class")
    textScore: str | None = None
    comment: str | None = None


class CategoryIn(WireIn):
    title: str | None = Field(default=None, max_length=500)
    weight: Number | None = None


class NewCategory(CategoryIn):
    sourcedId: SourcedId | None = None
    title: str = Field(min_length=1, max_length=500)


class Category(WireOut):
    title: str | None = None
    weight: Number | None = None


class ScoreScaleValue(BaseModel):
    itemValueLHS: str
    itemValueRHS: str
    value: str | None = None
    description: str | None = None


class ScoreScaleIn(WireIn):
    title: str | None = Field(default=None, max_length=500)
    type: str | None = Field(default=None, max_length=100)
    course: Ref | None = None
    scoreScaleValue: list[ScoreScaleValue] | None = None


class ScoreScaleUpsert(ScoreScaleIn):
    klass: Ref | None = Field(default=None, alias="class")


class NewScoreScale(ScoreScaleIn):
    title: str = Field(min_length=1, max_length=500)
    type: str = Field(min_length=1, max_length=100)
    scoreScaleValue: list[ScoreScaleValue] = Field(min_length=1)


class ScoreScale(WireOut):
    title: str | None = None
    type: str | None = None
    klass: Ref | None = Field(default=None, alias="class")
    scoreScaleValue: list[ScoreScaleValue] | None = None


class AssessmentLineItemIn(GradedItemIn):
    klass: Ref | None = Field(default=None, alias="class")
    parentAssessmentLineItem: Ref | None = None
    component: Ref | None = None
    componentResource: Ref | None = None


class AssessmentLineItem(GradedItemOut):
    component: Ref | None = None
    componentResource: Ref | None = None


class AssessmentResultIn(ScoreIn):
    assessmentLineItem: Ref | None = None
    scorePercentile: Number | None = None


class AssessmentResult(ScoreOut):
    assessmentLineItem: Ref | None = None


def envelope(name: str, key: str, model: type[BaseModel], *, many: bool) -> type[BaseModel]:
    """``{"lineItem": {...}}`` / ``{"lineItems": [...]}``, as OneRoster wraps objects."""
    value: Any = list[model] if many else model  # type: ignore[valid-type]
    definitions: dict[str, Any] = {key: (value, ...)}
    built: type[BaseModel] = create_model(name, __base__=BaseModel, **definitions)
    return built


def write_envelope(name: str, key: str, model: type[BaseModel]) -> type[BaseModel]:
    definitions: dict[str, Any] = {key: (model, ...)}
    built: type[BaseModel] = create_model(
        name, __config__=ConfigDict(extra="forbid"), **definitions
    )
    return built


NewCategoryBody = write_envelope("NewCategoryBody", "category", NewCategory)
