"""Zoho demo data: the population's teachers and administrators as Zoho users, each having granted
the sandbox client a refresh token, in one Projects portal and one Desk organisation."""

from __future__ import annotations

from adapters.simulation.population import build_population
from adapters.simulation.seed import SeedGenerator
from adapters.simulation.simulator import SeedSpec
from adapters.zoho.simulator.state import RefreshGrant, ZohoState, ZohoUser

SANDBOX_CLIENT_ID = "sandbox-client"
SANDBOX_CLIENT_SECRET = "sandbox-secret"  # noqa: S105 (the documented sandbox credential)
SCOPE = "ZohoProjects.portals.READ,ZohoProjects.timesheets.ALL,Desk.tickets.ALL,Desk.basic.READ"


def build_zoho(spec: SeedSpec, *, projects_url: str) -> ZohoState:
    population = build_population(spec.seed, users=spec.users, classes=spec.classes)
    gen = SeedGenerator(spec.seed, "zoho")
    state = ZohoState(clients={SANDBOX_CLIENT_ID: SANDBOX_CLIENT_SECRET})
    for person in population.people:
        if person.role not in ("teacher", "administrator"):
            continue
        user = ZohoUser(gen.digits(9), person.email, f"{person.given_name} {person.family_name}")
        state.users[user.zuid] = user
        token = f"1000.{gen.hex(32)}.{gen.hex(32)}"
        state.refresh_tokens[token] = RefreshGrant(token, SANDBOX_CLIENT_ID, user.zuid, SCOPE)
    portal_id = gen.digits(8)
    slug = population.domain.split(".")[0]
    state.portals.append(
        {
            "id": int(portal_id),
            "id_string": portal_id,
            "name": slug,
            "default": True,
            "gmt_time_zone": "(GMT -5:0) Eastern Standard Time",
            "role": "admin",
            "settings": {
                "company_name": population.district.name,
                "time_zone": "America/New_York",
                "date_format": "MM-dd-yyyy hh:mm aaa",
            },
            "locale": {"code": "en_US", "language": "English", "country": "United States"},
            "link": {"project": {"url": f"{projects_url}/restapi/portal/{portal_id}/projects/"}},
        }
    )
    state.desk_orgs.append(
        {
            "id": gen.digits(9),
            "companyName": population.district.name,
            "portalName": slug,
            "isDefault": True,
            "edition": "ENTERPRISE",
        }
    )
    return state
