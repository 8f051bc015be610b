"""Property-based API tests: schemathesis drives every operation of the app's own OpenAPI document.

Two runs, each in-process over ASGI (no socket) against a sandbox app on a fresh SQLite file: one
anonymous, one as the sandbox's demo admin (so the protected operations get past 401). schemathesis
4.32 runs each app's lifespan itself: ``from_asgi`` starts it to fetch ``/openapi.json``, a test's
requests restart it when needed, and its ``pytest_runtest_teardown`` hook shuts it down after each
test. Every default check runs, ``allow_header_conformance`` included.

The schema is loaded at import, because ``@schema.parametrize()`` needs the operations at collection
time: ``schemathesis.pytest.from_fixture`` would defer that, but in 4.32.5 it fails on pytest 9.2
(``AttributeError: 'Function' object has no attribute '_nodeid'``).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from api.app import create_app
from api.composition import DEMO_PASSWORD, demo_accounts
from tests.conftest import make_settings
from tests.support.oneroster_filters import oneroster_fields, oneroster_filters

Case = schemathesis.Case[Any]

#: Per operation and phase; the whole module runs in well under a minute on 2 cores.
MAX_EXAMPLES = 25

#: None: a 405's ``Allow`` lists every method of the path (``api/routing.py``), so schemathesis's
#: ``allow_header_conformance`` runs too (Starlette named only the first route's methods).
EXCLUDED_CHECKS: list[Any] = []

#: Operations whose schema-valid input can still break a business rule that no JSON Schema can
#: state: a log's end after its start, no overlap with the person's other logs, at most one running
#: timer, the integration being the caller's. Their 422s are correct, so for them (and only them)
#: ``positive_data_acceptance`` is not run; every other check still is.
#: Writes whose references must exist and fit together (D38) are the same: a schema-valid
#: sourcedId that names nothing (or a line item of another class) is a correct 422, as is a PUT that
#: creates without the fields TimeBack requires of a new object. So is an account's
#: ``person_sourced_id``: it must name a person in the roster cache, and since the schema no longer
#: offers null for it (docs/api.md), every drawn account names one, mostly one that is not.
#: Caliper events are judged by the Caliper validator (D54, D60): its tables (types, actions per
#: type, entity types per property) are no request schema, so a schema-valid body is mostly no
#: valid Caliper and its 422, naming every problem by JSON path, is correct.
BUSINESS_RULE_OPERATIONS = [
    "send_events",
    "validate_events",
    "create_time_log",
    "update_time_log",
    "start_timer",
    "create_account",
    *(
        f"put_gradebook_{kind}"
        for kind in (
            "line_item",
            "result",
            "category",
            "score_scale",
            "assessment_line_item",
            "assessment_result",
        )
    ),
    "create_gradebook_class_line_item",
    "create_gradebook_class_score_scale",
    # the class must be in the roster cache and the course at Open edX (schema-valid ids name none)
    "create_lms_link",
    *(
        f"{verb}_roster_{noun}"
        for verb in ("create", "update")
        for noun in ("user", "class", "course", "org", "academic_session", "enrollment")
    ),
    # QTI content: a list's filter is QTI's own syntax (QTI's 422 names what it could not read),
    # a write's XML must be QTI 3 and everything it names must exist, a response must fit the
    # item, feedback must name a lesson TimeBack knows
    *(f"list_assessment_{kind}" for kind in ("items", "tests", "stimuli")),
    *(
        f"{verb}_assessment_{kind}"
        for verb in ("create", "update")
        for kind in ("item", "test", "stimulus", "test_part", "test_section")
    ),
    "add_assessment_test_section_item",
    "reorder_assessment_test_section_items",
    "score_assessment_item",
    "validate_assessment_xml",
    "create_question_feedback",
    "create_lesson_feedback",
    # Open edX decides: a course key or code that names nothing, an email Open edX's own
    # validation refuses or someone already has, an account to change that does not exist
    "create_lms_account",
    "connect_lms_account",
    "update_lms_account",
    "generate_enrollment_codes",
    "redeem_enrollment_code",
    "set_enrollment_code_status",
    "bulk_enroll",
    # PowerPath learning: the learner a body or query names must be a student in the roster cache
    # (a 422 when not), a plan operation must name what the plan holds, a lesson the course's,
    # and the screening test needs the learner's email
    "list_test_assignments",
    "create_test_assignment",
    "create_test_assignments",
    "list_course_progress",
    "store_lesson_plan_operation",
    "assign_screening_test",
    # the learner flow: the learner must be in the roster cache (an admin has no roster person,
    # so must name one: mostly one that is not) and the lesson at PowerPath; an answer must name
    # the question PowerPath is asking (D90)
    "start_lesson",
    "next_question",
    "answer_question",
    "complete_lesson",
    "list_lesson_attempts",
    "get_lesson_attempt",
    "complete_activity",
    # a heartbeat's lesson must be one TimeBack knows, an admin must name a roster learner, and
    # the seconds must fit the span between its two instants
    "learning_heartbeat",
]

DEMO_ADMIN_EMAIL = next(
    a.email for a in demo_accounts(make_settings("sqlite://")) if a.is_demo and a.role == "admin"
)

_DB_DIR = tempfile.TemporaryDirectory(prefix="bff-schemathesis-")


schemathesis.openapi.format("oneroster-filter", oneroster_filters())
schemathesis.openapi.format("oneroster-fields", oneroster_fields())


def _app(name: str) -> FastAPI:
    """A sandbox app on its own SQLite file; BFF_* variables are hidden as tests/conftest.py does."""
    with pytest.MonkeyPatch.context() as env:
        for key in [k for k in os.environ if k.startswith("BFF_") and k != "BFF_TEST_POSTGRES_URL"]:
            env.delenv(key)
        return create_app(make_settings(f"sqlite+aiosqlite:///{Path(_DB_DIR.name) / name}.db"))


#: Anonymous: every operation, as a caller without credentials sees it.
schema = schemathesis.openapi.from_asgi("/openapi.json", _app("anonymous"))

#: As the sandbox's demo admin, on an app of its own: the anonymous run fuzzes the login endpoint
#: until the per-address throttle answers 429, which would also refuse this run's login.
admin_schema = schemathesis.openapi.from_asgi("/openapi.json", _app("admin")).exclude(
    # Fuzzing it as the admin sooner or later demotes or deactivates the admin's own account (ids
    # are small integers), and every later request is then refused: not a bug, lost coverage.
    # Logging out without a refresh token ends every access token of the account at once
    # (decision D39), this run's included: the same loss. The matrix calls both as every role.
    operation_id=["update_account", "logout"],
)
admin_rules_schema = admin_schema.include(operation_id=BUSINESS_RULE_OPERATIONS)
admin_schema = admin_schema.exclude(operation_id=BUSINESS_RULE_OPERATIONS)


@admin_rules_schema.auth()
@admin_schema.auth()
class DemoAdminToken:
    """Logs in through the app's own token endpoint; schemathesis caches the token, refetches on 401."""

    def get(self, case: Case, ctx: Any) -> str:
        login = case.operation.schema["/v1/auth/token"]["POST"].Case(
            body={"username": DEMO_ADMIN_EMAIL, "password": DEMO_PASSWORD},
            media_type="application/x-www-form-urlencoded",
        )
        response = login.call()
        assert response.status_code == 200, (
            f"demo admin login: {response.status_code} {response.text}"
        )
        token: str = response.json()["access_token"]
        return token

    def set(self, case: Case, data: str, ctx: Any) -> None:
        case.headers["Authorization"] = f"Bearer {data}"


@pytest.fixture(scope="module", autouse=True)
def _remove_databases() -> Iterator[None]:
    yield
    _DB_DIR.cleanup()


HYPOTHESIS = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    database=None,
    derandomize=True,  # the same cases every run: a finding never comes and goes by chance
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


@schema.parametrize()
@HYPOTHESIS
def test_anonymous_calls_conform_to_the_openapi_document(case: Case) -> None:
    case.call_and_validate(excluded_checks=EXCLUDED_CHECKS)


@admin_schema.parametrize()
@HYPOTHESIS
def test_admin_calls_conform_to_the_openapi_document(case: Case) -> None:
    case.call_and_validate(excluded_checks=EXCLUDED_CHECKS)


@admin_rules_schema.parametrize()
@HYPOTHESIS
def test_admin_calls_with_business_rules_conform_to_the_openapi_document(case: Case) -> None:
    case.call_and_validate(excluded_checks=[*EXCLUDED_CHECKS, positive_data_acceptance])
