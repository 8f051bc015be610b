"""``analytics/accounts/batch`` and ``analytics/enrollment/batch``: unpaginated arrays.

Filters are exclusive and apply to ``date_joined`` and the enrollment's ``created`` whatever their
``updated_*`` names say; any date dateutil reads is accepted and anything else escapes as a 500.
The enrollment batch ORs in every enrollment of the users holding a certificate that matches the
same filters, so it can answer enrollments in other courses than the one asked for. It lists
enrollments whatever their state: Open edX keeps the row of an unenrollment.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from starlette.datastructures import QueryParams
from starlette.responses import Response

from simulators.appsembler.state import Certificate, Enrollment, LmsState
from simulators.appsembler.wire import is_course_key, iso, json, parse_date, server_error


def accounts_batch(state: LmsState, query: QueryParams) -> Response:
    try:
        after = _date(query.get("updated_min"))
        before = _date(query.get("updated_max"))
    except ValueError:
        return server_error()
    return json(
        [
            {
                "id": a.id,
                "username": a.username,
                "email": a.email,
                "is_active": a.is_active,
                "date_joined": iso(a.date_joined),
            }
            for a in state.joined_between(after, before)
        ]
    )


def _date(value: str | None) -> datetime | None:
    return parse_date(value) if value else None


def enrollment_batch(state: LmsState, query: QueryParams, public_url: str) -> Response:
    course_id = (query.get("course_id") or "").replace(" ", "+")  # Django decoded "+" as " "
    username = query.get("username") or None
    try:
        # the view overwrites any zone the date had with UTC
        after = _date(query.get("updated_min"))
        before = _date(query.get("updated_max"))
        after = after.replace(tzinfo=UTC) if after else None
        before = before.replace(tzinfo=UTC) if before else None
    except ValueError:
        return server_error()
    if course_id and not is_course_key(course_id):
        return server_error()
    user_id: int | None = None
    if username is not None:
        account = state.by_username.get(username)
        user_id = account.id if account else -1

    def between(moment: datetime) -> bool:
        return (after is None or moment > after) and (before is None or moment < before)

    rows: dict[int, Enrollment] = {
        e.id: e for e in _enrollments(state, course_id, user_id) if between(e.created)
    }
    for cert in _certificates(state, course_id, user_id):
        if between(cert.created):
            rows.update((e.id, e) for e in state.by_user.get(cert.user_id, {}).values())
    return json([_enrollment_json(state, e, public_url) for _, e in sorted(rows.items())])


def _enrollments(state: LmsState, course_id: str, user_id: int | None) -> Iterable[Enrollment]:
    if course_id:
        found = state.by_course.get(course_id, {})
        if user_id is None:
            return found.values()
        one = found.get(user_id)
        return [one] if one else []
    if user_id is not None:
        return state.by_user.get(user_id, {}).values()
    return state.enrollments.values()


def _certificates(state: LmsState, course_id: str, user_id: int | None) -> Iterable[Certificate]:
    if course_id:
        found = state.certificates.get(course_id, {})
        if user_id is None:
            return found.values()
        one = found.get(user_id)
        return [one] if one else []
    if user_id is not None:
        return [
            c
            for course in state.certified_courses.get(user_id, ())
            if (c := state.certificate(user_id, course)) is not None
        ]
    return [c for per_course in state.certificates.values() for c in per_course.values()]


def _enrollment_json(state: LmsState, e: Enrollment, public_url: str) -> dict[str, object]:
    account = state.accounts[e.user_id]
    row: dict[str, object] = {
        "enrollment_id": e.id,
        "user_id": e.user_id,
        "username": account.username,
        "course_id": e.course_id,
        "date_enrolled": iso(e.created),
    }
    cert = state.certificate(e.user_id, e.course_id)
    if cert is not None:
        row["certificate"] = {
            "completion_date": str(cert.created),  # Python's str(): a space, not a "T"
            "grade": cert.grade,
            "url": f"{public_url}/certificates/{cert.verify_uuid}",
        }
    return row
