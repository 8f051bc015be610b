"""``accounts/*``: create (with or without a password), connect, update_user, get-user.

Each reply is what the plugin's view answers, quirks included: the ``"user_id "`` key of create,
empty-bodied 404s from connect and get-user, 409 for a malformed email on connect, 400 for a taken
one on update_user, the ``success`` text listing fields in the view's order with values unchecked.
"""

from __future__ import annotations

import re
import secrets
import string
from collections.abc import Mapping
from datetime import datetime

from starlette.responses import Response

from simulators.appsembler.state import Account, LmsState
from simulators.appsembler.wire import empty, is_email, json, text

USERNAME = re.compile(r"^[\w.@+-]{2,30}$")
#: get-user's URL kwarg: the regex stops at the first character outside it (``@`` included)
GET_USER_USERNAME = re.compile(r"^[\w.+-]+")
PROFILE_FIELDS = (
    "name",
    "level_of_education",
    "gender",
    "mailing_address",
    "city",
    "country",
    "goals",
    "bio",
    "year_of_birth",
    "language",
)
#: the simulated site's registration extension form (custom-form-app's sample plus a district)
EXTENSION_FIELDS = ("favorite_movie", "favorite_editor", "district")
CREATE_PROFILE_FIELDS = (
    "country",
    "city",
    "gender",
    "goals",
    "level_of_education",
    "year_of_birth",
)
ALREADY_EXISTS = {"user_message": "User already exists"}
WRONG_CREATE = {"user_message": "Wrong parameters on user creation"}


def _exists(state: LmsState, *, email: str, username: str | None) -> bool:
    """The plugin's ``account_exists``: email or username taken, retired accounts included."""
    return (bool(email) and email.lower() in state.by_email) or (
        username is not None and username in state.by_username
    )


def _new_account(
    state: LmsState, body: Mapping[str, object], username: str, *, active: bool, now: datetime
) -> Account:
    account = Account(
        id=state.next_user_id(),
        username=username,
        email=text(body, "email"),
        is_active=active,
        is_staff=False,
        date_joined=now,
        name=text(body, "name"),
        password=text(body, "password") or None,
        profile={f: text(body, f) for f in CREATE_PROFILE_FIELDS if f in body},
        extension={f: text(body, f) for f in EXTENSION_FIELDS if f in body},
    )
    state.account_created(account, now)
    return account


def create(state: LmsState, body: Mapping[str, object], now: datetime) -> Response:
    email, username = text(body, "email"), text(body, "username")
    if _exists(state, email=email, username=username):  # before any validation
        return json(ALREADY_EXISTS, 409)
    if not (
        USERNAME.match(username)
        and is_email(email)
        and text(body, "password")
        and text(body, "name").strip()
    ):
        return json(WRONG_CREATE, 400)
    account = _new_account(state, body, username, active=True, now=now)
    return json({"user_id ": account.id})  # sic: the trailing space is the plugin's


def create_without_password(state: LmsState, body: Mapping[str, object], now: datetime) -> Response:
    email = text(body, "email")
    if _exists(state, email=email, username=None):
        return json(ALREADY_EXISTS, 409)
    if not is_email(email):
        return json({"user_message": "Wrong email format"}, 400)
    if not text(body, "name").strip():
        return json(WRONG_CREATE, 400)
    body = {**body, "password": _random_password()}
    # the view marks the account inactive and mails an activation link itself
    account = _new_account(state, body, _username_for(state, email), active=False, now=now)
    return json({"user_id": account.id, "username": account.username})


def _username_for(state: LmsState, email: str) -> str:
    base = re.sub(r"[^\w.+-]", "", email.split("@", 1)[0])[:24] or "user"
    username, n = base, 1
    while username in state.by_username:
        n += 1
        username = f"{base}{n}"
    return username


def _random_password() -> str:
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(32))


def connect(state: LmsState, body: Mapping[str, object]) -> Response:
    account = state.by_username.get(text(body, "username"))
    if account is None:
        return empty(404)
    password, email, name = text(body, "password"), text(body, "email"), text(body, "name")
    if password.strip():
        account.password = password
    if email.strip() and email != account.email:
        if not is_email(email):
            return json({"user_message": "Invalid email format"}, 409)
        if email.lower() in state.by_email:
            return json({"user_message": f"The email {email} is in use by another user"}, 409)
        state.change_email(account, email)
    if name.strip():
        account.name = name
    return json({"user_id": account.id})


def update_user(state: LmsState, body: Mapping[str, object]) -> Response:
    lookup = text(body, "user_lookup")
    if not lookup.strip():
        return json({"lookup_error": "No user lookup has been provided"}, 400)
    candidates = (state.by_username.get(lookup), state.by_email.get(lookup.lower()))
    found = list({a.id: a for a in candidates if a is not None}.values())
    if not found:
        return json(
            {"user_not_found": "The user for the Given username or email doesn't exists"}, 404
        )
    if len(found) > 1:
        return json(
            {"lookup_error": "Two users have been found with the provided user_lookup"}, 400
        )
    account = found[0]
    updated: dict[str, str] = {}
    if "email" in body and text(body, "email") != account.email:
        new_email = text(body, "email")
        if not is_email(new_email):
            return json({"integrity_error": "Valid e-mail address required."}, 400)
        if new_email.lower() in state.by_email:
            return json({"integrity_error": "An account with this e-mail already exists."}, 400)
        state.change_email(account, new_email)
        updated["email"] = new_email
    for name in PROFILE_FIELDS:
        if name in body:
            value = text(body, name)
            if name == "name":
                account.name = value
            else:
                account.profile[name] = value
            updated[name] = value
    for name in EXTENSION_FIELDS:
        if name in body:
            if account.extension is not None:  # no row: nothing written, still reported
                account.extension[name] = text(body, name)
            updated[name] = text(body, name)
    listed = ", ".join(f"{k}={v}" for k, v in updated.items())
    return json({"success": f"The following fields has been updated: {listed}"})


def get_user(state: LmsState, rest: str) -> Response:
    match = GET_USER_USERNAME.match(rest)
    account = state.by_username.get(match.group(0)) if match else None
    if account is None:
        return empty(404)
    return json({"user_id": account.username})  # sic: the username, not the id
