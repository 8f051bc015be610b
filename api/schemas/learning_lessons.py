"""The lesson catalogue's answers (``GET /v1/learning/lessons``, docs/api.md "Learning")."""

from __future__ import annotations

from pydantic import AwareDatetime, BaseModel, Field

from api.paging import Page
from domain.ports.lessons import Lesson


class LessonComponentOut(BaseModel):
    id: str = Field(description="The course component's sourcedId (the unit).")
    title: str | None
    sort_order: int | None
    parent_id: str | None = Field(description="The component this unit sits in, if any.")


class LessonResourceOut(BaseModel):
    id: str | None = Field(description="The resource's sourcedId.")
    title: str | None = Field(description="None while the resource is not in the cache.")
    url: str | None = Field(description="Where the content is (the resource metadata's url).")


class LessonOut(BaseModel):
    id: str = Field(description="The component resource's sourcedId: the PowerPath lesson id.")
    title: str | None
    type: str | None = Field(
        description="The lesson type (resource metadata's lessonType): powerpath-100, quiz, "
        "test-out, placement, unit-test, alpha-read-article...",
        examples=["powerpath-100"],
    )
    course_id: str
    component: LessonComponentOut
    resource: LessonResourceOut
    sort_order: int | None = Field(description="The lesson's place in its component.")
    unlock_date: AwareDatetime | None = Field(description="When its component unlocks.")
    status: str = Field(description="The component resource's OneRoster status.")

    @classmethod
    def of(cls, lesson: Lesson) -> LessonOut:
        return cls(
            id=lesson.id,
            title=lesson.title,
            type=lesson.type,
            course_id=lesson.course_id,
            component=LessonComponentOut(
                id=lesson.component.id,
                title=lesson.component.title,
                sort_order=lesson.component.sort_order,
                parent_id=lesson.component.parent_id,
            ),
            resource=LessonResourceOut(
                id=lesson.resource.id, title=lesson.resource.title, url=lesson.resource.url
            ),
            sort_order=lesson.sort_order,
            unlock_date=lesson.component.unlock_date,
            status=lesson.status,
        )


class LessonPage(Page[LessonOut]):
    pass
