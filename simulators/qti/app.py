"""The TimeBack QTI simulator: the 38 operations of ``qti-api.yaml`` at the root of
``qti.timeback.sim`` (production's base is ``https://qti.alpha-1edtech.ai/api``).

Tokens: in a sandbox it accepts the TimeBack simulator's (``accepts_tokens_of``), as the real
service accepts the Cognito token TimeBack's identity provider issued; standalone it serves its own
``POST /oauth2/token`` with the sandbox TimeBack client (HTTP Basic or form). Errors are QTI's
``{"error", "details"}``. Items live in :mod:`.items`, tests with their parts and sections in
:mod:`.structure`, stimuli, feedback and validation in :mod:`.misc`; scoring is :mod:`.scoring`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from http import HTTPStatus

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from simulators.kit.credentials import authenticate_client
from simulators.kit.simulator import SeedSpec, Simulator
from simulators.kit.tokens import TokenStatus
from simulators.qti.ingest import Rejected
from simulators.qti.listing import ListError
from simulators.qti.seed import build_bank
from simulators.qti.state import QtiState
from simulators.qti.wire import BadBody, error, iso, list_error, rejected

TOKEN_PATH = "/oauth2/token"  # noqa: S105 (a path, not a secret)
FORM = "application/x-www-form-urlencoded"
Endpoint = Callable[[Request], Awaitable[Response]]


class QtiSimulator(Simulator[QtiState]):
    system = "qti"
    hosts = ("qti.timeback.sim",)
    accepts_tokens_of = "timeback"

    def build_state(self, spec: SeedSpec) -> QtiState:
        return build_bank(spec, public_url=self.public_url)

    def summarize(self) -> dict[str, object]:
        types: dict[str, int] = {}
        for item in self.state.items.values():
            types[item["type"]] = types.get(item["type"], 0) + 1
        return {
            "items": len(self.state.items),
            "item_types": types,
            "stimuli": len(self.state.stimuli),
            "tests": len(self.state.tests),
            "feedback": len(self.state.feedback),
        }

    def error_response(self, status: int, detail: str | None = None) -> Response:
        return error(status, detail or _phrase(status))

    def now(self) -> str:
        return iso(self.clock.now())

    def routes(self) -> list[BaseRoute]:
        from simulators.qti.items import item_routes
        from simulators.qti.misc import misc_routes
        from simulators.qti.structure import structure_routes

        return [
            Route(TOKEN_PATH, self._token, methods=["POST"]),
            *item_routes(self),
            *structure_routes(self),
            *misc_routes(self),  # last: it holds the catch-all ``DELETE /{id}``
        ]

    def guarded(self, view: Endpoint) -> Endpoint:
        """A live bearer token first; then the view, with bad bodies and queries answered 400."""

        async def endpoint(request: Request) -> Response:
            scheme, _, value = request.headers.get("authorization", "").partition(" ")
            if scheme.lower() != "bearer" or not value.strip():
                return error(401, "Unauthorized", "missing bearer token")
            status, _ = self.tokens.check(value.strip())
            if status is TokenStatus.EXPIRED:
                return error(401, "Unauthorized", "token expired")
            if status is TokenStatus.UNKNOWN:
                return error(401, "Unauthorized", "invalid token")
            try:
                return await view(request)
            except BadBody as exc:
                return error(400, "Invalid request body", str(exc))
            except Rejected as exc:
                return rejected(exc)
            except ListError as exc:
                return list_error(exc)

        return endpoint

    async def _token(self, request: Request) -> Response:
        if not request.headers.get("content-type", "").startswith(FORM):
            return JSONResponse({"error": "invalid_request"}, status_code=400)
        form = await request.form()
        grant_type = form.get("grant_type")
        if not isinstance(grant_type, str) or not grant_type:
            return JSONResponse({"error": "invalid_request"}, status_code=400)
        authorization = request.headers.get("authorization", "")
        client_id = authenticate_client(authorization, form, self.state.clients.get)
        if client_id is None:
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        if grant_type != "client_credentials":
            return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
        token = self.tokens.issue(client_id)
        return JSONResponse(
            {"access_token": token.value, "expires_in": self.tokens.ttl, "token_type": "Bearer"},
            headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
        )


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
