"""TimeBack demo data: the shared population as OneRoster orgs and users."""

from __future__ import annotations

from datetime import datetime, timedelta

from adapters.simulation.population import Org, Person, Population, build_population
from adapters.simulation.seed import SeedGenerator
from adapters.simulation.simulator import SeedSpec
from adapters.timeback.simulator.state import JsonObject, RosterState

SANDBOX_CLIENT_ID = "sandbox-client"
SANDBOX_CLIENT_SECRET = "sandbox-secret"  # noqa: S105 (the documented sandbox credential)
ROSTERING = "/ims/oneroster/rostering/v1p2"


def build_roster(spec: SeedSpec, *, public_url: str) -> RosterState:
    population = build_population(spec.seed, users=spec.users, classes=spec.classes)
    gen = SeedGenerator(spec.seed, "timeback")
    state = RosterState(clients={SANDBOX_CLIENT_ID: SANDBOX_CLIENT_SECRET})
    for org in population.orgs:
        state.orgs.put(org_entity(org, population, public_url))
    for person in population.people:
        state.users.put(user_entity(person, gen, public_url))
    return state


def iso(moment: datetime) -> str:
    """TimeBack's timestamps: UTC, milliseconds, ``Z``."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def ref(public_url: str, kind: str, sourced_id: str) -> JsonObject:
    path = "orgs" if kind == "org" else "users"
    return {
        "href": f"{public_url}{ROSTERING}/{path}/{sourced_id}",
        "sourcedId": sourced_id,
        "type": kind,
    }


def org_entity(org: Org, population: Population, public_url: str) -> JsonObject:
    children = [s for s in population.schools if s.parent == org.key]
    return {
        "sourcedId": org.key,
        "status": "active",
        "dateLastModified": iso(org.created_at),
        "metadata": {},
        "name": org.name,
        "type": org.kind,
        "identifier": org.identifier,
        "parent": ref(public_url, "org", org.parent) if org.parent else None,
        "children": [ref(public_url, "org", c.key) for c in children],
    }


def user_entity(person: Person, gen: SeedGenerator, public_url: str) -> JsonObject:
    modified = person.joined_at + timedelta(days=gen.integer(0, 90))
    org = ref(public_url, "org", person.org)
    return {
        "sourcedId": person.key,
        "status": "active",
        "dateLastModified": iso(modified),
        "metadata": {},
        "userMasterIdentifier": None,
        "username": person.username,
        "userIds": [],
        "enabledUser": "true",  # a string on the wire, not a boolean
        "givenName": person.given_name,
        "familyName": person.family_name,
        "middleName": None,
        "roles": [{"roleType": "primary", "role": person.role, "org": org}],
        "agents": [ref(public_url, "user", key) for key in person.agents],
        "userProfiles": [],
        "primaryOrg": org,
        "identifier": person.identifier,
        "email": person.email,
        "preferredFirstName": None,
        "preferredMiddleName": None,
        "preferredLastName": None,
        "pronouns": None,
        "grades": list(person.grades),
        "sms": None,
        "phone": f"+1555{gen.digits(7)}" if person.role == "guardian" else None,
    }
