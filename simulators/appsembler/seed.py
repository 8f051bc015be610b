"""Open edX demo data: accounts for the population's students, teachers and administrators, and a
course for every TimeBack class (plus a self-paced one per TimeBack course), so a class can be
linked to its course.

Ids follow join order, as a database sequence would; the API's own service user comes first and,
like on a real site, shows up in the analytics batch too. With ``demo_data`` (the sandbox) the
students of each school's first class are already enrolled in its course, a few with a certificate,
so analytics have something to show.
"""

from __future__ import annotations

from datetime import timedelta

from simulators.appsembler.state import Account, Certificate, Course, LmsState, OAuthApp
from simulators.kit.population import Population, build_population
from simulators.kit.schedule import SCHOOL_YEAR
from simulators.kit.seed import EPOCH, SeedGenerator
from simulators.kit.simulator import SeedSpec

SANDBOX_CLIENT_ID = "sandbox-client"
SANDBOX_CLIENT_SECRET = "sandbox-secret"  # noqa: S105 (the documented sandbox credential)
SERVICE_USERNAME = "appsembler-api"
SELF_PACED_RUN = "self_paced"


def course_key(org: str, number: str, run: str) -> str:
    return f"course-v1:{org}+{number}+{run}"


def build_lms(spec: SeedSpec, *, demo_data: bool = False) -> LmsState:
    population = build_population(spec.seed, users=spec.users, classes=spec.classes)
    state = LmsState()
    state.add_account(
        Account(1, SERVICE_USERNAME, f"{SERVICE_USERNAME}@{population.domain}", True, True, EPOCH)
    )
    state.apps[SANDBOX_CLIENT_ID] = OAuthApp(SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, user_id=1)
    learners = sorted(
        (p for p in population.people if p.role != "guardian"), key=lambda p: p.joined_at
    )
    for user_id, person in enumerate(learners, start=2):
        state.add_account(
            Account(
                id=user_id,
                username=person.username,
                email=person.email,
                is_active=True,
                is_staff=person.role == "administrator",
                date_joined=person.joined_at,
                name=f"{person.given_name} {person.family_name}",
                extension={},
            )
        )
    _add_courses(state, population)
    if demo_data:
        _enroll_first_classes(state, population, SeedGenerator(spec.seed, "appsembler"))
    return state


def _add_courses(state: LmsState, population: Population) -> None:
    org = population.district.identifier
    for course in population.courses:
        key = course_key(org, course.code, SELF_PACED_RUN)
        state.courses[key] = Course(
            key,
            course.title,
            org,
            course.code,
            SELF_PACED_RUN,
            course.created_at,
            source=course.key,
        )
    run = str(SCHOOL_YEAR)
    for klass in population.classes:
        key = course_key(org, klass.code, run)
        state.courses[key] = Course(
            key, klass.title, org, klass.code, run, klass.created_at, source=klass.key
        )


def _enroll_first_classes(state: LmsState, population: Population, gen: SeedGenerator) -> None:
    org = population.district.identifier
    account_of = {
        p.key: state.by_username[p.username] for p in population.people if p.role != "guardian"
    }
    seen: set[str] = set()
    for klass in population.classes:
        if klass.school in seen:
            continue
        seen.add(klass.school)
        key = course_key(org, klass.code, str(SCHOOL_YEAR))
        for enrollment in population.enrolled(klass=klass.key):
            if enrollment.role != "student":
                continue
            account = account_of[enrollment.person]
            when = enrollment.created_at + timedelta(days=1)
            state.enroll(account.id, key, when)
            if gen.chance(0.3):
                state.add_certificate(
                    Certificate(
                        account.id,
                        key,
                        when + timedelta(days=60),
                        f"{gen.integer(60, 100) / 100:.2f}",
                        gen.hex(32),
                    )
                )
