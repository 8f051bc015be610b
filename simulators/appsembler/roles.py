"""``courses/{course_id}/roles`` (Appsembler's Hawthorn fork) and ``account/login_session/``.

Roles: every role is listed (empty by default) as user objects; PUT takes usernames or emails and
gives each person one role (putting a staff member in ``instructor`` takes ``staff`` away); DELETE
takes its roles as URL-encoded JSON in ``?roles=`` and may be repeated. Unknown people are skipped.

Login: Django's form login, refused without the CSRF cookie and its ``X-CSRFToken`` twin.
"""

from __future__ import annotations

import json as jsonlib
from collections.abc import Mapping

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from simulators.appsembler.state import Account, LmsState
from simulators.appsembler.wire import json

ROLES = ("instructor", "staff", "beta", "ccx_coach")


def _person(state: LmsState, identifier: str) -> Account | None:
    if "@" in identifier:
        return state.by_email.get(identifier.lower())
    return state.by_username.get(identifier)


def _listing(state: LmsState, course_id: str) -> Response:
    held = state.roles.get(course_id, {})
    return json(
        {
            "roles": {
                role: [
                    {"username": state.accounts[i].username, "email": state.accounts[i].email}
                    for i, r in sorted(held.items())
                    if r == role
                ]
                for role in ROLES
            }
        }
    )


def _wanted(value: object) -> dict[str, list[str]] | None:
    if not isinstance(value, Mapping):
        return None
    out: dict[str, list[str]] = {}
    for role, people in value.items():
        if role not in ROLES or not isinstance(people, list):
            return None
        out[role] = [str(p) for p in people]
    return out


def course_roles(state: LmsState, method: str, course_id: str, body: Mapping[str, object],
                 query: QueryParams) -> Response:  # fmt: skip
    if course_id not in state.courses:
        return json({"detail": "Not found."}, 404)
    if method == "GET":
        return _listing(state, course_id)
    if method == "PUT":
        wanted = _wanted(body.get("roles"))
    else:
        try:
            wanted = _wanted(jsonlib.loads(query.get("roles") or "null"))
        except ValueError:
            wanted = None
    if wanted is None:
        return json({"detail": "roles must map a role to a list of usernames or emails"}, 400)
    held = state.roles.setdefault(course_id, {})
    for role, people in wanted.items():
        for identifier in people:
            account = _person(state, identifier)
            if account is None:
                continue
            if method == "PUT":
                held[account.id] = role  # one role per person: a move, never a duplicate
            elif held.get(account.id) == role:
                del held[account.id]
    return _listing(state, course_id)


CSRF_FAILED = HTMLResponse("<h1>Forbidden <span>(403)</span></h1><p>CSRF verification failed.</p>",
                           status_code=403)  # fmt: skip


async def login_session(state: LmsState, request: Request) -> Response:
    cookie = request.cookies.get("csrftoken")
    if not cookie or request.headers.get("x-csrftoken") != cookie:
        return CSRF_FAILED
    form = await request.form()
    email, password = str(form.get("email", "")), str(form.get("password", ""))
    account = state.by_email.get(email.lower())
    if account is None or account.password is None or account.password != password:
        failures = state.login_failures.get(email.lower(), 0)
        state.login_failures[email.lower()] = failures + 1
        return json(
            {
                "success": False,
                "value": "Email or password is incorrect.",
                "error_code": "incorrect-email-or-password",
                "context": {"failure_count": failures},
                "email": email,
            },
            400,
        )
    state.login_failures.pop(email.lower(), None)
    return json({"success": True, "redirect_url": f"{request.base_url}dashboard"})
