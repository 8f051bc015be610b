"""``bulk-enrollment/bulk-enroll`` and ``enrollment-codes/*``.

Bulk enrollment is Open edX's instructor ``students_update_enrollment`` per course: identifiers
trimmed, courses split on ``,`` untrimmed, unknown emails remembered as *allowed*, malformed ones
``invalidIdentifier``. Enrollment codes follow the plugin: no validation on generate (a bad key or
count escapes as a 500), codes redeemable again, a cancelled code "not found", ``status`` a no-op
success for any other action.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import datetime

from starlette.responses import Response

from simulators.appsembler.state import Account, LmsState, RegistrationCode
from simulators.appsembler.wire import is_course_key, is_email, json, server_error, text

ACTIONS = ("enroll", "unenroll")
# the plugin's code alphabet: letters and digits without vowels, 1 and l (easily misread)
CODE_ALPHABET = "".join(
    c
    for c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    if c not in "aeiouAEIOU1l"
)
CODE_LENGTH = 8
TRUE = ("true", "True", "1", "yes", "on", True, 1)
FALSE = ("false", "False", "0", "no", "off", False, 0, "")


def _boolean(body: Mapping[str, object], key: str, errors: dict[str, list[str]]) -> bool:
    value = body.get(key, False)
    if isinstance(value, str | bool | int) and value in TRUE:
        return True
    if isinstance(value, str | bool | int) and value in FALSE:
        return False
    errors[key] = ["Must be a valid boolean."]
    return False


def _split_identifiers(raw: str) -> list[str]:
    return [p.strip() for p in raw.replace("\n", ",").split(",") if p.strip()]


def bulk_enroll(state: LmsState, body: Mapping[str, object], now: datetime) -> Response:
    errors: dict[str, list[str]] = {}
    identifiers, courses, action = (
        text(body, "identifiers"),
        text(body, "courses"),
        text(body, "action"),
    )
    if not identifiers:
        errors["identifiers"] = ["This field is required."]
    if not courses:
        errors["courses"] = ["This field is required."]
    else:
        bad = next((c for c in courses.split(",") if not is_course_key(c)), None)
        if bad is not None:  # no trimming: "a, b" fails on " b"
            errors["courses"] = [f"Course key not valid: {bad}"]
    if not action:
        errors["action"] = ["This field is required."]
    elif action not in ACTIONS:
        errors["action"] = [f'"{action}" is not a valid choice.']
    auto_enroll = _boolean(body, "auto_enroll", errors)
    email_students = _boolean(body, "email_students", errors)
    if errors:
        return json(errors, 400)
    keys = courses.split(",")
    if any(k not in state.courses for k in keys):
        return json({"detail": "Not found."}, 404)
    people = _split_identifiers(identifiers)
    per_course = {
        key: {
            "action": action,
            "results": [_one(state, key, who, action, auto_enroll, now) for who in people],
            "auto_enroll": auto_enroll,
        }
        for key in keys
    }
    return json(
        {
            "auto_enroll": auto_enroll,
            "email_students": email_students,
            "action": action,
            "courses": per_course,
        }
    )


def _state(state: LmsState, course_id: str, email: str) -> dict[str, bool]:
    account = state.by_email.get(email.lower())
    allowed = state.allowed.get(email.lower(), {})
    return {
        "user": account is not None,
        "enrollment": account is not None and state.is_enrolled(account.id, course_id),
        "allowed": course_id in allowed,
        "auto_enroll": allowed.get(course_id, False),
    }


def _one(
    state: LmsState, course_id: str, identifier: str, action: str, auto: bool, now: datetime
) -> dict[str, object]:
    account: Account | None = (
        state.by_email.get(identifier.lower())
        if "@" in identifier
        else state.by_username.get(identifier)
    )
    email = account.email if account is not None else identifier
    if account is None and not is_email(email):
        return {"identifier": identifier, "invalidIdentifier": True}
    if account is not None and account.retired:  # the lookup of a retired user raises
        return {"identifier": identifier, "error": True}
    before = _state(state, course_id, email)
    if action == "enroll":
        if account is not None:
            state.enroll(account.id, course_id, now)
        else:
            state.allow(email, course_id, auto_enroll=auto)
    else:
        if account is not None:
            state.unenroll(account.id, course_id)
        state.allowed.get(email.lower(), {}).pop(course_id, None)
    return {"identifier": identifier, "before": before, "after": _state(state, course_id, email)}


# -- enrollment codes ---------------------------------------------------------------------------


def generate_codes(
    state: LmsState, body: Mapping[str, object], user: Account, public_url: str
) -> Response:
    course_id = text(body, "course_id")
    raw = body.get("total_registration_codes")
    try:
        count = int(float(str(raw))) if raw is not None else None
    except ValueError:
        count = None
    if not is_course_key(course_id) or count is None:
        return server_error()  # InvalidKeyError / TypeError escape the view
    codes = []
    for _ in range(count):
        code = _new_code(state)
        state.codes[code] = RegistrationCode(code, course_id, user.id)
        codes.append(code)
    return json(
        {"codes": codes, "course_id": course_id, "course_url": f"/courses/{course_id}/about"}
    )


def _new_code(state: LmsState) -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if code not in state.codes:
            return code


def enroll_user(
    state: LmsState, body: Mapping[str, object], now: datetime
) -> tuple[Response, bool]:
    """The reply, and whether the code was invalid (only those count toward the rate limit)."""
    account = state.by_email.get(text(body, "email").lower()) if text(body, "email") else None
    reason = "" if account is not None else "User not found"
    code = state.codes.get(text(body, "enrollment_code"))
    invalid = code is None or not code.is_valid
    if invalid:
        reason = "Enrollment code not found"  # last write wins over "User not found"
    if account is not None and code is not None and not invalid:
        course = state.courses.get(code.course_id)
        if course is None or not course.has_default_mode:
            reason = "Enrollment code error"
        elif state.is_enrolled(account.id, course.course_id):
            reason = "Already enrolled"
        elif course.enrollment_closed:
            reason = "Enrollment closed"
        elif course.max_students is not None and state.active_count(course.course_id) >= (
            course.max_students
        ):
            reason = "Course full"
        else:
            state.enroll(account.id, course.course_id, now)
            code.redeemed_by = account.id
            return json({"success": True}), False
    return json({"success": False, "reason": reason}, 400), invalid


def code_status(state: LmsState, body: Mapping[str, object]) -> Response:
    value = text(body, "enrollment_code")
    code = state.codes.get(value)
    if code is None:
        return json(
            {"reason": f"The enrollment code ({value}) was not found", "success": False}, 400
        )
    action = text(body, "action")
    if action in ("cancel", "restore"):
        if code.redeemed_by is not None:
            state.unenroll(code.redeemed_by, code.course_id)
            code.redeemed_by = None
        code.is_valid = action == "restore"
    return json({"success": True})
