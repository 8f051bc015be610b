"""Open edX's JSON into the domain's LMS models (and dates the other way)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from domain.models.lms import (
    BulkEnrollmentResult,
    Certificate,
    CodeRefusalReason,
    EnrollmentAction,
    EnrollmentOutcome,
    LmsAccount,
    LmsCourse,
    LmsEnrollment,
    PersonEnrollment,
)

REASONS = {
    "User not found": CodeRefusalReason.USER_NOT_FOUND,
    "Enrollment code not found": CodeRefusalReason.CODE_NOT_FOUND,
    "Enrollment code error": CodeRefusalReason.CODE_ERROR,
    "Enrollment closed": CodeRefusalReason.ENROLLMENT_CLOSED,
    "Course full": CodeRefusalReason.COURSE_FULL,
    "Already enrolled": CodeRefusalReason.ALREADY_ENROLLED,
}


COURSE_KEY = re.compile(r"^course-v1:([^+/]+)\+([^+/]+)\+([^+/]+)$|^([^/+]+)/([^/+]+)/([^/+]+)$")


def course_number(course_id: str) -> str | None:
    """The course's number (``DemoX`` of ``course-v1:OpenedX+DemoX+DemoCourse``); None when the
    string is no course key."""
    match = COURSE_KEY.match(course_id)
    if match is None:
        return None
    return match.group(2) or match.group(5)


def course_key_of(row: Mapping[str, Any]) -> str:
    return str(row.get("course_id") or row.get("id") or "")


def course_from(row: Mapping[str, Any]) -> LmsCourse:
    start = row.get("start")
    return LmsCourse(
        course_id=course_key_of(row),
        name=str(row.get("name", "")),
        org=str(row.get("org", "")),
        number=str(row.get("number", "")),
        start=parse_moment(start) if isinstance(start, str) and start else None,
    )


def code_refusal(reason: str) -> CodeRefusalReason:
    return REASONS.get(reason, CodeRefusalReason.UNSPECIFIED)


def upstream_date(moment: datetime) -> str:
    """UTC without a zone: the enrollment batch overwrites any zone it is given with UTC."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.replace(tzinfo=None).isoformat(timespec="microseconds")


def parse_moment(value: object) -> datetime:
    """DRF's ``...Z`` and Python's ``str(datetime)`` (a space, ``+00:00``) alike."""
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def account_from(row: Mapping[str, Any]) -> LmsAccount:
    return LmsAccount(
        user_id=int(row["id"]),
        username=str(row["username"]),
        email=str(row["email"]),
        is_active=bool(row["is_active"]),
        date_joined=parse_moment(row["date_joined"]),
    )


def enrollment_from(row: Mapping[str, Any]) -> LmsEnrollment:
    cert = row.get("certificate")
    return LmsEnrollment(
        enrollment_id=int(row["enrollment_id"]),
        user_id=int(row["user_id"]),
        username=str(row["username"]),
        course_id=str(row["course_id"]),
        date_enrolled=parse_moment(row["date_enrolled"]),
        certificate=Certificate(
            completion_date=parse_moment(cert["completion_date"]),
            grade=str(cert["grade"]),
            url=str(cert["url"]),
        )
        if isinstance(cert, Mapping)
        else None,
    )


def bulk_result_from(
    reply: Mapping[str, Any], course_id: str, action: EnrollmentAction
) -> BulkEnrollmentResult:
    course = reply["courses"][course_id]
    return BulkEnrollmentResult(
        course_id=course_id,
        action=action,
        results=tuple(_person(r, action) for r in course["results"]),
    )


def _person(row: Mapping[str, Any], action: EnrollmentAction) -> PersonEnrollment:
    identifier = str(row["identifier"])
    if row.get("invalidIdentifier"):
        return PersonEnrollment(
            identifier=identifier, outcome=EnrollmentOutcome.INVALID_IDENTIFIER, has_account=False
        )
    if row.get("error") or "before" not in row:
        return PersonEnrollment(
            identifier=identifier, outcome=EnrollmentOutcome.FAILED, has_account=False
        )
    before, after = row["before"], row["after"]
    has_account = bool(before.get("user"))
    return PersonEnrollment(
        identifier=identifier, outcome=_outcome(before, after, action), has_account=has_account
    )


def _outcome(
    before: Mapping[str, Any], after: Mapping[str, Any], action: EnrollmentAction
) -> EnrollmentOutcome:
    if action is EnrollmentAction.ENROLL:
        if before.get("enrollment"):
            return EnrollmentOutcome.ALREADY_ENROLLED
        if after.get("enrollment"):
            return EnrollmentOutcome.ENROLLED
        if after.get("allowed"):
            return EnrollmentOutcome.ALLOWED
        return EnrollmentOutcome.FAILED
    if before.get("enrollment") and not after.get("enrollment"):
        return EnrollmentOutcome.UNENROLLED
    if before.get("allowed") and not after.get("allowed"):
        return EnrollmentOutcome.DISALLOWED
    return EnrollmentOutcome.NOT_ENROLLED
