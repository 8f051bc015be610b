"""Open edX demo data: LMS accounts for the population's students, teachers and administrators.

Ids follow join order, as a database sequence would; the API's own service user comes first and,
like on a real site, shows up in the analytics batch too.
"""

from __future__ import annotations

from simulators.appsembler.state import Account, LmsState, OAuthApp
from simulators.kit.population import build_population
from simulators.kit.seed import EPOCH
from simulators.kit.simulator import SeedSpec

SANDBOX_CLIENT_ID = "sandbox-client"
SANDBOX_CLIENT_SECRET = "sandbox-secret"  # noqa: S105 (the documented sandbox credential)
SERVICE_USERNAME = "appsembler-api"


def build_lms(spec: SeedSpec) -> LmsState:
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
            )
        )
    return state
