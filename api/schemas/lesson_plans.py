"""``/v1/learning/plans`` and ``/v1/learning/syllabus``: a course's units and lessons as PowerPath
holds them for one learner (or for the course), its operation log and the learner's progress,
under the BFF's snake_case names; ``metadata`` and an operation's ``payload`` pass through."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from api.paging import Page
from api.schemas.common import LONG_TEXT, SHORT_TEXT
from api.schemas.learning_plans import (
    AS_SENT,
    CourseOut,
    Wire,
    _dict,
    _dicts,
    _int,
    _num,
    _ref,
    _str,
    _strs,
)

Id = Annotated[str, StringConstraints(min_length=1, max_length=SHORT_TEXT)]


def _skipped(w: Wire) -> bool:
    return w.get("skipped") is True or _dict(w.get("metadata")).get("skipped") is True


class PlanResourceOut(BaseModel):
    id: str | None
    title: str | None
    type: str | None = Field(description="The resource's type (its lesson type, or custom).")
    vendor_resource_id: str | None
    metadata: Wire | None = Field(description=AS_SENT)

    @classmethod
    def of(cls, w: Wire) -> PlanResourceOut:
        metadata = w.get("metadata")
        return cls(
            id=_str(w.get("sourcedId")),
            title=_str(w.get("title")),
            type=_str(_dict(w.get("metadataDetails")).get("type"))
            or _str(_dict(metadata).get("type")),
            vendor_resource_id=_str(w.get("vendorResourceId")),
            metadata=metadata if isinstance(metadata, dict) else None,
        )


class PlanLessonOut(BaseModel):
    id: str | None = Field(description="The lesson (a course component resource).")
    title: str | None
    lesson_type: str | None = Field(examples=["powerpath-100"])
    sort_order: int | None
    skipped: bool
    component_id: str | None
    resource: PlanResourceOut | None
    metadata: Wire | None = Field(description=AS_SENT)

    @classmethod
    def of(cls, w: Wire) -> PlanLessonOut:
        resource, metadata = w.get("resource"), w.get("metadata")
        return cls(
            id=_str(w.get("id")) or _str(w.get("sourcedId")),
            title=_str(w.get("title")),
            lesson_type=_str(w.get("lessonType")),
            sort_order=_int(w.get("sortOrder")),
            skipped=_skipped(w),
            component_id=_str(w.get("courseComponentSourcedId")) or _ref(w.get("courseComponent")),
            resource=PlanResourceOut.of(resource) if isinstance(resource, dict) else None,
            metadata=metadata if isinstance(metadata, dict) else None,
        )


class PlanComponentOut(BaseModel):
    id: str | None = Field(description="The unit (a course component).")
    title: str | None
    sort_order: int | None
    skipped: bool
    unlock_date: str | None
    prerequisites: list[str]
    prerequisite_criteria: str | None
    lessons: list[PlanLessonOut]
    components: list[PlanComponentOut] = Field(description="Units inside this one.")
    metadata: Wire | None = Field(description=AS_SENT)

    @classmethod
    def of(cls, w: Wire) -> PlanComponentOut:
        metadata = w.get("metadata")
        return cls(
            id=_str(w.get("id")) or _str(w.get("sourcedId")),
            title=_str(w.get("title")),
            sort_order=_int(w.get("sortOrder")),
            skipped=_skipped(w),
            unlock_date=_str(w.get("unlockDate")),
            prerequisites=_strs(w.get("prerequisites")),
            prerequisite_criteria=_str(w.get("prerequisiteCriteria")),
            lessons=[PlanLessonOut.of(x) for x in _dicts(w.get("componentResources"))],
            components=[cls.of(x) for x in _dicts(w.get("subComponents"))],
            metadata=metadata if isinstance(metadata, dict) else None,
        )


class PlanOut(BaseModel):
    plan_id: str | None = Field(description="PowerPath's id of the learner's plan.")
    learner: str
    course: CourseOut
    components: list[PlanComponentOut]

    @classmethod
    def of(cls, learner: str, w: Wire) -> PlanOut:
        outer = _dict(w.get("lessonPlan"))
        inner = _dict(outer.get("lessonPlan"))
        return cls(
            plan_id=_str(outer.get("id")),
            learner=learner,
            course=CourseOut.of(_dict(inner.get("course"))),
            components=[PlanComponentOut.of(x) for x in _dicts(inner.get("subComponents"))],
        )


class SyllabusOut(BaseModel):
    course: CourseOut
    components: list[PlanComponentOut]

    @classmethod
    def of(cls, w: Wire) -> SyllabusOut:
        inner = _dict(w.get("syllabus"))
        return cls(
            course=CourseOut.of(_dict(inner.get("course"))),
            components=[PlanComponentOut.of(x) for x in _dicts(inner.get("subComponents"))],
        )


class StructureLessonOut(BaseModel):
    id: str | None
    component_id: str | None
    title: str | None
    order: int | None
    skipped: bool


class StructureUnitOut(BaseModel):
    """One unit of the plan in order, its lessons in order, as the learner will meet them."""

    id: str | None
    title: str | None
    order: int | None
    skipped: bool
    lessons: list[StructureLessonOut]
    components: list[StructureUnitOut]

    @classmethod
    def of(cls, w: Wire) -> StructureUnitOut:
        return cls(
            id=_str(w.get("componentId")) or _str(w.get("itemId")),
            title=_str(w.get("title")),
            order=_int(w.get("order")),
            skipped=w.get("skipped") is True,
            lessons=[
                StructureLessonOut(
                    id=_str(x.get("componentResourceId")) or _str(x.get("itemId")),
                    component_id=_str(x.get("componentId")),
                    title=_str(x.get("title")),
                    order=_int(x.get("order")),
                    skipped=x.get("skipped") is True,
                )
                for x in _dicts(w.get("componentResources"))
            ],
            components=[cls.of(x) for x in _dicts(w.get("subComponents"))],
        )


class StructurePage(Page[StructureUnitOut]):
    pass


def structure_units(w: Wire) -> list[StructureUnitOut]:
    inner = _dict(_dict(w.get("lessonPlan")).get("lessonPlan"))
    return [StructureUnitOut.of(x) for x in _dicts(inner.get("structure"))]


class ResultOut(BaseModel):
    id: str | None
    status: str | None
    score: float | None
    text_score: str | None
    score_status: str | None = Field(examples=["fully graded"])
    score_date: str | None
    score_percentile: float | None
    comment: str | None
    date_last_modified: str | None
    learning_objectives: list[Wire] | None = Field(description=AS_SENT)
    metadata: Wire | None = Field(description=AS_SENT)

    @classmethod
    def of(cls, w: Wire) -> ResultOut:
        objectives, metadata = w.get("learningObjectiveSet"), w.get("metadata")
        return cls(
            id=_str(w.get("sourcedId")),
            status=_str(w.get("status")),
            score=_num(w.get("score")),
            text_score=_str(w.get("textScore")),
            score_status=_str(w.get("scoreStatus")),
            score_date=_str(w.get("scoreDate")),
            score_percentile=_num(w.get("scorePercentile")),
            comment=_str(w.get("comment")),
            date_last_modified=_str(w.get("dateLastModified")),
            learning_objectives=_dicts(objectives) if isinstance(objectives, list) else None,
            metadata=metadata if isinstance(metadata, dict) else None,
        )


class ProgressItemOut(BaseModel):
    type: str | None = Field(description="resource (a lesson) or component (a unit).")
    line_item_id: str | None
    lesson_id: str | None
    component_id: str | None
    title: str | None
    results: list[ResultOut]

    @classmethod
    def of(cls, w: Wire) -> ProgressItemOut:
        return cls(
            type=_str(w.get("type")),
            line_item_id=_str(w.get("assessmentLineItemSourcedId")),
            lesson_id=_str(w.get("courseComponentResourceSourcedId")),
            component_id=_str(w.get("courseComponentSourcedId")),
            title=_str(w.get("title")),
            results=[ResultOut.of(x) for x in _dicts(w.get("results"))],
        )


class ProgressPage(Page[ProgressItemOut]):
    pass


class OperationOut(BaseModel):
    id: str | None
    type: str | None = Field(examples=["set-skipped"])
    payload: Any = Field(description=AS_SENT)
    reason: str | None
    created_at: str | None
    created_by: str | None
    sequence_number: int | None

    @classmethod
    def of(cls, w: Wire) -> OperationOut:
        return cls(
            id=_str(w.get("id")),
            type=_str(w.get("type")),
            payload=w.get("payload"),
            reason=_str(w.get("reason")),
            created_at=_str(w.get("createdAt")),
            created_by=_str(w.get("createdBy")),
            sequence_number=_int(w.get("sequenceNumber")),
        )


class OperationPage(Page[OperationOut]):
    pass


# -- operations in: PowerPath's seven commands, closed objects --------------------------------


class _Closed(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Target(_Closed):
    type: Literal["component", "resource"]
    id: Id


class SetSkipped(_Closed):
    target: Target
    value: bool


class AddCustomResource(_Closed):
    resource_id: Id
    parent_component_id: Id
    skipped: bool = False


class MoveRelative(_Closed):
    target: Target
    reference_id: Id


class MoveToEnd(_Closed):
    target: Target


class ChangeParent(_Closed):
    target: Target
    new_parent_id: Id
    position: Literal["start", "end"] | None = None


class SetSkippedOp(_Closed):
    type: Literal["set-skipped"]
    payload: SetSkipped


class AddCustomResourceOp(_Closed):
    type: Literal["add-custom-resource"]
    payload: AddCustomResource


class MoveRelativeOp(_Closed):
    type: Literal["move-item-before", "move-item-after"]
    payload: MoveRelative


class MoveToEndOp(_Closed):
    type: Literal["move-item-to-start", "move-item-to-end"]
    payload: MoveToEnd


class ChangeParentOp(_Closed):
    type: Literal["change-item-parent"]
    payload: ChangeParent


Operation = Annotated[
    SetSkippedOp | AddCustomResourceOp | MoveRelativeOp | MoveToEndOp | ChangeParentOp,
    Field(discriminator="type"),
]


class OperationIn(_Closed):
    operation: Operation = Field(
        description="One of PowerPath's plan commands (payload keys as PowerPath spells them)."
    )
    reason: Annotated[str, StringConstraints(max_length=LONG_TEXT)] | None = None

    def wire(self) -> Wire:
        return self.operation.model_dump(exclude_none=True)
