"""The LMS port's Appsembler adapter over HTTP against the Open edX simulator: each documented
failure becomes its domain error, quirks never leave the adapter, retries only where safe."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from adapters.appsembler.client import make_appsembler_client
from adapters.appsembler.lms import AppsemblerLms
from adapters.timeback.retrying import RetryPolicy
from domain.errors import Throttled, UpstreamRateLimited, UpstreamRefusedInput, UpstreamUnavailable
from domain.models.lms import (
    AccountFilter,
    CodeRefusalReason,
    CodeStatusAction,
    CourseRole,
    EnrollmentAction,
    EnrollmentCodeNotFound,
    EnrollmentCodeRefused,
    EnrollmentFilter,
    EnrollmentOutcome,
    LmsAccountExists,
    LmsAccountNotFound,
    LmsAmbiguousLookup,
    LmsCourseNotFound,
    LmsRolesUnsupported,
    NewLmsAccount,
)
from simulators.appsembler import AppsemblerSimulator
from simulators.appsembler.state import Account, Certificate
from simulators.kit.server import serve_in_thread
from simulators.kit.transport import SimulatorTransport

BASE = "http://appsembler.sim"
BULK = "/appsembler_api/v0/bulk-enrollment/bulk-enroll"


async def _no_sleep(_: float) -> None:
    return None


FAST = RetryPolicy(sleep=_no_sleep)


@pytest.fixture
def sim() -> AppsemblerSimulator:
    return AppsemblerSimulator(seed=5, users=12, classes=3)


@pytest.fixture
async def lms(sim: AppsemblerSimulator) -> AsyncIterator[AppsemblerLms]:
    async with make_appsembler_client(
        base_url=BASE,
        client_id="sandbox-client",
        client_secret="sandbox-secret",
        timeout=2.0,
        transport=SimulatorTransport(sim.app),
    ) as http:
        yield AppsemblerLms(http, retry=FAST)


def course_of(sim: AppsemblerSimulator) -> str:
    return next(c for c in sim.state.courses if not c.endswith("self_paced"))


def a_student(sim: AppsemblerSimulator, n: int = 0) -> Account:
    return [a for a in sim.state.accounts.values() if not a.is_staff][n]


async def test_create_reads_the_trailing_space_key_and_sends_no_activation_mail(
    sim: AppsemblerSimulator, lms: AppsemblerLms
) -> None:
    made = await lms.create_account(
        NewLmsAccount(
            email="new.kid@example.edu", name="New Kid", username="new.kid", password="s3cret!"
        )
    )
    assert made.created
    assert made.username == "new.kid"
    assert sim.state.accounts[made.user_id].is_active
    assert sim.log.entries(path="/appsembler_api/v0/accounts/create")[0].status == 200
    without = await lms.create_account(NewLmsAccount(email="other.kid@example.edu", name="Other"))
    assert without.username == "other.kid"


async def test_create_conflicts_and_bad_values_are_domain_errors(
    sim: AppsemblerSimulator, lms: AppsemblerLms
) -> None:
    taken = a_student(sim)
    with pytest.raises(LmsAccountExists):
        await lms.create_account(NewLmsAccount(email=taken.email.upper(), name="X"))
    with pytest.raises(UpstreamRefusedInput) as bad:
        await lms.create_account(NewLmsAccount(email="not-an-email", name="X"))
    assert bad.value.field == "email"


async def test_a_create_whose_answer_was_lost_is_found_not_repeated(
    sim: AppsemblerSimulator, lms: AppsemblerLms
) -> None:
    sim.fail_next(502, path="/appsembler_api/v0/accounts/user_without_password")
    # the scripted 502 answers before the view runs: nothing was created, so it creates once more
    made = await lms.create_account(NewLmsAccount(email="lost.reply@example.edu", name="Lost"))
    assert made.created
    creates = sim.log.entries(path="/appsembler_api/v0/accounts/user_without_password")
    assert [c.status for c in creates] == [502, 200]
    # now the account exists: a lost answer to a second create finds it instead of creating
    sim.fail_next(502, path="/appsembler_api/v0/accounts/user_without_password")
    again = await lms.create_account(NewLmsAccount(email="lost.reply@example.edu", name="Lost"))
    assert (again.created, again.user_id) == (False, made.user_id)


async def test_connect_and_update_absorb_the_empty_404_and_the_409_for_a_bad_email(
    sim: AppsemblerSimulator, lms: AppsemblerLms
) -> None:
    student = a_student(sim)
    assert await lms.connect_account(student.username, name="Renamed") == student.id
    with pytest.raises(LmsAccountNotFound):
        await lms.connect_account("nobody-here")
    with pytest.raises(UpstreamRefusedInput):
        await lms.connect_account(student.username, email="zzz%%")
    with pytest.raises(LmsAccountExists):
        await lms.connect_account(student.username, email=a_student(sim, 1).email)
    assert await lms.update_account(student.email, {"country": "JO", "name": "N"}) == [
        "name",
        "country",
    ]
    with pytest.raises(LmsAccountNotFound):
        await lms.update_account("ghost@example.edu", {"name": "x"})
    with pytest.raises(LmsAccountExists):  # Open edX's 400 integrity_error
        await lms.update_account(student.username, {"email": a_student(sim, 1).email})
    with pytest.raises(UpstreamRefusedInput):
        await lms.update_account(student.username, {"email": "zzz%%"})


async def test_an_ambiguous_lookup_is_named(sim: AppsemblerSimulator, lms: AppsemblerLms) -> None:
    one, two = a_student(sim), a_student(sim, 1)
    sim.state.by_username.pop(one.username)
    one.username = two.email
    sim.state.by_username[one.username] = one
    with pytest.raises(LmsAmbiguousLookup):
        await lms.update_account(two.email, {"name": "x"})


async def test_lookups(sim: AppsemblerSimulator, lms: AppsemblerLms) -> None:
    student = a_student(sim)
    found = await lms.find_accounts(emails=[student.email.upper(), "nobody@x.org"])
    assert list(found.by_email) == [student.email.lower()]
    assert found.by_email[student.email.lower()].user_id == student.id
    assert await lms.username_exists(student.username)
    assert not await lms.username_exists("nobody-here")
    # get-user would answer for "<username>" when asked about "<username>@x": not here
    assert not await lms.username_exists(f"{student.username}@x.org")


async def test_bulk_enrollment_reports_each_person_and_splits_long_lists(
    sim: AppsemblerSimulator, lms: AppsemblerLms
) -> None:
    course = course_of(sim)
    one, two = a_student(sim), a_student(sim, 1)
    lms.bulk_chunk = 2
    result = await lms.bulk_enrollment(
        course, [one.email, two.username, "fresh@example.edu", "not an email"],
        EnrollmentAction.ENROLL,
    )  # fmt: skip
    assert [(r.outcome, r.has_account) for r in result.results] == [
        (EnrollmentOutcome.ENROLLED, True),
        (EnrollmentOutcome.ENROLLED, True),
        (EnrollmentOutcome.ALLOWED, False),
        (EnrollmentOutcome.INVALID_IDENTIFIER, False),
    ]
    assert len(sim.log.entries(path="/appsembler_api/v0/bulk-enrollment/bulk-enroll")) == 2
    again = await lms.bulk_enrollment(course, [one.email], EnrollmentAction.ENROLL)
    assert again.results[0].outcome is EnrollmentOutcome.ALREADY_ENROLLED
    drop = await lms.bulk_enrollment(
        course, [one.email, "fresh@example.edu", "never@example.edu"], EnrollmentAction.UNENROLL
    )
    assert [r.outcome for r in drop.results] == [
        EnrollmentOutcome.UNENROLLED,
        EnrollmentOutcome.DISALLOWED,
        EnrollmentOutcome.NOT_ENROLLED,
    ]
    with pytest.raises(LmsCourseNotFound):
        await lms.bulk_enrollment("course-v1:No+Such+Course", [one.email], EnrollmentAction.ENROLL)


async def test_bulk_enrollment_waits_out_the_throttle_and_the_api_key_skips_it(
    sim: AppsemblerSimulator, lms: AppsemblerLms
) -> None:
    course, student = course_of(sim), a_student(sim)
    sim.bulk_per_minute_staff = 1
    await lms.bulk_enrollment(course, [student.email], EnrollmentAction.ENROLL)
    lms.retry = RetryPolicy(max_attempts=1)
    with pytest.raises(UpstreamRateLimited) as throttled:
        await lms.bulk_enrollment(course, [student.email], EnrollmentAction.ENROLL)
    assert throttled.value.retry_after is not None
    assert throttled.value.retry_after > 0
    keyed = AppsemblerLms(lms.http, retry=FAST, edx_api_key="sandbox-edx-api-key")
    assert (await keyed.bulk_enrollment(course, [student.email], EnrollmentAction.ENROLL)).results


async def test_bulk_enrollment_is_repeated_after_a_server_error(
    sim: AppsemblerSimulator, lms: AppsemblerLms
) -> None:
    sim.fail_next(503, path="/appsembler_api/v0/bulk-enrollment")
    result = await lms.bulk_enrollment(
        course_of(sim), [a_student(sim).email], EnrollmentAction.ENROLL
    )
    assert [c.status for c in sim.log.entries(path=BULK)] == [503, 200]
    assert result.results[0].outcome is EnrollmentOutcome.ENROLLED


async def test_codes_generate_redeem_cancel_restore(
    sim: AppsemblerSimulator, lms: AppsemblerLms
) -> None:
    course, student = course_of(sim), a_student(sim)
    codes = await lms.generate_codes(course, 2)
    assert len(codes.codes) == 2
    assert codes.course_url == f"/courses/{course}/about"
    await lms.redeem_code(codes.codes[0], student.email)
    assert sim.state.is_enrolled(student.id, course)
    with pytest.raises(EnrollmentCodeRefused) as refused:
        await lms.redeem_code(codes.codes[0], student.email)
    assert refused.value.reason is CodeRefusalReason.ALREADY_ENROLLED
    await lms.set_code_status(codes.codes[0], CodeStatusAction.CANCEL)
    assert not sim.state.is_enrolled(student.id, course)
    with pytest.raises(EnrollmentCodeRefused) as cancelled:
        await lms.redeem_code(codes.codes[0], student.email)
    assert cancelled.value.reason is CodeRefusalReason.CODE_NOT_FOUND
    await lms.set_code_status(codes.codes[0], CodeStatusAction.RESTORE)
    await lms.redeem_code(codes.codes[0], student.email)
    with pytest.raises(EnrollmentCodeNotFound):
        await lms.set_code_status("NOPE2345", CodeStatusAction.CANCEL)
    with pytest.raises(UpstreamUnavailable):  # bad input escapes the real view as a 500
        await lms.generate_codes("not a key", 1)


async def test_redeeming_bad_codes_too_often_is_a_rate_limit(
    sim: AppsemblerSimulator, lms: AppsemblerLms
) -> None:
    email = a_student(sim).email
    for _ in range(sim.invalid_codes_per_minute):
        with pytest.raises(EnrollmentCodeRefused):
            await lms.redeem_code("BADCD234", email)
    with pytest.raises(Throttled) as throttled:
        await lms.redeem_code("BADCD234", email)
    assert throttled.value.retry_after == 60


async def test_analytics_keep_only_what_was_asked(
    sim: AppsemblerSimulator, lms: AppsemblerLms
) -> None:
    course, other, *_ = (c for c in sim.state.courses if not c.endswith("self_paced"))
    student = a_student(sim)
    now = sim.clock.utcnow()
    sim.state.enroll(student.id, course, now - timedelta(days=3))
    sim.state.enroll(student.id, other, now - timedelta(days=2))
    sim.state.add_certificate(Certificate(student.id, other, now - timedelta(days=1), "0.9", "ab"))
    rows = await lms.enrollments(EnrollmentFilter(course_id=course))
    assert [(e.course_id, e.username) for e in rows] == [(course, student.username)]
    certified = await lms.enrollments(EnrollmentFilter(course_id=other))
    assert certified[0].certificate is not None
    assert certified[0].certificate.grade == "0.9"
    assert certified[0].certificate.completion_date.tzinfo is not None
    since = datetime(2000, 1, 1, 1, tzinfo=UTC).astimezone()  # any zone: sent as UTC
    assert len(await lms.enrollments(EnrollmentFilter(enrolled_after=since))) == 2
    everyone = await lms.accounts(AccountFilter())
    pivot = sorted(everyone, key=lambda a: a.date_joined)[3]
    later = await lms.accounts(AccountFilter(joined_after=pivot.date_joined))
    assert pivot not in later
    assert len(later) == len(everyone) - 4


async def test_over_a_real_socket() -> None:
    sim = AppsemblerSimulator(seed=5, users=4, classes=1)
    with serve_in_thread(sim.app) as server:
        async with make_appsembler_client(
            base_url=server.url,
            client_id="sandbox-client",
            client_secret="sandbox-secret",
            timeout=5.0,
            transport=None,
        ) as http:
            lms = AppsemblerLms(http, retry=FAST)
            student = a_student(sim)
            result = await lms.bulk_enrollment(
                course_of(sim), [student.email], EnrollmentAction.ENROLL
            )
            assert result.results[0].outcome is EnrollmentOutcome.ENROLLED
            assert (await lms.find_accounts(usernames=[student.username])).by_username


async def test_course_roles_where_the_site_has_them(
    sim: AppsemblerSimulator, lms: AppsemblerLms
) -> None:
    course, teacher = course_of(sim), a_student(sim)
    assert set((await lms.course_roles(course)).values()) == {()}
    after = await lms.grant_course_role(course, CourseRole.STAFF, [teacher.email])
    assert after[CourseRole.STAFF] == (teacher.username,)
    moved = await lms.grant_course_role(course, CourseRole.INSTRUCTOR, [teacher.username])
    assert (moved[CourseRole.STAFF], moved[CourseRole.INSTRUCTOR]) == ((), (teacher.username,))
    for _ in range(2):
        gone = await lms.revoke_course_role(course, CourseRole.INSTRUCTOR, [teacher.username])
        assert gone[CourseRole.INSTRUCTOR] == ()
    with pytest.raises(LmsCourseNotFound):
        await lms.course_roles("course-v1:No+Such+Course")
    sim.course_roles_api = False
    with pytest.raises(LmsRolesUnsupported):
        await lms.course_roles(course)


async def test_a_course_is_looked_up_by_its_key(
    sim: AppsemblerSimulator, lms: AppsemblerLms
) -> None:
    key = course_of(sim)
    found = await lms.course(key)
    assert found is not None
    assert (found.course_id, found.name) == (key, sim.state.courses[key].name)
    assert await lms.course("course-v1:No+Such+Course") is None
    assert await lms.course("not a key") is None
