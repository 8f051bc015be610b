"""The PowerPath simulator: TimeBack's ``/powerpath`` API over the OneRoster data it builds on.

In real TimeBack PowerPath answers under ``/powerpath`` on the OneRoster host and takes the token
of TimeBack's identity provider. Here it is a simulator of its own (``powerpath.timeback.sim``):
in a sandbox it accepts the TimeBack simulator's tokens and reads its live roster
(``reads_state_of``), so a lesson TimeBack has is a lesson here; standalone it builds the same
roster from the same seed and serves its own token endpoint (``POST /oauth2/token``, the sandbox
client, HTTP Basic or form). Errors are imsx_StatusInfo bodies, as TimeBack's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from simulators.kit.credentials import authenticate_client
from simulators.kit.simulator import SeedSpec, Simulator
from simulators.kit.tokens import TokenStatus
from simulators.powerpath.assessments import Assessments, Lesson
from simulators.powerpath.assignments import TestAssignments
from simulators.powerpath.placement import Placement
from simulators.powerpath.plans import LessonPlans
from simulators.powerpath.questions import QtiBank
from simulators.powerpath.roster import Roster
from simulators.powerpath.state import Attempt, PowerPathState
from simulators.powerpath.testing import Tests
from simulators.powerpath.wire import Handler, Problem, iso
from simulators.timeback.seed import build_roster
from simulators.timeback.state import RosterState
from simulators.timeback.wire import imsx_response, oauth_error

TOKEN_PATH = "/oauth2/token"  # noqa: S105 (a path, not a secret)
FORM = "application/x-www-form-urlencoded"
#: where the QTI items a question links to live (the QTI simulator's host)
QTI_URL = "http://qti.timeback.sim"


class PowerPathSimulator(Simulator[PowerPathState]):
    system = "powerpath"
    hosts = ("powerpath.timeback.sim",)
    accepts_tokens_of = "timeback"
    reads_state_of = "timeback"

    def __init__(self, **kwargs: Any) -> None:
        self._live: Callable[[], RosterState] | None = None
        self._bank: QtiBank | None = None
        self.roster = Roster(self._roster_state)
        super().__init__(**kwargs)

    def build_state(self, spec: SeedSpec) -> PowerPathState:
        self._bank = None  # the seed may have changed: built again on first use
        return PowerPathState(seed=spec.seed)

    @property
    def bank(self) -> QtiBank:
        """The QTI simulator's content bank for this seed: where questions come from and how
        answers are scored (built on first use; it is the QTI simulator's own seed, not state)."""
        if self._bank is None:
            lessons = {
                lesson["sourcedId"]: unit["course"]["sourcedId"]
                for unit in self.roster.state.course_components.all()
                for lesson in self.roster.lessons(unit["sourcedId"])
            }
            self._bank = QtiBank(self.spec, QTI_URL, lessons)
        return self._bank

    def read_state_of(self, other: Simulator[Any]) -> None:
        def live() -> RosterState:
            found = other.state
            if not isinstance(found, RosterState):
                raise TypeError(f"the {other.system} simulator holds no OneRoster state")
            return found

        live()
        self._live = live

    def _roster_state(self) -> RosterState:
        if self._live is not None:
            return self._live()
        if self.state.own_roster is None:
            self.state.own_roster = build_roster(
                self.spec, public_url=self.public_url, demo_data=self.demo_data
            )
        return self.state.own_roster

    def summarize(self) -> dict[str, object]:
        attempts = [a for history in self.state.attempts.values() for a in history]
        return {
            "attempts": len(attempts),
            "finalizedAttempts": sum(a.finalized for a in attempts),
            "lessonPlans": len(self.state.plans),
            "testAssignments": len(self.state.test_assignments),
            "liveRoster": self._live is not None,
        }

    def error_response(self, status: int, detail: str | None = None) -> Response:
        return imsx_response(status, detail)

    def routes(self) -> list[BaseRoute]:
        return [
            Route(TOKEN_PATH, self._token, methods=["POST"]),
            *Assessments(self).routes(),
            *Placement(self).routes(),
            *Tests(self).routes(),
            *LessonPlans(self).routes(),
            *TestAssignments(self).routes(),
        ]

    # -- what the route modules share ---------------------------------------------------------

    def now(self) -> str:
        return iso(self.clock.now())

    def guarded(self, handler: Handler) -> Handler:
        """``handler`` behind the bearer-token check, its :class:`Problem` as an imsx answer."""

        async def run(request: Request) -> Response:
            if denied := self._denied(request):
                return denied
            try:
                return await handler(request)
            except Problem as problem:
                return problem.response()

        return run

    def tool_provider(self, lesson_id: str) -> str | None:
        external = self.state.external_tests.get(lesson_id)
        return None if external is None else str(external["toolProvider"])

    def after_finalize(self, student: str, lesson: Lesson, attempt: Attempt) -> None:
        """A finalized attempt is the lesson's result in the student's course progress."""
        self.state.item_results[(student, lesson.id)] = {
            "status": "active",
            "score": attempt.score,
            "scoreDate": attempt.completed_at or self.now(),
            "scoreStatus": "fully graded",
            "metadata": {"attempt": attempt.number, "xp": attempt.xp},
        }

    def _denied(self, request: Request) -> Response | None:
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            return imsx_response(401, "Unauthorized: missing bearer token")
        status, _ = self.tokens.check(value.strip())
        if status is TokenStatus.EXPIRED:
            return imsx_response(401, "Unauthorized: token expired")
        if status is TokenStatus.UNKNOWN:
            return imsx_response(401, "Unauthorized: invalid token")
        return None

    async def _token(self, request: Request) -> Response:
        """Standalone, the sandbox TimeBack client's token (in a sandbox TimeBack issues them)."""
        if not request.headers.get("content-type", "").startswith(FORM):
            return oauth_error("invalid_request", 400)
        form = await request.form()
        grant_type = form.get("grant_type")
        if not isinstance(grant_type, str) or not grant_type:
            return oauth_error("invalid_request", 400)
        clients = self.roster.state.clients
        client_id = authenticate_client(request.headers.get("authorization", ""), form, clients.get)
        if client_id is None:
            return oauth_error("invalid_client", 401)
        if grant_type != "client_credentials":
            return oauth_error("unsupported_grant_type", 400)
        token = self.tokens.issue(client_id)
        return JSONResponse(
            {"access_token": token.value, "expires_in": self.tokens.ttl, "token_type": "Bearer"},
            headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
        )
