"""The authorization matrix's write cells whose bodies name someone else's records (decision D38).

Each write route that takes references is called by every caller on the caller's own record (the
path is one they may write), with a body that names a record outside their reach: another class's
line item, score scale or assessment line item, a student they do not teach, a school, course or
guardian elsewhere, someone else's tracker integration. No such cell may succeed. Admins reach
everything, so their bodies name records that do not fit (another class's line item for this
class's result); a body that would be fine for an admin is sent to the other callers only.

Expected refusals: anonymous 401; admins 422 (the misfit, named); everyone else 403, 404 (what the
path names is hidden from them) or 422 (in reach but not fitting, or not theirs).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from simulators.kit.population import Population
from tests.api.test_gradebook import GradebookWorld, line_item_body

OWN, OTHER = "own", "other"
RequestArgs = dict[str, Any]


@dataclass(frozen=True)
class Foreign:
    """One body naming someone else's record; ``admin``: whether an admin is refused it too."""

    body: RequestArgs
    admin: bool = True


def refused_statuses(caller: str) -> set[int]:
    if caller == "anonymous":
        return {401}
    if caller == "admin":
        return {422}
    return {403, 404, 422}


@dataclass
class ForeignReferences:
    population: Population
    gradebook: GradebookWorld
    #: per caller, the people they may see (the matrix's own reading of the policy)
    visible_people: Mapping[str, frozenset[str]]
    #: the demo accounts' roster person ids
    persons: Mapping[str, str | None]
    #: a fresh valid time log body (each in an hour of its own)
    log_body: Callable[[], RequestArgs]

    def bodies(
        self, op: str, caller: str, params: Mapping[str, str], other_integration: str | None
    ) -> list[Foreign]:
        make = self._makers().get(op)
        if make is None:
            return []
        if op in TIME_LOG_OPS:
            assert other_integration is not None
            return make(caller, {**params, "integration": other_integration})
        return make(caller, params)

    # -- what is someone else's, per caller -------------------------------------------------------

    def _ids(self, caller: str, ownership: str) -> dict[str, str]:
        return self.gradebook.ids[(caller if caller != "anonymous" else "admin", ownership)]

    def _class(self, class_id: str) -> Any:
        return next(c for c in self.population.classes if c.key == class_id)

    def _stranger(self, caller: str, class_id: str) -> str:
        """A student not enrolled in ``class_id`` whom the caller may not see (admins see all)."""
        enrolled = {e.person for e in self.population.enrolled(klass=class_id)}
        hidden = self.visible_people.get(caller, frozenset())
        return min(
            p.key
            for p in self.population.with_role("student")
            if p.key not in enrolled and (caller == "admin" or p.key not in hidden)
        )

    def _school_elsewhere(self, caller: str, class_id: str) -> str:
        """A school that is not the class's and not one the caller belongs to."""
        own = {self._class(class_id).school}
        person = self.persons.get(caller)
        mine = own | {p.org for p in self.population.people if p.key == person}
        others = [s.key for s in self.population.schools if s.key not in mine]
        return min(others or [s.key for s in self.population.schools if s.key not in own])

    def _course_elsewhere(self, class_id: str) -> str:
        own = self._class(class_id).course
        return min(c.key for c in self.population.courses if c.key != own)

    def _guardian_elsewhere(self, caller: str) -> str:
        person = self.persons.get("staff")
        home = next(p.org for p in self.population.people if p.key == person)
        return min(p.key for p in self.population.with_role("guardian") if p.org != home)

    # -- bodies per operation ---------------------------------------------------------------------

    def _makers(self) -> dict[str, Callable[[str, Mapping[str, str]], list[Foreign]]]:
        return {
            "put_gradebook_result": self._result,
            "put_gradebook_line_item": self._line_item,
            "create_gradebook_class_line_item": self._new_line_item,
            "put_gradebook_score_scale": self._score_scale,
            "create_gradebook_class_score_scale": self._new_score_scale,
            "put_gradebook_assessment_line_item": self._assessment_line_item,
            "put_gradebook_assessment_result": self._assessment_result,
            "create_roster_user": self._new_user,
            "update_roster_user": self._user,
            "create_roster_enrollment": self._new_enrollment,
            "update_roster_enrollment": self._enrollment,
            "enroll_roster_class_student": self._enroll,
            "add_roster_user_agent": self._agent,
            "create_time_log": self._time_log,
            "update_time_log": self._time_log,
            "start_timer": self._timer,
        }

    def _result(self, caller: str, _: Mapping[str, str]) -> list[Foreign]:
        own, other = self._ids(caller, OWN), self._ids(caller, OTHER)
        ref = _ref
        return [
            Foreign(
                _wrap(
                    "result", lineItem=ref(other["line-items"]), **{"class": ref(own["class_id"])}
                )
            ),
            Foreign(_wrap("result", student=ref(self._stranger(caller, own["class_id"])))),
            Foreign(_wrap("result", scoreScale=ref(other["score-scales"]))),
        ]

    def _line_item(self, caller: str, _: Mapping[str, str]) -> list[Foreign]:
        own, other = self._ids(caller, OWN), self._ids(caller, OTHER)
        school = self._school_elsewhere(caller, own["class_id"])
        return [
            Foreign(_wrap("lineItem", scoreScale=_ref(other["score-scales"]))),
            Foreign(_wrap("lineItem", school=_ref(school))),
        ]

    def _new_line_item(self, caller: str, _: Mapping[str, str]) -> list[Foreign]:
        own, other = self._ids(caller, OWN), self._ids(caller, OTHER)
        school = self._school_elsewhere(caller, own["class_id"])
        return [
            Foreign(
                {
                    "json": {
                        "lineItem": {**line_item_body(), "scoreScale": _ref(other["score-scales"])}
                    }
                }
            ),
            Foreign({"json": {"lineItem": {**line_item_body(), "school": _ref(school)}}}),
        ]

    def _score_scale(self, caller: str, _: Mapping[str, str]) -> list[Foreign]:
        course = self._course_elsewhere(self._ids(caller, OWN)["class_id"])
        return [Foreign(_wrap("scoreScale", course=_ref(course)))]

    def _new_score_scale(self, caller: str, _: Mapping[str, str]) -> list[Foreign]:
        course = self._course_elsewhere(self._ids(caller, OWN)["class_id"])
        scale = {
            "title": "Foreign",
            "type": "letter",
            "scoreScaleValue": [{"itemValueLHS": "A", "itemValueRHS": "90"}],
            "course": _ref(course),
        }
        return [Foreign({"json": {"scoreScale": scale}})]

    def _assessment_line_item(self, caller: str, _: Mapping[str, str]) -> list[Foreign]:
        other = self._ids(caller, OTHER)
        return [
            Foreign(_wrap("assessmentLineItem", scoreScale=_ref(other["score-scales"]))),
            Foreign(
                _wrap(
                    "assessmentLineItem",
                    parentAssessmentLineItem=_ref(other["assessment-line-items"]),
                )
            ),
        ]

    def _assessment_result(self, caller: str, _: Mapping[str, str]) -> list[Foreign]:
        other = self._ids(caller, OTHER)
        return [
            Foreign(_wrap("assessmentResult", scoreScale=_ref(other["score-scales"]))),
            # an assessment result is bound to a student, not a class: admins may move it
            Foreign(
                _wrap("assessmentResult", assessmentLineItem=_ref(other["assessment-line-items"])),
                admin=False,
            ),
        ]

    def _new_user(self, caller: str, _: Mapping[str, str]) -> list[Foreign]:
        home = next(p.org for p in self.population.people if p.key == self.persons.get("staff"))
        user = {
            "enabledUser": True,
            "givenName": "Foreign",
            "familyName": "Link",
            "email": "foreign.link@school.test",
            "roles": [{"role": "student", "org": _ref(home)}],
        }
        return [
            Foreign(
                {"json": {"user": {**user, "agents": [_ref(self._guardian_elsewhere(caller))]}}},
                admin=False,
            ),
            Foreign({"json": {"user": {**user, "primaryOrg": _ref("no-such-org")}}}),
        ]

    def _user(self, caller: str, _: Mapping[str, str]) -> list[Foreign]:
        return [
            Foreign(_wrap("user", agents=[_ref(self._guardian_elsewhere(caller))]), admin=False)
        ]

    def _enrollment_school(self, class_id: str) -> str:
        klass = self._class(class_id)
        return min(s.key for s in self.population.schools if s.key != klass.school)

    def _new_enrollment(self, caller: str, _: Mapping[str, str]) -> list[Foreign]:
        staff = self.persons.get("staff")
        home = next(p.org for p in self.population.people if p.key == staff)
        klass = next(c for c in self.population.classes if c.school == home)
        student = next(e.person for e in self.population.enrolled(klass=klass.key))
        body = {
            "role": "student",
            "user": _ref(student),
            "class": _ref(klass.key),
            "school": _ref(self._enrollment_school(klass.key)),
        }
        return [Foreign({"json": {"enrollment": body}})]

    def _enrollment(self, caller: str, params: Mapping[str, str]) -> list[Foreign]:
        enrollment = next(
            (e for e in self.population.enrollments if e.key == params.get("sourced_id")), None
        )
        if enrollment is None:
            return []
        school = self._enrollment_school(enrollment.klass)
        return [Foreign(_wrap("enrollment", school=_ref(school)))]

    def _enroll(self, caller: str, params: Mapping[str, str]) -> list[Foreign]:
        class_id = params.get("sourced_id", "")
        stranger = self._stranger("staff", class_id)
        body = {"json": {"enrollment": {"user": _ref(stranger)}}}
        return [Foreign(body, admin=False)]

    def _agent(self, caller: str, _: Mapping[str, str]) -> list[Foreign]:
        body = {"json": {"agentSourcedId": self._guardian_elsewhere(caller)}}
        return [Foreign(body, admin=False)]

    def _time_log(self, caller: str, params: Mapping[str, str]) -> list[Foreign]:
        project = {"integration_id": params["integration"], "project_id": "matrix-project"}
        if "log_id" in params:  # an edit: only the project changes
            return [Foreign({"json": {"project": project}})]
        return [Foreign({"json": {**self.log_body()["json"], "project": project}})]

    def _timer(self, caller: str, params: Mapping[str, str]) -> list[Foreign]:
        project = {"integration_id": params["integration"], "project_id": "matrix-project"}
        return [Foreign({"json": {"task": "foreign timer", "project": project}})]


TIME_LOG_OPS = frozenset({"create_time_log", "update_time_log", "start_timer"})


def _ref(sourced_id: str) -> dict[str, str]:
    return {"sourcedId": sourced_id}


def _wrap(key: str, **fields: Any) -> RequestArgs:
    return {"json": {key: fields}}
