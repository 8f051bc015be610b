"""The LMS port over the Appsembler API: every quirk of the wire stops here.

Read on the way in: ``{"user_id ": N}`` (create's trailing space), 404s with no body, 409 for a
malformed email on connect, enroll-user's 403 that is a rate limit, reasons as Open edX's prose,
the enrollment batch's extra rows (enrollments of certified users in other courses) and its
zone-blind date filters, ``completion_date`` in Python's ``str(datetime)``.

Retries (``RetryPolicy``, shared with TimeBack): reads always; POSTs whose repetition leaves the
same state (connect, update_user, code status, bulk enrollment: enrolling someone enrolled is a
no-op) as if they were PUTs; account creation, code generation and redemption never blindly. A
create whose answer was lost looks the email up before deciding whether to try again.
"""

from __future__ import annotations

import json as jsonlib
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import httpx

from adapters.appsembler.errors import (
    AppsemblerAmbiguousLookup,
    AppsemblerCodeNotFound,
    AppsemblerCodeRefused,
    AppsemblerCourseNotFound,
    AppsemblerError,
    AppsemblerInvalidValue,
    AppsemblerNotFound,
    AppsemblerRateLimited,
    AppsemblerUnavailable,
    AppsemblerUserExists,
    AppsemblerUserNotFound,
    as_appsembler_error,
    error_from_response,
)
from adapters.appsembler.mapping import (
    account_from,
    bulk_result_from,
    code_refusal,
    course_from,
    course_key_of,
    course_number,
    enrollment_from,
    upstream_date,
)
from adapters.http.errors import to_domain_error
from adapters.timeback.retrying import RetryPolicy
from domain.errors import DomainError, Throttled, UpstreamRateLimited, UpstreamRefusedInput
from domain.models.lms import (
    AccountFilter,
    AccountMatches,
    BulkEnrollmentResult,
    CodeStatusAction,
    CourseRole,
    CreatedLmsAccount,
    EnrollmentAction,
    EnrollmentCodeNotFound,
    EnrollmentCodeRefused,
    EnrollmentCodes,
    EnrollmentFilter,
    LmsAccount,
    LmsAccountExists,
    LmsAccountNotFound,
    LmsAmbiguousLookup,
    LmsCourse,
    LmsCourseNotFound,
    LmsEnrollment,
    LmsRolesUnsupported,
    NewLmsAccount,
    PersonEnrollment,
)
from domain.ports.lms import Lms

API = "/appsembler_api/v0"
GET_USER_USERNAME = re.compile(r"[\w.+-]+")
UPSTREAM = "appsembler"
#: identifiers per bulk-enroll call: one answer stays small while a class of any size takes few
BULK_CHUNK = 250


class AppsemblerLms(Lms):
    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        retry: RetryPolicy | None = None,
        edx_api_key: str | None = None,
        bulk_chunk: int = BULK_CHUNK,
    ) -> None:
        self.http = http
        self.retry = retry or RetryPolicy()
        self._api_key_headers = {"X-Edx-Api-Key": edx_api_key} if edx_api_key else {}
        self.bulk_chunk = bulk_chunk

    # -- accounts -------------------------------------------------------------------------------

    async def find_accounts(
        self, *, emails: Iterable[str] = (), usernames: Iterable[str] = ()
    ) -> AccountMatches:
        wanted_emails = {e.lower() for e in emails}
        wanted_names = set(usernames)
        by_email: dict[str, LmsAccount] = {}
        by_username: dict[str, LmsAccount] = {}
        if not wanted_emails and not wanted_names:
            return AccountMatches()
        for account in await self.accounts(AccountFilter()):
            if account.email.lower() in wanted_emails:
                by_email[account.email.lower()] = account
            if account.username in wanted_names:
                by_username[account.username] = account
        return AccountMatches(by_email=by_email, by_username=by_username)

    async def username_exists(self, username: str) -> bool:
        if not GET_USER_USERNAME.fullmatch(username):
            # get-user's URL regex stops at the first other character ("jo@x.com" asks for "jo")
            return username in (await self.find_accounts(usernames=[username])).by_username
        try:
            await self._json("GET", f"accounts/get-user/{username}")
        except LmsAccountNotFound:
            return False
        return True

    async def create_account(self, account: NewLmsAccount) -> CreatedLmsAccount:
        body: dict[str, str] = {**account.profile, "email": account.email, "name": account.name}
        if account.password is None:
            path = "accounts/user_without_password"
        else:
            if not account.username:
                raise UpstreamRefusedInput(
                    "a username is needed with a password", upstream=UPSTREAM, field="username"
                )
            path = "accounts/create"
            body |= {"username": account.username, "password": account.password}
            # the view sends the mail unless given exactly the string "False"
            body["send_activation_email"] = "True" if account.send_activation_email else "False"
        try:
            reply = await self._post_once(path, body)
        except AppsemblerUnavailable as lost:
            # the create may have happened: the account list says, not a second create
            found = (await self.find_accounts(emails=[account.email])).by_email
            if account.email.lower() in found:
                made = found[account.email.lower()]
                return CreatedLmsAccount(
                    user_id=made.user_id, username=made.username, created=False
                )
            try:
                reply = await self._post_once(path, body)
            except AppsemblerError as again:
                raise _domain(again) from lost
        except AppsemblerError as err:
            raise _domain(err) from err
        user_id = reply.get("user_id ", reply.get("user_id"))  # sic: create's key has a space
        if not isinstance(user_id, int):
            raise _domain(AppsemblerUnavailable("Appsembler create answered no user id"))
        username = reply.get("username", account.username)
        return CreatedLmsAccount(user_id=user_id, username=str(username))

    async def connect_account(
        self,
        username: str,
        *,
        email: str | None = None,
        name: str | None = None,
        password: str | None = None,
    ) -> int:
        body = {
            "username": username,
            "email": email or "",
            "name": name or "",
            "password": password or "",
        }
        reply = await self._json("POST", "accounts/connect", json=body, idempotent=True)
        return int(reply["user_id"])

    async def update_account(self, lookup: str, changes: Mapping[str, str]) -> Sequence[str]:
        body = {**changes, "user_lookup": lookup}
        reply = await self._json("POST", "accounts/update_user", json=body, idempotent=True)
        listed = str(reply.get("success", "")).split(": ", 1)[-1]
        return [part.split("=", 1)[0] for part in listed.split(", ") if "=" in part]

    # -- enrollments ----------------------------------------------------------------------------

    async def bulk_enrollment(
        self,
        course_id: str,
        identifiers: Sequence[str],
        action: EnrollmentAction,
        *,
        auto_enroll: bool = True,
        email_students: bool = False,
    ) -> BulkEnrollmentResult:
        results: list[PersonEnrollment] = []
        for start in range(0, len(identifiers), self.bulk_chunk):
            chunk = identifiers[start : start + self.bulk_chunk]
            body = {
                "action": action.value,
                "identifiers": ",".join(i.strip() for i in chunk),
                "courses": course_id.strip(),  # the API splits on "," and trims nothing
                "auto_enroll": auto_enroll,
                "email_students": email_students,
            }
            try:
                reply = await self._json(
                    "POST",
                    "bulk-enrollment/bulk-enroll",
                    json=body,
                    idempotent=True,
                    headers=self._api_key_headers,
                )
            except DomainError as err:
                if isinstance(err.__cause__, AppsemblerNotFound):
                    raise LmsCourseNotFound(f"Open edX has no course {course_id}") from err
                raise
            results += bulk_result_from(reply, course_id, action).results
        return BulkEnrollmentResult(course_id=course_id, action=action, results=tuple(results))

    async def generate_codes(self, course_id: str, count: int) -> EnrollmentCodes:
        body = {"course_id": course_id, "total_registration_codes": count}
        try:
            reply = await self._post_once("enrollment-codes/generate", body)
        except AppsemblerError as err:
            raise _domain(err) from err
        return EnrollmentCodes(
            course_id=str(reply["course_id"]),
            codes=tuple(str(c) for c in reply["codes"]),
            course_url=str(reply["course_url"]),
        )

    async def redeem_code(self, code: str, email: str) -> None:
        try:
            response = await self._send(
                "POST",
                "enrollment-codes/enroll-user",
                json={"email": email, "enrollment_code": code},
                idempotent=False,
            )
        except AppsemblerError as err:
            raise _domain(err) from err
        if response.status_code == 400:
            reason = str(_body(response).get("reason", ""))
            raise EnrollmentCodeRefused(
                f"Open edX did not redeem the code: {reason or 'no reason given'}",
                reason=code_refusal(reason),
            )
        if response.status_code == 403:
            # django-ratelimit's PermissionDenied: 6 unknown codes a minute per token user. The
            # attempts were the callers' (guessing codes), so it is their throttle, not an outage
            raise Throttled("Too many unknown enrollment codes; try again in a minute.",
                            retry_after=60)  # fmt: skip
        _check(response)

    async def set_code_status(self, code: str, action: CodeStatusAction) -> None:
        try:
            response = await self._send(
                "POST",
                "enrollment-codes/status",
                json={"enrollment_code": code, "action": action.value},
                idempotent=True,
            )
        except AppsemblerError as err:
            raise _domain(err) from err
        if response.status_code == 400:
            raise EnrollmentCodeNotFound(f"no enrollment code {code}")
        _check(response)

    # -- courses ----------------------------------------------------------------------------------

    async def course(self, course_id: str) -> LmsCourse | None:
        number = course_number(course_id)
        if number is None:
            return None
        # search_courses (the course list API filtered by the search index) is the one course
        # read the API offers; the key's number narrows it to a handful
        reply = await self._json("GET", "search_courses", params={"search_term": number})
        results = reply.get("results", []) if isinstance(reply, dict) else []
        found = next((c for c in results if course_key_of(c) == course_id), None)
        return course_from(found) if found is not None else None

    # -- course roles (Appsembler's Hawthorn fork) ----------------------------------------------

    async def course_roles(self, course_id: str) -> Mapping[CourseRole, Sequence[str]]:
        return await self._roles("GET", course_id)

    async def grant_course_role(
        self, course_id: str, role: CourseRole, identifiers: Sequence[str]
    ) -> Mapping[CourseRole, Sequence[str]]:
        body = {"roles": {role.value: list(identifiers)}}
        return await self._roles("PUT", course_id, json=body)

    async def revoke_course_role(
        self, course_id: str, role: CourseRole, identifiers: Sequence[str]
    ) -> Mapping[CourseRole, Sequence[str]]:
        roles = jsonlib.dumps({role.value: list(identifiers)})
        return await self._roles("DELETE", course_id, params={"roles": roles})

    async def _roles(
        self, method: str, course_id: str, **kwargs: Any
    ) -> Mapping[CourseRole, Sequence[str]]:
        path = f"courses/{course_id}/roles"
        response = await self._send(method, path, **kwargs)  # PUT and DELETE are idempotent
        if response.status_code == 404:
            if "json" not in response.headers.get("content-type", ""):
                # Django's own 404 page: no route, so a site without the roles API
                raise LmsRolesUnsupported(
                    "this Open edX has no course roles API", upstream=UPSTREAM
                )
            raise LmsCourseNotFound(f"Open edX has no course {course_id}")
        try:
            reply = _check(response).json()
        except AppsemblerError as err:
            raise _domain(err) from err
        listed = reply.get("roles", {}) if isinstance(reply, dict) else {}
        return {
            role: tuple(str(p["username"]) for p in listed.get(role.value, ()))
            for role in CourseRole
        }

    # -- analytics ------------------------------------------------------------------------------

    async def accounts(self, where: AccountFilter) -> Sequence[LmsAccount]:
        params = _dates(where.joined_after, where.joined_before)
        rows = await self._json("GET", "analytics/accounts/batch", params=params)
        return [account_from(r) for r in _rows(rows)]

    async def enrollments(self, where: EnrollmentFilter) -> Sequence[LmsEnrollment]:
        params = _dates(where.enrolled_after, where.enrolled_before)
        if where.course_id:
            params["course_id"] = where.course_id
        if where.username:
            params["username"] = where.username
        rows = await self._json("GET", "analytics/enrollment/batch", params=params)
        found = [enrollment_from(r) for r in _rows(rows)]
        # the batch ORs in every enrollment of users certified under the same filters
        return [
            e
            for e in found
            if (not where.course_id or e.course_id == where.course_id)
            and (not where.username or e.username == where.username)
            and (where.enrolled_after is None or e.date_enrolled > where.enrolled_after)
            and (where.enrolled_before is None or e.date_enrolled < where.enrolled_before)
        ]

    # -- plumbing -------------------------------------------------------------------------------

    async def _send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json: object = None,
        idempotent: bool = True,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        url = f"{API}/{path}"

        async def send() -> httpx.Response:
            return await self.http.request(method, url, params=params, json=json, headers=headers)

        # an idempotent POST is retried as a PUT would be
        label = method if method == "GET" or not idempotent else "PUT"
        try:
            return await self.retry.call(label, send)
        except Exception as exc:
            raise as_appsembler_error(exc) from exc

    async def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = _check(await self._send(method, path, **kwargs))
            return response.json()
        except AppsemblerError as err:
            raise _domain(err) from err
        except ValueError as exc:
            raise _domain(as_appsembler_error(exc)) from exc

    async def _post_once(self, path: str, body: Mapping[str, object]) -> dict[str, Any]:
        """A POST that is not safe to repeat: sent again only if it never left (no connection)."""
        response = _check(await self._send("POST", path, json=body, idempotent=False))
        try:
            data = response.json()
        except ValueError as exc:
            raise as_appsembler_error(exc) from exc
        if not isinstance(data, dict):
            raise AppsemblerUnavailable(f"unexpected answer from Appsembler to {path}")
        return data


def _body(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _check(response: httpx.Response) -> httpx.Response:
    """The response, or the typed error each documented failure deserves."""
    if response.is_success:
        return response
    status, body = response.status_code, _body(response)
    path = response.request.url.path
    message = next(
        (
            str(body[k])
            for k in (
                "user_message",
                "lookup_error",
                "integrity_error",
                "reason",
                "user_not_found",
                "detail",
            )
            if k in body
        ),
        "",
    )
    if status == 404 and "/accounts/" in path:
        error: AppsemblerError = AppsemblerUserNotFound(
            message or "Open edX has no such account", status=404
        )
    elif status == 404 and "bulk-enroll" in path:
        error = AppsemblerCourseNotFound("Open edX has no such course", status=404)
    elif status == 409 and "Invalid email format" in message:  # connect's 409 is a bad value
        error = AppsemblerInvalidValue(message, status=409, field="email")
    elif status == 409 or (status == 400 and "already exists" in str(body.get("integrity_error"))):
        # update_user says a taken email with a 400, create and connect with a 409
        error = AppsemblerUserExists(message, status=status)
    elif status == 400 and "Two users" in message:
        error = AppsemblerAmbiguousLookup(message, status=400)
    elif status == 400 and "enrollment code" in message and "not found" in message:
        error = AppsemblerCodeNotFound(message, status=400)
    elif status == 400 and "reason" in body and "success" in body:
        error = AppsemblerCodeRefused(message, reason=str(body["reason"]))
    elif status == 400 and ("user_message" in body or "integrity_error" in body):
        field = "email" if "mail" in message else None
        error = AppsemblerInvalidValue(message, status=400, field=field)
    elif status == 400 and body and all(isinstance(v, list) for v in body.values()):
        field = next(iter(body))
        error = AppsemblerInvalidValue(f"{field}: {body[field][0]}", status=400, field=field)
    else:
        error = error_from_response(response)
    raise error


def _domain(err: AppsemblerError) -> DomainError:
    if isinstance(err, AppsemblerUserExists):
        return LmsAccountExists(f"Open edX: {err.message}")
    if isinstance(err, AppsemblerUserNotFound):
        return LmsAccountNotFound(f"Open edX: {err.message}")
    if isinstance(err, AppsemblerCourseNotFound):
        return LmsCourseNotFound(err.message)
    if isinstance(err, AppsemblerAmbiguousLookup):
        return LmsAmbiguousLookup(f"Open edX: {err.message}", field="lookup")
    if isinstance(err, AppsemblerCodeNotFound):
        return EnrollmentCodeNotFound(err.message)
    if isinstance(err, AppsemblerCodeRefused):
        return EnrollmentCodeRefused(
            f"Open edX did not redeem the code: {err.reason}", reason=code_refusal(err.reason)
        )
    if isinstance(err, AppsemblerInvalidValue):
        return UpstreamRefusedInput(err.message, upstream=UPSTREAM, field=err.field)
    if isinstance(err, AppsemblerRateLimited):
        return UpstreamRateLimited(err.message, upstream=UPSTREAM, retry_after=err.retry_after)
    return to_domain_error(err)


def _dates(after: datetime | None, before: datetime | None) -> dict[str, str]:
    params = {}
    if after is not None:
        params["updated_min"] = upstream_date(after)
    if before is not None:
        params["updated_max"] = upstream_date(before)
    return params


def _rows(data: object) -> list[Mapping[str, Any]]:
    if not isinstance(data, list):
        raise _domain(AppsemblerUnavailable("Appsembler batch is not a list"))
    return [r for r in data if isinstance(r, Mapping)]
