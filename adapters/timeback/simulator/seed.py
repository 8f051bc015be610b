"""TimeBack demo data: the shared population as OneRoster orgs, users, academic sessions,
courses, classes and enrollments, in TimeBack's wire shapes (§4.1 of the reference)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from adapters.simulation.population import Org, Person, Population, build_population
from adapters.simulation.schedule import Course, Enrollment, SchoolClass, Session
from adapters.simulation.seed import SeedGenerator
from adapters.simulation.simulator import SeedSpec
from adapters.timeback.simulator.state import JsonObject, RosterState

SANDBOX_CLIENT_ID = "sandbox-client"
SANDBOX_CLIENT_SECRET = "sandbox-secret"  # noqa: S105 (the documented sandbox credential)
ROSTERING = "/ims/oneroster/rostering/v1p2"
#: where a reference of each type points
REF_PATHS = {
    "org": "orgs",
    "user": "users",
    "academicSession": "academicSessions",
    "term": "terms",
    "course": "courses",
    "class": "classes",
    "enrollment": "enrollments",
}


def build_roster(spec: SeedSpec, *, public_url: str) -> RosterState:
    population = build_population(spec.seed, users=spec.users, classes=spec.classes)
    gen = SeedGenerator(spec.seed, "timeback")
    state = RosterState(clients={SANDBOX_CLIENT_ID: SANDBOX_CLIENT_SECRET})
    for org in population.orgs:
        state.orgs.put(org_entity(org, population, public_url))
    for person in population.people:
        state.users.put(user_entity(person, gen, public_url))
    for session in population.sessions:
        state.academic_sessions.put(session_entity(session, population, public_url))
    for course in population.courses:
        state.courses.put(course_entity(course, public_url))
    for klass in population.classes:
        state.classes.put(class_entity(klass, public_url))
    for enrollment in population.enrollments:
        state.enrollments.put(enrollment_entity(enrollment, public_url))
    return state


def iso(moment: datetime) -> str:
    """TimeBack's timestamps: UTC, milliseconds, ``Z``."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def ref(public_url: str, kind: str, sourced_id: str) -> JsonObject:
    """A reference to another entity: ``{"href", "sourcedId", "type"}``."""
    return {
        "href": f"{public_url}{ROSTERING}/{REF_PATHS[kind]}/{sourced_id}",
        "sourcedId": sourced_id,
        "type": kind,
    }


def base(sourced_id: str, modified: datetime) -> JsonObject:
    """The fields every OneRoster entity starts with."""
    return {
        "sourcedId": sourced_id,
        "status": "active",
        "dateLastModified": iso(modified),
        "metadata": {},
    }


def org_entity(org: Org, population: Population, public_url: str) -> JsonObject:
    children = [s for s in population.schools if s.parent == org.key]
    return {
        **base(org.key, org.created_at),
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
        **base(person.key, modified),
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


def session_entity(session: Session, population: Population, public_url: str) -> JsonObject:
    children = [s for s in population.sessions if s.parent == session.key]
    return {
        **base(session.key, session.created_at),
        "title": session.title,
        "startDate": iso(_midnight(session.start)),
        "endDate": iso(_midnight(session.end)),
        "type": session.kind,
        "parent": ref(public_url, "academicSession", session.parent) if session.parent else None,
        "children": [ref(public_url, "academicSession", c.key) for c in children],
        "schoolYear": session.school_year,  # a number on the wire
        "org": ref(public_url, "org", session.org),
    }


def course_entity(course: Course, public_url: str) -> JsonObject:
    return {
        **base(course.key, course.created_at),
        "title": course.title,
        "schoolYear": ref(public_url, "academicSession", course.school_year),
        "courseCode": course.code,
        "grades": list(course.grades),
        "subjects": [course.subject],
        "subjectCodes": [],
        "org": ref(public_url, "org", course.org),
        "level": None,
        "gradingScheme": None,
        "resources": [],
    }


def class_entity(klass: SchoolClass, public_url: str) -> JsonObject:
    return {
        **base(klass.key, klass.created_at),
        "title": klass.title,
        "classCode": klass.code,
        "classType": "scheduled",
        "location": klass.location,
        "grades": list(klass.grades),
        "subjects": [klass.subject],
        "course": ref(public_url, "course", klass.course),
        "school": ref(public_url, "org", klass.school),
        "terms": [ref(public_url, "academicSession", klass.term)],
        "subjectCodes": [],
        "periods": [],
        "resources": [],
    }


def enrollment_entity(enrollment: Enrollment, public_url: str) -> JsonObject:
    return {
        **base(enrollment.key, enrollment.created_at),
        "role": enrollment.role,
        "primary": "true" if enrollment.primary else "false",  # a string on the wire
        "beginDate": enrollment.begin.isoformat(),
        "endDate": enrollment.end.isoformat(),
        "user": ref(public_url, "user", enrollment.person),
        "class": ref(public_url, "class", enrollment.klass),
        "school": ref(public_url, "org", enrollment.school),
    }


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)
