"""The Open edX simulator reproduces each quirk of reference section 7 (items 1-13), one test
each (item numbers in the names), plus the behaviour around them that clients rely on."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pytest

from simulators.appsembler import AppsemblerSimulator
from simulators.appsembler.enrollments import CODE_ALPHABET
from simulators.appsembler.state import Certificate
from simulators.kit.transport import SimulatorTransport
from tests.contract.appsembler_wire import API, BASE, class_course, learners, token_for, wire


@pytest.fixture
def sim() -> AppsemblerSimulator:
    return AppsemblerSimulator(seed=7, users=12, classes=3)


async def test_q1_three_spellings_of_the_user_id(sim: AppsemblerSimulator) -> None:
    student = learners(sim)[0]
    async with wire(sim) as http:
        created = await http.post(
            "/accounts/create",
            json={"username": "q1", "password": "pw", "email": "q1@x.org", "name": "Q"},
        )
        connected = await http.post("/accounts/connect", json={"username": student.username})
        got = await http.get(f"/accounts/get-user/{student.username}")
    assert created.json() == {"user_id ": sim.state.by_username["q1"].id}
    assert connected.json() == {"user_id": student.id}
    assert got.json() == {"user_id": student.username}


async def test_q2_404s_of_connect_and_get_user_have_no_body_update_user_has_one(
    sim: AppsemblerSimulator,
) -> None:
    async with wire(sim) as http:
        connect = await http.post("/accounts/connect", json={"username": "ghost"})
        get_user = await http.get("/accounts/get-user/ghost")
        update = await http.post("/accounts/update_user", json={"user_lookup": "ghost"})
    assert (connect.status_code, connect.content) == (404, b"")
    assert (get_user.status_code, get_user.content) == (404, b"")
    assert update.status_code == 404
    assert update.json() == {
        "user_not_found": "The user for the Given username or email doesn't exists"
    }


async def test_q3_a_bad_email_is_409_on_connect_and_a_taken_one_400_on_update(
    sim: AppsemblerSimulator,
) -> None:
    one, two = learners(sim)[:2]
    async with wire(sim) as http:
        bad = await http.post("/accounts/connect", json={"username": one.username, "email": "zz"})
        taken = await http.post(
            "/accounts/connect", json={"username": one.username, "email": two.email}
        )
        dup = await http.post(
            "/accounts/update_user", json={"user_lookup": one.username, "email": two.email}
        )
    assert (bad.status_code, bad.json()) == (409, {"user_message": "Invalid email format"})
    assert (taken.status_code, taken.json()) == (
        409,
        {"user_message": f"The email {two.email} is in use by another user"},
    )
    assert (dup.status_code, dup.json()) == (
        400,
        {"integrity_error": "An account with this e-mail already exists."},
    )


async def test_q4_create_conflicts_before_validating_and_makes_active_accounts(
    sim: AppsemblerSimulator,
) -> None:
    taken = learners(sim)[0]
    async with wire(sim) as http:
        by_email = await http.post("/accounts/create", json={"email": taken.email.upper()})
        by_name = await http.post("/accounts/create", json={"username": taken.username})
        invalid = await http.post("/accounts/create", json={"username": "x y", "email": "n@x.org"})
        made = await http.post(
            "/accounts/create",
            data={"username": "formed", "password": "pw", "email": "f@x.org", "name": "F"},
        )
    conflict = {"user_message": "User already exists"}
    assert (by_email.status_code, by_email.json()) == (409, conflict)
    assert (by_name.status_code, by_name.json()) == (409, conflict)
    assert (invalid.status_code, invalid.json()) == (
        400,
        {"user_message": "Wrong parameters on user creation"},
    )
    assert made.status_code == 200  # form-encoded bodies work too
    assert sim.state.by_username["formed"].is_active


async def test_q5_success_and_reason_are_json_booleans(sim: AppsemblerSimulator) -> None:
    student = learners(sim)[0]
    async with wire(sim) as http:
        codes = (
            await http.post(
                "/enrollment-codes/generate",
                json={"course_id": class_course(sim), "total_registration_codes": 1},
            )
        ).json()["codes"]
        ok = await http.post(
            "/enrollment-codes/enroll-user",
            json={"email": student.email, "enrollment_code": codes[0]},
        )
        refused = await http.post(
            "/enrollment-codes/enroll-user",
            json={"email": "nobody@x.org", "enrollment_code": codes[0]},
        )
    assert ok.json() == {"success": True}
    assert refused.json() == {"success": False, "reason": "User not found"}
    assert refused.status_code == 400


async def test_q6_update_user_lists_fields_in_the_views_order_values_unchecked(
    sim: AppsemblerSimulator,
) -> None:
    student = learners(sim)[0]
    body = {
        "user_lookup": student.username,
        "district": "101815",
        "country": "ZZZ-not-a-country",
        "email": "moved@x.org",
        "name": "x",
    }
    async with wire(sim) as http:
        changed = await http.post("/accounts/update_user", json=body)
        nothing = await http.post("/accounts/update_user", json={"user_lookup": "moved@x.org"})
    assert changed.json() == {
        "success": "The following fields has been updated: "
        "email=moved@x.org, name=x, country=ZZZ-not-a-country, district=101815"
    }
    assert nothing.json() == {"success": "The following fields has been updated: "}


async def test_q6_extension_fields_are_reported_even_without_a_row(
    sim: AppsemblerSimulator,
) -> None:
    student = learners(sim)[0]
    student.extension = None
    async with wire(sim) as http:
        reply = await http.post(
            "/accounts/update_user", json={"user_lookup": student.username, "district": "9"}
        )
    assert reply.json()["success"].endswith("district=9")
    assert student.extension is None


async def test_q7_codes_alphabet_count_forms_no_course_check_and_500s(
    sim: AppsemblerSimulator,
) -> None:
    async with wire(sim) as http:
        made = await http.post(
            "/enrollment-codes/generate",
            data={"course_id": "course-v1:Nowhere+X+1", "total_registration_codes": "3.0"},
        )
        bad_key = await http.post(
            "/enrollment-codes/generate", json={"course_id": "nope", "total_registration_codes": 1}
        )
        no_count = await http.post(
            "/enrollment-codes/generate", json={"course_id": class_course(sim)}
        )
    body = made.json()
    assert body["course_id"] == "course-v1:Nowhere+X+1"  # not checked
    assert body["course_url"] == "/courses/course-v1:Nowhere+X+1/about"
    assert len(body["codes"]) == 3
    assert all(re.fullmatch(f"[{CODE_ALPHABET}]{{8}}", c) for c in body["codes"])
    assert not set("aeiouAEIOU1l") & set(CODE_ALPHABET)
    assert len(CODE_ALPHABET) == 62 - 12
    assert (bad_key.status_code, no_count.status_code) == (500, 500)
    assert bad_key.text == "<h1>Server Error (500)</h1>"


async def test_q8_codes_redeem_again_cancelled_ones_are_not_found_and_bad_ones_rate_limit(
    sim: AppsemblerSimulator,
) -> None:
    one, two = learners(sim)[:2]
    course = class_course(sim)
    async with wire(sim) as http:
        code = (
            await http.post(
                "/enrollment-codes/generate",
                json={"course_id": course, "total_registration_codes": 1},
            )
        ).json()["codes"][0]
        first = await http.post(
            "/enrollment-codes/enroll-user", json={"email": one.email, "enrollment_code": code}
        )
        second = await http.post(
            "/enrollment-codes/enroll-user", json={"email": two.email, "enrollment_code": code}
        )
        await http.post(
            "/enrollment-codes/status", json={"enrollment_code": code, "action": "cancel"}
        )
        cancelled = await http.post(
            "/enrollment-codes/enroll-user", json={"email": one.email, "enrollment_code": code}
        )
        # unknown user and bad code: the code's reason is written last
        both = await http.post(
            "/enrollment-codes/enroll-user", json={"email": "x@y.org", "enrollment_code": "Q"}
        )
        tries = [
            await http.post(
                "/enrollment-codes/enroll-user", json={"email": one.email, "enrollment_code": "Q"}
            )
            for _ in range(5)
        ]
    assert first.json() == second.json() == {"success": True}
    assert cancelled.json() == {"success": False, "reason": "Enrollment code not found"}
    assert both.json()["reason"] == "Enrollment code not found"
    # cancelled + both + 4 more make 6 invalid codes in the minute: the 7th is refused
    assert [t.status_code for t in tries] == [400, 400, 400, 400, 403]
    assert tries[-1].json() == {"detail": "You do not have permission to perform this action."}
    sim.clock.advance(61)
    async with wire(sim) as http:
        later = await http.post(
            "/enrollment-codes/enroll-user", json={"email": one.email, "enrollment_code": "Q"}
        )
    assert later.status_code == 400


async def test_q9_status_is_a_success_for_any_action_and_both_actions_unenroll(
    sim: AppsemblerSimulator,
) -> None:
    student = learners(sim)[0]
    course = class_course(sim)

    async def redeem(http: httpx.AsyncClient, code: str) -> None:
        reply = await http.post(
            "/enrollment-codes/enroll-user", json={"email": student.email, "enrollment_code": code}
        )
        assert reply.json() == {"success": True}

    async with wire(sim) as http:
        code = (
            await http.post(
                "/enrollment-codes/generate",
                json={"course_id": course, "total_registration_codes": 1},
            )
        ).json()["codes"][0]
        other = await http.post(
            "/enrollment-codes/status", json={"enrollment_code": code, "action": "frobnicate"}
        )
        await redeem(http, code)
        await http.post(
            "/enrollment-codes/status", json={"enrollment_code": code, "action": "restore"}
        )
        after_restore = sim.state.is_enrolled(student.id, course)
        await redeem(http, code)
        await http.post(
            "/enrollment-codes/status", json={"enrollment_code": code, "action": "cancel"}
        )
        unknown = await http.post(
            "/enrollment-codes/status", json={"enrollment_code": "ZZZZ", "action": "cancel"}
        )
    assert other.json() == {"success": True}
    assert after_restore is False
    assert not sim.state.is_enrolled(student.id, course)
    assert (unknown.status_code, unknown.json()) == (
        400,
        {"reason": "The enrollment code (ZZZZ) was not found", "success": False},
    )


async def test_q10_enrollment_batch_is_exclusive_on_created_and_ors_in_certified_users(
    sim: AppsemblerSimulator,
) -> None:
    one, two = learners(sim)[:2]
    course, other = class_course(sim), class_course(sim, 1)
    start = sim.clock.utcnow()
    sim.state.enroll(one.id, course, start)
    sim.state.enroll(two.id, course, start + timedelta(hours=1))
    sim.state.enroll(one.id, other, start - timedelta(days=30))
    sim.state.add_certificate(Certificate(one.id, course, start + timedelta(days=2), "0.85", "u1"))
    async with wire(sim) as http:
        rows = (await http.get("/analytics/enrollment/batch", params={"course_id": course})).json()
        exclusive = (
            await http.get(
                "/analytics/enrollment/batch",
                params={"course_id": course, "updated_min": start.isoformat()},
            )
        ).json()
        spaced = await http.get(f"/analytics/enrollment/batch?course_id={course.replace('+', ' ')}")
        bad = await http.get("/analytics/enrollment/batch", params={"course_id": "nope"})
        parsable = await http.get(
            "/analytics/enrollment/batch", params={"updated_max": "Jan 1 2100"}
        )
    # one's enrollment in the other course rides along: one holds a certificate matching
    assert sorted((r["username"], r["course_id"]) for r in rows) == sorted(
        [(one.username, course), (two.username, course), (one.username, other)]
    )
    cert = next(r for r in rows if r["course_id"] == course and r["user_id"] == one.id)
    assert cert["certificate"]["completion_date"] == str(start + timedelta(days=2))
    assert cert["certificate"]["grade"] == "0.85"
    assert cert["certificate"]["url"] == f"{BASE}/certificates/u1"
    # strictly after: one's enrollment made at `start` is out, but the certificate drags it in
    assert {(r["username"], r["course_id"]) for r in exclusive} == {
        (two.username, course),
        (one.username, course),
        (one.username, other),
    }
    assert spaced.json() == rows  # "+" decoded as " " is put back
    assert bad.status_code == 500
    assert parsable.status_code == 200


async def test_q10_accounts_batch_is_exclusive_on_date_joined_and_lists_the_service_user(
    sim: AppsemblerSimulator,
) -> None:
    async with wire(sim) as http:
        rows = (await http.get("/analytics/accounts/batch")).json()
        pivot = rows[4]["date_joined"]
        after = (await http.get("/analytics/accounts/batch", params={"updated_min": pivot})).json()
        before = (await http.get("/analytics/accounts/batch", params={"updated_max": pivot})).json()
    assert rows[0]["username"] == "appsembler-api"
    assert rows[4] not in after
    assert rows[4] not in before
    assert len(after) + len(before) == len(rows) - 1


async def test_q11_bulk_enroll_splits_courses_untrimmed_trims_identifiers_and_allows_unknowns(
    sim: AppsemblerSimulator,
) -> None:
    one, two = learners(sim)[:2]
    course, other = class_course(sim), class_course(sim, 1)
    async with wire(sim) as http:
        spaced = await http.post(
            "/bulk-enrollment/bulk-enroll",
            json={"action": "enroll", "identifiers": one.email, "courses": f"{course}, {other}"},
        )
        missing = await http.post("/bulk-enrollment/bulk-enroll", json={"action": "x"})
        unknown_course = await http.post(
            "/bulk-enrollment/bulk-enroll",
            json={"action": "enroll", "identifiers": one.email, "courses": "course-v1:A+B+C"},
        )
        done = await http.post(
            "/bulk-enrollment/bulk-enroll",
            data={
                "action": "enroll",
                "identifiers": f"  {one.email} ,\n{two.username}\nnew@x.org, not-an-email",
                "courses": f"{course},{other}",
                "auto_enroll": "true",
            },
        )
    assert (spaced.status_code, spaced.json()) == (
        400,
        {"courses": [f"Course key not valid:  {other}"]},
    )
    assert missing.json() == {
        "identifiers": ["This field is required."],
        "courses": ["This field is required."],
        "action": ['"x" is not a valid choice.'],
    }
    assert (unknown_course.status_code, unknown_course.json()) == (404, {"detail": "Not found."})
    body = done.json()
    assert (body["action"], body["auto_enroll"], body["email_students"]) == ("enroll", True, False)
    results = body["courses"][course]["results"]
    assert [r["identifier"] for r in results] == [
        one.email,
        two.username,
        "new@x.org",
        "not-an-email",
    ]
    assert results[0]["before"] == {
        "user": True, "enrollment": False, "allowed": False, "auto_enroll": False
    }  # fmt: skip
    assert results[0]["after"]["enrollment"] is True
    assert results[2]["after"] == {
        "user": False, "enrollment": False, "allowed": True, "auto_enroll": True
    }  # fmt: skip
    assert results[3] == {"identifier": "not-an-email", "invalidIdentifier": True}
    assert set(body["courses"]) == {course, other}


async def test_q11_an_allowed_email_is_enrolled_when_its_account_appears(
    sim: AppsemblerSimulator,
) -> None:
    course = class_course(sim)
    async with wire(sim) as http:
        await http.post(
            "/bulk-enrollment/bulk-enroll",
            json={"action": "enroll", "identifiers": "late@x.org", "courses": course,
                  "auto_enroll": True},
        )  # fmt: skip
        made = await http.post(
            "/accounts/user_without_password", json={"email": "late@x.org", "name": "L"}
        )
    assert sim.state.is_enrolled(made.json()["user_id"], course)
    assert made.json()["username"] == "late"


async def test_q11_bulk_enroll_is_throttled_per_user_unless_the_api_key_is_sent(
    sim: AppsemblerSimulator,
) -> None:
    body = {"action": "enroll", "identifiers": "a@x.org", "courses": class_course(sim)}
    async with wire(sim) as http:  # the service user is staff: 120 a minute
        answers = [
            (await http.post("/bulk-enrollment/bulk-enroll", json=body)).status_code
            for _ in range(121)
        ]
        refused = await http.post("/bulk-enrollment/bulk-enroll", json=body)
        keyed = await http.post(
            "/bulk-enrollment/bulk-enroll",
            json=body,
            headers={"X-Edx-Api-Key": sim.edx_api_key or ""},
        )
    assert answers == [200] * 120 + [429]
    assert refused.headers["retry-after"] == "60"
    assert refused.json() == {"detail": "Request was throttled. Expected available in 60 seconds."}
    assert keyed.status_code == 200
    sim.clock.advance(60)
    async with wire(sim) as http:
        assert (await http.post("/bulk-enrollment/bulk-enroll", json=body)).status_code == 200


async def test_q11_learners_get_the_lower_throttle(sim: AppsemblerSimulator) -> None:
    learner = learners(sim)[0]
    body = {"action": "enroll", "identifiers": learner.email, "courses": class_course(sim)}
    async with wire(sim, learner) as http:
        answers = [
            (await http.post("/bulk-enrollment/bulk-enroll", json=body)).status_code
            for _ in range(41)
        ]
    # not course staff (the instructor API's 403), and throttled after 40 a minute all the same
    assert answers == [403] * 40 + [429]


@pytest.mark.parametrize(
    "path",
    ["/accounts/createXYZ", "/accounts/create/", "/accounts/create/anything/else"],
)
async def test_q12_routes_match_by_prefix(sim: AppsemblerSimulator, path: str) -> None:
    async with wire(sim) as http:
        reply = await http.post(path, json={"email": learners(sim)[0].email})
    assert (reply.status_code, reply.json()) == (409, {"user_message": "User already exists"})


async def test_q12_get_user_stops_at_the_at_sign(sim: AppsemblerSimulator) -> None:
    student = learners(sim)[0]
    async with wire(sim) as http:
        reply = await http.get(f"/accounts/get-user/{student.username}@x.com")
    assert reply.json() == {"user_id": student.username}


async def test_q13_auth_errors_missing_header_vs_bad_tokens(sim: AppsemblerSimulator) -> None:
    stale = token_for(sim)
    sim.clock.advance(36001)
    async with httpx.AsyncClient(
        transport=SimulatorTransport(sim.app), base_url=BASE + API
    ) as http:
        missing = await http.post("/accounts/create", json={})
        unknown = await http.post("/accounts/create", headers={"Authorization": "Bearer nope"})
        expired = await http.post("/accounts/create", headers={"Authorization": f"Bearer {stale}"})
    assert (missing.status_code, missing.json()) == (
        401,
        {"detail": "Authentication credentials were not provided."},
    )
    assert unknown.json()["error_code"] == "token_nonexistent"
    assert expired.json() == {
        "error_code": "token_expired",
        "developer_message": "The provided access token has expired and is no longer valid.",
    }
    assert {r.headers["www-authenticate"] for r in (missing, unknown, expired)} == {
        'Bearer realm="api"'
    }


async def test_jwt_tokens_go_with_the_jwt_scheme_only(sim: AppsemblerSimulator) -> None:
    async with httpx.AsyncClient(transport=SimulatorTransport(sim.app), base_url=BASE) as http:
        token = (
            await http.post(
                "/oauth2/access_token",
                data={"grant_type": "client_credentials", "client_id": "sandbox-client",
                      "client_secret": "sandbox-secret", "token_type": "jwt"},
            )
        ).json()  # fmt: skip
        as_jwt = await http.get(
            API + "/analytics/accounts/batch",
            headers={"Authorization": f"JWT {token['access_token']}"},
        )
        as_bearer = await http.get(
            API + "/analytics/accounts/batch",
            headers={"Authorization": f"Bearer {token['access_token']}"},
        )
    assert token["token_type"] == "JWT"
    assert token["access_token"].count(".") == 2
    assert as_jwt.status_code == 200
    assert as_bearer.json()["error_code"] == "token_nonexistent"


async def test_a_learner_token_may_connect_itself_only(sim: AppsemblerSimulator) -> None:
    me, other = learners(sim)[:2]
    async with wire(sim, me) as http:
        mine = await http.post("/accounts/connect", json={"username": me.username, "name": "Me"})
        theirs = await http.post("/accounts/connect", json={"username": other.username})
        get_mine = await http.get(f"/accounts/get-user/{me.username}")
    assert mine.json() == {"user_id": me.id}
    assert theirs.status_code == 403
    assert get_mine.status_code == 200
