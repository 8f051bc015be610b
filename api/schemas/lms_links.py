from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from api.paging import Page
from api.schemas.common import SourcedId
from domain.models.lms_links import (
    CourseLink,
    LinkDiff,
    LinkRun,
    PersonStep,
    StudentProgress,
)

CourseKey = Annotated[
    str,
    StringConstraints(min_length=3, max_length=255, pattern=r"^[^\x00-\x20\x7f-\x9f]+$"),
]


class LinkCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    class_id: SourcedId = Field(description="A OneRoster class in the roster cache.")
    course_id: CourseKey = Field(
        description="An Open edX course key.", examples=["course-v1:OpenedX+DemoX+DemoCourse"]
    )
    keep_drops: bool = Field(
        default=False,
        description="People who leave the class stay enrolled in the course (default: unenrolled).",
    )


class PersonStepOut(BaseModel):
    person_id: str
    role: str = Field(examples=["student"])
    action: str = Field(examples=["enroll"], description="enroll, unenroll or staff")
    email: str | None
    name: str
    username: str | None = Field(description="The Open edX username, once known.")
    outcome: str = Field(
        examples=["account_created"],
        description="pending, enrolled, already_enrolled, account_created, unenrolled, kept "
        "or refused",
    )
    reason: str | None = Field(description="Why, when refused (or a note on an unenroll).")

    @classmethod
    def of(cls, s: PersonStep) -> PersonStepOut:
        return cls(
            person_id=s.person_id,
            role=s.role.value,
            action=s.action.value,
            email=s.email,
            name=s.name,
            username=s.username,
            outcome=s.outcome.value,
            reason=s.reason,
        )


class DiffOut(BaseModel):
    """Class against course: who a run would enroll, drop or try to make staff."""

    to_add: list[PersonStepOut]
    to_drop: list[PersonStepOut]
    teachers: list[PersonStepOut] = Field(
        description="Teachers of the class: course staff roles are not in the Appsembler API, "
        "so a run records each as refused."
    )
    in_step: int = Field(description="Students of the class already in the course.")

    @classmethod
    def of(cls, d: LinkDiff) -> DiffOut:
        return cls(
            to_add=[PersonStepOut.of(s) for s in d.to_add],
            to_drop=[PersonStepOut.of(s) for s in d.to_drop],
            teachers=[PersonStepOut.of(s) for s in d.teachers],
            in_step=d.in_step,
        )


class RunCountsOut(BaseModel):
    enrolled: int
    already_enrolled: int
    accounts_created: int
    unenrolled: int
    kept: int
    refused: int
    pending: int


class LinkRunOut(BaseModel):
    id: str
    link_id: str
    trigger: str = Field(examples=["manual"], description="created, manual or roster")
    status: str = Field(examples=["running"])
    created_at: AwareDatetime
    started_at: AwareDatetime | None
    finished_at: AwareDatetime | None
    error: str | None
    note: str | None
    upstream_calls: int = Field(description="Calls to Open edX this run made.")
    counts: RunCountsOut

    @classmethod
    def of(cls, r: LinkRun) -> LinkRunOut:
        c = r.counts
        return cls(
            id=r.id,
            link_id=r.link_id,
            trigger=r.trigger.value,
            status=r.status.value,
            created_at=r.created_at,
            started_at=r.started_at,
            finished_at=r.finished_at,
            error=r.error,
            note=r.note,
            upstream_calls=r.upstream_calls,
            counts=RunCountsOut(
                enrolled=c.enrolled,
                already_enrolled=c.already_enrolled,
                accounts_created=c.accounts_created,
                unenrolled=c.unenrolled,
                kept=c.kept,
                refused=c.refused,
                pending=c.pending,
            ),
        )


class LinkOut(BaseModel):
    id: str | None = Field(description="None on a dry run: nothing was stored.")
    class_id: str
    course_id: str
    keep_drops: bool
    created_at: AwareDatetime
    created_by: str | None

    @classmethod
    def of(cls, link: CourseLink, *, stored: bool = True) -> LinkOut:
        return cls(
            id=link.id if stored else None,
            class_id=link.class_id,
            course_id=link.course_id,
            keep_drops=link.keep_drops,
            created_at=link.created_at,
            created_by=link.created_by,
        )


class LinkCreated(BaseModel):
    link: LinkOut
    run: LinkRunOut | None = Field(description="The first run (None on a dry run).")
    plan: DiffOut = Field(description="What the first run does (or would do).")
    dry_run: bool


class LinkDetail(BaseModel):
    link: LinkOut
    last_run: LinkRunOut | None
    open_run: LinkRunOut | None
    diff: DiffOut | None = Field(
        description="Class against course as Open edX has it now; None when the class is no "
        "longer in the roster."
    )


class LinkPage(Page[LinkOut]):
    pass


class RunStarted(BaseModel):
    run: LinkRunOut | None = Field(description="The run started, or joined (None on a dry run).")
    plan: DiffOut | None = Field(description="On a dry run, what a run would do now.")
    dry_run: bool


class RunDetail(BaseModel):
    run: LinkRunOut
    people: list[PersonStepOut]
    total: int = Field(description="People in the run (the people list is one page of them).")


class StudentProgressOut(BaseModel):
    person_id: str
    name: str
    email: str | None
    username: str | None
    enrolled: bool
    date_enrolled: datetime | None
    certificate_grade: str | None
    certificate_date: str | None
    certificate_url: str | None

    @classmethod
    def of(cls, p: StudentProgress) -> StudentProgressOut:
        return cls(
            person_id=p.person_id,
            name=p.name,
            email=p.email,
            username=p.username,
            enrolled=p.enrolled,
            date_enrolled=p.date_enrolled,
            certificate_grade=p.certificate_grade,
            certificate_date=p.certificate_date,
            certificate_url=p.certificate_url,
        )


class ProgressPage(Page[StudentProgressOut]):
    pass
