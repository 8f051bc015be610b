"""Bodies of roster writes, in OneRoster 1.2's shapes and envelopes (``{"user": {...}}``).

``sourcedId`` is optional on create: TimeBack allocates one (``sourcedIdPairs``). Updates take
the same fields, all optional, merged into the stored record. Unknown properties are kept and
passed on (OneRoster objects carry extensions), but the ones named here must have these types.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, create_model

from api.schemas.common import SHORT_TEXT, Metadata, SourcedId

Text = Field(min_length=1, max_length=SHORT_TEXT)
#: an optional name, code or number
OptionalText = Field(default=None, max_length=SHORT_TEXT)
#: A calendar date as OneRoster writes it; a plain pattern, so that numbers are not read as dates
DateText = Annotated[
    str,
    Field(pattern="^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$", examples=["2026-09-01"]),
]
Status = Literal["active", "tobedeleted"]


class _OneRoster(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)

    sourcedId: SourcedId | None = None
    status: Status | None = None
    metadata: Metadata | None = None


class Ref(BaseModel):
    """A reference to another OneRoster object."""

    model_config = ConfigDict(extra="allow")

    sourcedId: SourcedId
    type: str | None = None
    href: str | None = None


class UserRoleIn(BaseModel):
    model_config = ConfigDict(extra="allow")

    roleType: Literal["primary", "secondary"] = "primary"
    role: Literal[
        "administrator",
        "aide",
        "guardian",
        "parent",
        "proctor",
        "relative",
        "student",
        "teacher",
    ]
    org: Ref
    beginDate: DateText | None = None
    endDate: DateText | None = None


class UserIn(_OneRoster):
    enabledUser: StrictBool
    givenName: str = Text
    familyName: str = Text
    middleName: str | None = OptionalText
    preferredFirstName: str | None = OptionalText
    username: str | None = OptionalText
    identifier: str | None = OptionalText
    email: str = Field(min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")
    roles: list[UserRoleIn] = Field(min_length=1, max_length=50)
    primaryOrg: Ref | None = None
    agents: list[Ref] | None = None
    grades: list[str] | None = None
    phone: str | None = OptionalText
    sms: str | None = OptionalText


class ClassIn(_OneRoster):
    title: str = Text
    classCode: str | None = OptionalText
    classType: Literal["homeroom", "scheduled"] | None = None
    location: str | None = OptionalText
    grades: list[str] | None = None
    subjects: list[str] | None = None
    course: Ref
    org: Ref = Field(description="The school (TimeBack also reads `school`).")
    terms: list[Ref] = Field(min_length=1, max_length=50)
    periods: list[str] | None = None


class CourseIn(_OneRoster):
    title: str = Text
    courseCode: str | None = OptionalText
    grades: list[str] | None = None
    subjects: list[str] | None = None
    org: Ref
    schoolYear: Ref | None = None


class OrgIn(_OneRoster):
    name: str = Text
    type: Literal["department", "school", "district", "local", "state", "national"] = "school"
    identifier: str | None = OptionalText
    parent: Ref | None = None


class AcademicSessionIn(_OneRoster):
    title: str = Text
    type: Literal["gradingPeriod", "semester", "schoolYear", "term"]
    startDate: DateText | None = None
    endDate: DateText | None = None
    schoolYear: str | None = Field(default=None, pattern=r"^[0-9]{4}$")
    parent: Ref | None = None
    org: Ref | None = None


class EnrollmentIn(_OneRoster):
    role: Literal["administrator", "proctor", "student", "teacher", "aide", "guardian", "parent"]
    user: Ref
    class_: Ref = Field(alias="class")
    school: Ref | None = None
    primary: StrictBool | None = None
    beginDate: DateText | None = None
    endDate: DateText | None = None


class EnrollIn(BaseModel):
    """Enrolling someone in a class: who, and optionally since and until when."""

    model_config = ConfigDict(extra="forbid")

    user: Ref
    primary: StrictBool | None = None
    beginDate: DateText | None = None
    endDate: DateText | None = None
    metadata: Metadata | None = None


class EnrollBody(BaseModel):
    enrollment: EnrollIn


class AgentIn(BaseModel):
    """``POST /users/{id}/agents``, as TimeBack takes it."""

    model_config = ConfigDict(extra="forbid")

    agentSourcedId: SourcedId


def partial(model: type[BaseModel]) -> type[BaseModel]:
    """The same fields, all optional and without defaults, for a merge update."""
    fields: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        annotation: Any = info.annotation
        if info.metadata:  # keep the constraints (lengths, patterns) of the create fields
            annotation = Annotated.__class_getitem__((annotation, *info.metadata))  # type: ignore[attr-defined]
        fields[name] = (
            annotation | None,
            Field(default=None, alias=info.alias, description=info.description),
        )
    changed: type[BaseModel] = create_model(
        f"{model.__name__.removesuffix('In')}Changes",
        __config__=ConfigDict(extra="allow", populate_by_name=True),
        **fields,
    )
    return changed


def envelope(name: str, key: str, inner: type[BaseModel]) -> type[BaseModel]:
    definitions: dict[str, Any] = {key: (inner, ...)}
    model: type[BaseModel] = create_model(name, **definitions)
    return model


def wire(entity: BaseModel) -> dict[str, Any]:
    """What goes to TimeBack: the fields the caller sent, under OneRoster's names. ``null`` is
    the same as leaving a field out: TimeBack refuses nulls in fields it requires or parses."""
    return entity.model_dump(mode="json", by_alias=True, exclude_unset=True, exclude_none=True)
