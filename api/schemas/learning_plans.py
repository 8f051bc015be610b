"""``/v1/learning`` placement, screening, plans and assignments: PowerPath's data under the BFF's
snake_case names. Where PowerPath's own shape is open-ended (a placement test's component
resource, a course's or a lesson's ``metadata``, an operation's ``payload``, a result's learning
objectives) the object passes through as PowerPath sent it, documented as such on the field."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from api.paging import Page
from api.schemas.common import SHORT_TEXT, SourcedId

Wire = dict[str, Any]
AS_SENT = "PowerPath's object as it sent it (pass-through, camelCase)."

Subject = Literal[
    "Reading", "Language", "Vocabulary", "Social Studies", "Writing", "Science", "FastMath", "Math"
]
ScreeningSubject = Literal["Math", "Reading", "Language", "Science"]
AssignmentSubject = Literal[
    "Reading", "Language", "Vocabulary", "Social Studies", "Writing", "Science", "FastMath",
    "Math", "None", "Other",
]  # fmt: skip
Grade = Literal["-1", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13"]
AssignmentStatus = Literal["assigned", "in_progress", "completed", "failed", "expired", "cancelled"]
Name = Annotated[str, StringConstraints(min_length=1, max_length=SHORT_TEXT)]
Id = Annotated[str, StringConstraints(min_length=1, max_length=SHORT_TEXT)]


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _num(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    return None


def _dict(value: Any) -> Wire:
    return value if isinstance(value, dict) else {}


def _dicts(value: Any) -> list[Wire]:
    return [x for x in value if isinstance(x, dict)] if isinstance(value, list) else []


def _strs(value: Any) -> list[str]:
    return [str(x) for x in value] if isinstance(value, list) else []


def _ref(value: Any) -> str | None:
    """A OneRoster reference's id (``{"sourcedId": ...}``) or a bare id."""
    return _str(value.get("sourcedId")) if isinstance(value, dict) else _str(value)


# -- placement --------------------------------------------------------------------------------


class PlacementTestOut(BaseModel):
    id: str | None = Field(description="The placement lesson (a course component resource).")
    lesson: Wire = Field(description=f"The component resource. {AS_SENT}")
    resource: Wire = Field(description=f"Its resource. {AS_SENT}")
    metadata: Wire = Field(description=f"lessonType, subject, grades, course. {AS_SENT}")
    line_item: Wire | None = Field(description=f"Its assessment line item. {AS_SENT}")
    results: list[Wire] | None = Field(description=f"The learner's results. {AS_SENT}")

    @classmethod
    def of(cls, w: Wire) -> PlacementTestOut:
        lesson = _dict(w.get("component_resources"))
        line_item = w.get("assessment_line_items")
        results = w.get("assessment_results")
        return cls(
            id=_str(lesson.get("sourcedId")),
            lesson=lesson,
            resource=_dict(w.get("resources")),
            metadata=_dict(w.get("resources_metadata")),
            line_item=line_item if isinstance(line_item, dict) else None,
            results=_dicts(results) if isinstance(results, list) else None,
        )


class PlacementTestPage(Page[PlacementTestOut]):
    pass


class PlacementLevelOut(BaseModel):
    subject: str
    grade_level: str | None = Field(description="The highest grade placed at; null: none yet.")
    onboarded: bool | None
    available_tests: int | None = Field(description="Placement tests not passed yet.")

    @classmethod
    def of(cls, subject: str, w: Wire) -> PlacementLevelOut:
        return cls(
            subject=subject,
            grade_level=_str(w.get("gradeLevel")),
            onboarded=w.get("onboarded") if isinstance(w.get("onboarded"), bool) else None,
            available_tests=_int(w.get("availableTests")),
        )


class NextPlacementTestOut(PlacementLevelOut):
    lesson: str | None = Field(description="The next placement lesson to take.")
    exhausted_tests: bool | None = Field(description="Every placement test is passed.")

    @classmethod
    def of(cls, subject: str, w: Wire) -> NextPlacementTestOut:
        base = PlacementLevelOut.of(subject, w).model_dump()
        exhausted = w.get("exhaustedTests")
        return cls(
            **base,
            lesson=_str(w.get("lesson")) or None,
            exhausted_tests=exhausted if isinstance(exhausted, bool) else None,
        )


class CourseOut(BaseModel):
    id: str | None
    title: str | None
    course_code: str | None
    grades: list[str]
    subjects: list[str]
    level: str | None
    org_id: str | None
    status: str | None
    date_last_modified: str | None
    metadata: Wire | None = Field(default=None, description=f"The course's. {AS_SENT}")

    @classmethod
    def of(cls, w: Wire) -> CourseOut:
        metadata = w.get("metadata")
        return cls(
            id=_str(w.get("sourcedId")),
            title=_str(w.get("title")),
            course_code=_str(w.get("courseCode")),
            grades=_strs(w.get("grades")),
            subjects=_strs(w.get("subjects")),
            level=_str(w.get("level")),
            org_id=_str(w.get("orgSourcedId")) or _ref(w.get("org")),
            status=_str(w.get("status")),
            date_last_modified=_str(w.get("dateLastModified")),
            metadata=metadata if isinstance(metadata, dict) else None,
        )


class SubjectProgressOut(BaseModel):
    course: CourseOut
    enrolled: bool = Field(description="The learner is enrolled in the course.")
    has_used_test_out: bool
    test_out_lesson_id: str | None
    completed_lessons: int | None
    total_lessons: int | None
    total_attainable_xp: float | None
    total_xp_earned: float | None

    @classmethod
    def of(cls, w: Wire) -> SubjectProgressOut:
        return cls(
            course=CourseOut.of(_dict(w.get("course"))),
            enrolled=w.get("inEnrolled") is True,
            has_used_test_out=w.get("hasUsedTestOut") is True,
            test_out_lesson_id=_str(w.get("testOutLessonId")),
            completed_lessons=_int(w.get("completedLessons")),
            total_lessons=_int(w.get("totalLessons")),
            total_attainable_xp=_num(w.get("totalAttainableXp")),
            total_xp_earned=_num(w.get("totalXpEarned")),
        )


class SubjectProgressPage(Page[SubjectProgressOut]):
    pass


class PlacementOut(BaseModel):
    learner: str
    subject: str
    tests: list[PlacementTestOut]
    level: PlacementLevelOut
    next: NextPlacementTestOut
    progress: list[SubjectProgressOut]


class PlacementReset(BaseModel):
    model_config = ConfigDict(extra="forbid")
    subject: Subject


class PlacementResetOut(BaseModel):
    success: bool
    placement_results_deleted: int | None
    onboarding_reset: bool | None

    @classmethod
    def of(cls, w: Wire) -> PlacementResetOut:
        reset = w.get("onboardingReset")
        return cls(
            success=w.get("success") is True,
            placement_results_deleted=_int(w.get("placementResultsDeleted")),
            onboarding_reset=reset if isinstance(reset, bool) else None,
        )


# -- screening --------------------------------------------------------------------------------


class ScreeningResultOut(BaseModel):
    subject: str
    screened: bool = Field(description="False: PowerPath holds no result for this subject.")
    grade: str | None
    rit_score: float | None
    test_name: str | None
    completed_at: str | None

    @classmethod
    def of(cls, subject: str, w: Wire | None) -> ScreeningResultOut:
        w = w or {}
        return cls(
            subject=subject,
            screened=bool(w),
            grade=_str(w.get("grade")),
            rit_score=_num(w.get("ritScore")),
            test_name=_str(w.get("testName")),
            completed_at=_str(w.get("completedAt")),
        )


class ScreeningResultPage(Page[ScreeningResultOut]):
    pass


class ScreeningAssignmentState(BaseModel):
    assigned_test_key: str | None
    status: str | None
    nwea_status: str | None


class ScreeningSessionOut(BaseModel):
    test_session_id: str | None
    status: str | None
    nwea_student_id: str | None
    name: str | None
    proctor_id: str | None
    term_id: str | None
    created_on: str | None
    pin: str | None = Field(description="The learner's login to the screening test.")
    password: str | None = Field(description="The learner's login to the screening test.")
    assignment: ScreeningAssignmentState

    @classmethod
    def of(cls, w: Wire) -> ScreeningSessionOut:
        a = _dict(w.get("assignment"))
        return cls(
            test_session_id=_str(w.get("testSessionId")),
            status=_str(w.get("status")),
            nwea_student_id=_str(w.get("nweaStudentId")),
            name=_str(w.get("name")),
            proctor_id=_str(w.get("proctorId")),
            term_id=_str(w.get("termId")),
            created_on=_str(w.get("createdOn")),
            pin=_str(w.get("pin")),
            password=_str(w.get("password")),
            assignment=ScreeningAssignmentState(
                assigned_test_key=_str(a.get("assignedTestKey")),
                status=_str(a.get("status")),
                nwea_status=_str(a.get("nweaStatus")),
            ),
        )


class ScreeningAssign(BaseModel):
    model_config = ConfigDict(extra="forbid")
    subject: ScreeningSubject = Field(description="The screening test's subject.")


class ScreeningAssignmentOut(BaseModel):
    assigned_test_key: str | None
    test_name: str | None
    test_session_id: str | None
    status: str | None
    nwea_status: str | None
    student_id: str | None = Field(description="The learner's NWEA id.")
    student_name: str | None
    email: str | None
    updated_on: str | None

    @classmethod
    def of(cls, w: Wire) -> ScreeningAssignmentOut:
        return cls(
            assigned_test_key=_str(w.get("assignedTestKey")),
            test_name=_str(w.get("testName")),
            test_session_id=_str(w.get("testSessionId")),
            status=_str(w.get("status")),
            nwea_status=_str(w.get("nweaStatus")),
            student_id=_str(w.get("studentId")),
            student_name=_str(w.get("studentName")),
            email=_str(w.get("email")),
            updated_on=_str(w.get("updatedOn")),
        )


class ScreeningAssigned(BaseModel):
    learner: str
    subject: str
    assignments: list[ScreeningAssignmentOut]


# -- test assignments -------------------------------------------------------------------------


class TestAssignmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    learner: SourcedId | None = Field(
        default=None, description="The student (default: the caller, when a roster person)."
    )
    subject: AssignmentSubject
    grade: Grade
    test_name: Name | None = Field(default=None, description="Default: PowerPath names it.")


class BulkTestAssignment(TestAssignmentIn):
    learner: SourcedId = Field(description="The student.")


class BulkTestAssignments(BaseModel):
    model_config = ConfigDict(extra="forbid")
    items: list[BulkTestAssignment] = Field(min_length=1, max_length=500)


class TestAssignmentOut(BaseModel):
    id: str
    learner: str | None
    learner_email: str | None
    subject: str | None
    grade: str | None
    status: str | None = Field(examples=["assigned"])
    test_name: str | None
    lesson_id: str | None = Field(description="The test's lesson (start it as any lesson).")
    resource_id: str | None
    assigned_by: str | None
    assigned_at: str | None
    expires_at: str | None
    completed_at: str | None

    @classmethod
    def of(cls, w: Wire) -> TestAssignmentOut:
        return cls(
            id=str(w.get("sourcedId") or ""),
            learner=_str(w.get("studentSourcedId")),
            learner_email=_str(w.get("studentEmail")),
            subject=_str(w.get("subject")),
            grade=None if w.get("grade") is None else str(w["grade"]),
            status=_str(w.get("assignmentStatus")),
            test_name=_str(w.get("testName")),
            lesson_id=_str(w.get("componentResourceSourcedId")),
            resource_id=_str(w.get("resourceSourcedId")),
            assigned_by=_str(w.get("assignedByUserSourcedId")),
            assigned_at=_str(w.get("assignedAt")),
            expires_at=_str(w.get("expiresAt")),
            completed_at=_str(w.get("completedAt")),
        )


class TestAssignmentPage(Page[TestAssignmentOut]):
    pass


class AssignmentMade(BaseModel):
    id: str | None
    lesson_id: str | None
    resource_id: str | None


class AssignmentRowError(BaseModel):
    row: int | None = Field(description="The index in items.")
    message: str | None


class BulkAssigned(BaseModel):
    success: bool = Field(description="Every row was assigned.")
    results: list[AssignmentMade]
    errors: list[AssignmentRowError]

    @classmethod
    def of(cls, w: Wire) -> BulkAssigned:
        return cls(
            success=w.get("success") is True,
            results=[
                AssignmentMade(
                    id=_str(r.get("assignmentId")),
                    lesson_id=_str(r.get("lessonId")),
                    resource_id=_str(r.get("resourceId")),
                )
                for r in _dicts(w.get("results"))
            ],
            errors=[
                AssignmentRowError(row=_int(e.get("row")), message=_str(e.get("message")))
                for e in _dicts(w.get("errors"))
            ],
        )
