"""Third-party application credentials a user's account holds (reference §3.1, §4.4).

* ``POST /users/{id}/credentials`` ``{"applicationName", "credentials": {"username",
  "password"}}``: 201 for a new (user, application) credential, 200 when it replaces that one's
  username and password; both ``{"userProfileId", "credentialId", "message"}``.
* ``POST /users/{id}/credentials/{credentialId}/decrypt``: 200 ``{"password"}``.

The credential shows on the user as a ``userProfiles`` entry for the application (the User
schema's place for it), with ``id``, ``type`` and ``username`` but never the password: that is
kept in :attr:`~.state.RosterState.credentials` only and handed out by ``decrypt`` alone. Nothing
is encrypted; the simulator only keeps the secret out of every read.
"""

from __future__ import annotations

import re
import uuid
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from simulators.timeback.checks import invalid
from simulators.timeback.seed import ROSTERING, iso
from simulators.timeback.state import JsonObject
from simulators.timeback.wire import imsx_response
from simulators.timeback.writes import WriteError, json_body

if TYPE_CHECKING:
    from simulators.timeback.app import TimebackSimulator

#: one application's id is the same for every user (derived from its name)
APPS = uuid.UUID("4f0c1f5e-7d43-4b8e-9a51-2d3c6b0e9a17")
CREDENTIAL_TYPE = "username_password"


class Credentials:
    def __init__(self, sim: TimebackSimulator) -> None:
        self.sim = sim

    def routes(self) -> list[BaseRoute]:
        path = f"{ROSTERING}/users/{{sourced_id}}/credentials"
        return [
            Route(path, self.register, methods=["POST"]),
            Route(f"{path}/{{credential_id}}/decrypt", self.decrypt, methods=["POST"]),
        ]

    async def register(self, request: Request) -> Response:
        if denied := self.sim._denied(request):
            return denied
        state = self.sim.state
        user = state.users.get(request.path_params["sourced_id"])
        if user is None:
            return imsx_response(404, "User not found")
        try:
            app, username, password = parse(await json_body(request))
        except WriteError as exc:
            return exc.response()
        user_id = user["sourcedId"]
        found = next(
            (
                c
                for c in state.credentials.values()
                if c["userId"] == user_id and c["applicationName"] == app
            ),
            None,
        )
        created = found is None
        if found is None:
            found = {
                "credentialId": str(uuid.uuid4()),
                "userProfileId": str(uuid.uuid4()),
                "userId": user_id,
                "applicationName": app,
            }
        stored = {**found, "username": username, "password": password}
        state.credentials[stored["credentialId"]] = stored
        profiles = [
            p for p in user.get("userProfiles", []) if p.get("profileId") != stored["userProfileId"]
        ]
        stamp = iso(self.sim.clock.utcnow())
        state.users.put(
            {**user, "userProfiles": [*profiles, profile(stored)], "dateLastModified": stamp}
        )
        message = (
            "Credentials created successfully" if created else "Credentials updated successfully"
        )
        return JSONResponse(
            {
                "userProfileId": stored["userProfileId"],
                "credentialId": stored["credentialId"],
                "message": message,
            },
            status_code=201 if created else 200,
        )

    async def decrypt(self, request: Request) -> Response:
        if denied := self.sim._denied(request):
            return denied
        state = self.sim.state
        user_id = request.path_params["sourced_id"]
        if state.users.get(user_id) is None:
            return imsx_response(404, "User not found")
        found = state.credentials.get(request.path_params["credential_id"])
        if found is None or found["userId"] != user_id:
            return imsx_response(404, "Credential not found")
        return JSONResponse({"password": found["password"]})


def parse(body: JsonObject) -> tuple[str, str, str]:
    """The application name, username and password of a registration body (422 naming every
    missing or mistyped field otherwise)."""
    app, given = body.get("applicationName"), body.get("credentials")
    problems = []
    if not isinstance(app, str) or not app:
        problems.append(invalid("applicationName", _why(app)))
    if not isinstance(given, dict):
        problems.append(invalid("credentials", _why(given)))
    else:
        problems += [
            invalid(f"credentials.{name}", _why(given.get(name)))
            for name in ("username", "password")
            if not isinstance(given.get(name), str)
        ]
    if problems or not isinstance(app, str) or not isinstance(given, dict):
        fields = ", ".join(p["path"] for p in problems)
        raise WriteError(422, f"Invalid fields: {fields}", problems)
    return app, str(given["username"]), str(given["password"])


def _why(value: object) -> str:
    return "Required" if value is None else "Invalid"


def profile(credential: JsonObject) -> JsonObject:
    """The user's profile for the credential's application; no password in it."""
    name = credential["applicationName"]
    app_id = str(uuid.uuid5(APPS, name))
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "app"
    return {
        "profileId": credential["userProfileId"],
        "profileType": "application",
        "vendorId": slug,
        "applicationId": app_id,
        "description": None,
        "app": {
            "sourcedId": app_id,
            "name": name,
            "description": None,
            "domain": f"{slug}.example",
            "metadata": None,
        },
        "credentials": [
            {
                "id": credential["credentialId"],
                "type": CREDENTIAL_TYPE,
                "username": credential["username"],
            }
        ],
    }
