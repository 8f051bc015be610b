"""Wire shapes of the Open edX routes (``/v1/lms/...``)."""

from __future__ import annotations

from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from api.paging import Page
from api.schemas.common import Email
from domain.models.lms import (
    BulkEnrollmentResult,
    CodeStatusAction,
    CreatedLmsAccount,
    EnrollmentAction,
    EnrollmentCodes,
    EnrollmentOutcome,
    LmsAccount,
    LmsEnrollment,
)

_KEY_PART = r"[A-Za-z0-9_.~:-]+"
#: an Open edX course key (``course-v1:Org+Number+Run``); checked here because Open edX answers a
#: malformed one with a bare 500. Keys of the old slashed form (before 2015) are not taken.
CourseKey = Annotated[
    str,
    StringConstraints(
        max_length=255, pattern=rf"^course-v1:{_KEY_PART}\+{_KEY_PART}\+{_KEY_PART}$"
    ),
]
#: an account in a path: its username (registration allows letters, digits and ``_ . @ + -``)
#: or, where the route says so, its email
AccountRef = Annotated[
    str, StringConstraints(min_length=2, max_length=320, pattern=r"^[A-Za-z0-9_.@+-]+$")
]
#: an Open edX username (registration allows letters, digits and ``_ . @ + -``)
Username = Annotated[
    str, StringConstraints(min_length=2, max_length=150, pattern=r"^[A-Za-z0-9_.@+-]+$")
]
#: an email or a username in a bulk enrollment: Open edX splits its list on commas and newlines
Identifier = Annotated[
    str, StringConstraints(min_length=1, max_length=320, pattern=r"^[^,\x00-\x20\x7f]+$")
]
#: an enrollment code (Open edX's are 8 letters and digits; older ones longer)
Code = Annotated[str, StringConstraints(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9]+$")]
ProfileValue = Annotated[str, StringConstraints(max_length=1000)]
FieldName = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[a-z_]+$")]
Profile = Annotated[dict[FieldName, ProfileValue], Field(max_length=30)]


class LmsAccountOut(BaseModel):
    user_id: int
    username: str
    email: str
    is_active: bool
    date_joined: AwareDatetime

    @classmethod
    def of(cls, a: LmsAccount) -> LmsAccountOut:
        return cls(
            user_id=a.user_id,
            username=a.username,
            email=a.email,
            is_active=a.is_active,
            date_joined=a.date_joined,
        )


class LmsAccountPage(Page[LmsAccountOut]):
    pass


class NewLmsAccountIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: Email
    name: str = Field(min_length=1, max_length=255, examples=["Ada Lovelace"])
    username: Username | None = Field(
        default=None, description="Needed with a password; without one Open edX picks it."
    )
    password: str | None = Field(
        default=None,
        min_length=1,
        max_length=128,
        description="Without one the account signs in after a password reset.",
    )
    send_activation_email: bool = Field(
        default=False, description="Open edX mails an activation link only when asked."
    )
    profile: Profile = Field(
        default_factory=dict,
        description="Profile and registration-form fields (country, city, year_of_birth, ...).",
    )


class CreatedLmsAccountOut(BaseModel):
    user_id: int
    username: str
    created: bool = Field(
        description="False when a retried create found the account its first attempt made."
    )

    @classmethod
    def of(cls, c: CreatedLmsAccount) -> CreatedLmsAccountOut:
        return cls(user_id=c.user_id, username=c.username, created=c.created)


class ConnectIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: Email | None = None
    name: str | None = Field(default=None, min_length=1, max_length=255)
    password: str | None = Field(default=None, min_length=1, max_length=128)


class ConnectedOut(BaseModel):
    user_id: int


class AccountChangesIn(BaseModel):
    """What to change; fields left out stay as they are. Open edX stores profile values as given."""

    model_config = ConfigDict(extra="forbid")
    email: Email | None = None
    name: str | None = Field(default=None, min_length=1, max_length=255)
    level_of_education: ProfileValue | None = None
    gender: ProfileValue | None = None
    mailing_address: ProfileValue | None = None
    city: ProfileValue | None = None
    country: ProfileValue | None = None
    goals: ProfileValue | None = None
    bio: ProfileValue | None = None
    year_of_birth: int | None = Field(default=None, ge=1900, le=2100)
    language: ProfileValue | None = None
    extension: Profile = Field(
        default_factory=dict, description="The site's registration-form fields."
    )


class UpdatedOut(BaseModel):
    updated: list[str] = Field(description="The fields Open edX reports changed, in its order.")


class GenerateCodesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    course_id: CourseKey = Field(examples=["course-v1:OpenedX+DemoX+DemoCourse"])
    count: int = Field(ge=1, le=500)


class EnrollmentCodesOut(BaseModel):
    course_id: str
    course_url: str = Field(description="The course's about page, relative to the LMS.")
    codes: list[str]

    @classmethod
    def of(cls, c: EnrollmentCodes) -> EnrollmentCodesOut:
        return cls(course_id=c.course_id, course_url=c.course_url, codes=list(c.codes))


class RedeemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: Email | None = Field(
        default=None,
        description="Whose Open edX account to enroll; default and for learners: the caller's.",
    )


class RedemptionOut(BaseModel):
    code: str
    email: str


class CodeStatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    action: CodeStatusAction = Field(
        description="cancel: unusable; restore: usable again. Both unenroll whoever redeemed it."
    )


class CodeStatusOut(BaseModel):
    code: str
    action: CodeStatusAction


class BulkEnrollmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    course_id: CourseKey
    action: EnrollmentAction
    identifiers: list[Identifier] = Field(
        min_length=1, max_length=5000, description="Emails or usernames."
    )
    auto_enroll: bool = Field(
        default=True, description="Enroll people without an account once they get one."
    )
    email_students: bool = False


class PersonEnrollmentOut(BaseModel):
    identifier: str
    outcome: EnrollmentOutcome
    has_account: bool


class BulkEnrollmentOut(BaseModel):
    course_id: str
    action: EnrollmentAction
    results: list[PersonEnrollmentOut]
    counts: dict[EnrollmentOutcome, int] = Field(description="How many people had each outcome.")

    @classmethod
    def of(cls, r: BulkEnrollmentResult) -> BulkEnrollmentOut:
        counts: dict[EnrollmentOutcome, int] = {}
        for p in r.results:
            counts[p.outcome] = counts.get(p.outcome, 0) + 1
        return cls(
            course_id=r.course_id,
            action=r.action,
            results=[
                PersonEnrollmentOut(
                    identifier=p.identifier, outcome=p.outcome, has_account=p.has_account
                )
                for p in r.results
            ],
            counts=counts,
        )


class CertificateOut(BaseModel):
    completion_date: AwareDatetime
    grade: str = Field(examples=["0.85"])
    url: str


class LmsEnrollmentOut(BaseModel):
    enrollment_id: int
    user_id: int
    username: str
    course_id: str
    date_enrolled: AwareDatetime
    certificate: CertificateOut | None = None

    @classmethod
    def of(cls, e: LmsEnrollment) -> LmsEnrollmentOut:
        cert = e.certificate
        return cls(
            enrollment_id=e.enrollment_id,
            user_id=e.user_id,
            username=e.username,
            course_id=e.course_id,
            date_enrolled=e.date_enrolled,
            certificate=CertificateOut(
                completion_date=cert.completion_date, grade=cert.grade, url=cert.url
            )
            if cert is not None
            else None,
        )


class LmsEnrollmentPage(Page[LmsEnrollmentOut]):
    pass
