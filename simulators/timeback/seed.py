"""TimeBack demo data: the shared population as OneRoster orgs, users, academic sessions,
courses, classes and enrollments, in TimeBack's wire shapes (§4.1 of the reference), plus the
students' demographics and every course's units and lessons (course components and component
resources). Academic sessions are the population's: the school year, its two terms and each
term's two grading periods (quarters)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from simulators.kit.population import Org, Person, Population, build_population
from simulators.kit.schedule import Course, Enrollment, SchoolClass, Session
from simulators.kit.seed import SeedGenerator
from simulators.kit.simulator import SeedSpec
from simulators.timeback.checks import LESSON_TYPES
from simulators.timeback.schema import SCHEMA_FIELDS
from simulators.timeback.seed_gradebook import seed_gradebook_and_resources
from simulators.timeback.state import Collection, JsonObject, RosterState

SANDBOX_CLIENT_ID = "sandbox-client"
SANDBOX_CLIENT_SECRET = "sandbox-secret"  # noqa: S105 (the documented sandbox credential)
ROSTERING = "/ims/oneroster/rostering/v1p2"
#: the gradebook's collections (path = list key, singular key, label): empty in a bare simulator;
#: the sandbox's demo data has the shared categories below, and seed_gradebook.py fills the rest
GRADEBOOK_COLLECTIONS = (
    ("lineItems", "lineItem", "Line item"),
    ("results", "result", "Result"),
    ("categories", "category", "Category"),
    ("scoreScales", "scoreScale", "Score scale"),
    ("assessmentLineItems", "assessmentLineItem", "Assessment line item"),
    ("assessmentResults", "assessmentResult", "Assessment result"),
)
#: where a reference of each type points
REF_PATHS = {
    "org": "orgs",
    "user": "users",
    "academicSession": "academicSessions",
    "term": "terms",
    "course": "courses",
    "class": "classes",
    "enrollment": "enrollments",
    "courseComponent": "courses/components",
    "componentResource": "courses/component-resources",
}
#: shared gradebook categories: a line item must name one that exists, and only admins make them,
#: so a teacher in the sandbox has these to grade with
DEMO_CATEGORIES = (("cat-homework", "Homework"), ("cat-quiz", "Quizzes"), ("cat-test", "Tests"))
RESOURCES = "/ims/oneroster/resources/v1p2"
#: per course, its units; per unit, its lessons (each a resource placed in the unit): a course's
#: lessons take the lesson types in turn, so every course (and every learner) has one of each
UNITS_PER_COURSE = 2
LESSONS_PER_UNIT = 3


def build_roster(spec: SeedSpec, *, public_url: str, demo_data: bool = False) -> RosterState:
    population = build_population(spec.seed, users=spec.users, classes=spec.classes)
    gen = SeedGenerator(spec.seed, "timeback")
    state = RosterState(clients={SANDBOX_CLIENT_ID: SANDBOX_CLIENT_SECRET})
    state.gradebook = {
        # TimeBack knows its schema's fields before anything is stored: filters may name them.
        path: Collection(path, singular, label, fields=set(SCHEMA_FIELDS[path]))
        for path, singular, label in GRADEBOOK_COLLECTIONS
    }
    for roster in state.stored().values():
        # the schema's fields too, not only those the seeded entities happen to carry (a user's
        # ``password`` is in TimeBack's schema, so ``fields=password`` is a valid selection)
        roster.fields.update(SCHEMA_FIELDS.get(roster.plural, ()))
    refs = Refs(public_url)
    for org in population.orgs:
        state.orgs.put(org_entity(org, population, refs))
    org_names = {org.key: org.name for org in population.orgs}
    for person in population.people:
        state.users.put(user_entity(person, gen, refs, org_names[person.org]))
    for session in population.sessions:
        state.academic_sessions.put(session_entity(session, population, refs))
    for course in population.courses:
        state.courses.put(course_entity(course, refs))
    for klass in population.classes:
        state.classes.put(class_entity(klass, refs))
    for enrollment in population.enrollments:
        state.enrollments.put(enrollment_entity(enrollment, refs))
    # A separate stream, so adding demographics changed nothing else the seed makes.
    demo_gen = SeedGenerator(spec.seed, "timeback-demographics")
    for person in population.with_role("student"):
        state.demographics.put(demographics_entity(person, demo_gen))
    # Their own stream too: course structure is new, and changes nothing seeded before it.
    seed_course_structure(state, population, SeedGenerator(spec.seed, "timeback-components"), refs)
    if demo_data:  # the sandbox's: a front end's gradebook and resource screens have data
        for key, title in DEMO_CATEGORIES:
            state.gradebook["categories"].put(
                {**base(key, population.district.created_at), "title": title, "weight": 1}
            )
        gen = SeedGenerator(spec.seed, "timeback-gradebook")
        seed_gradebook_and_resources(state, population, gen, public_url, DEMO_CATEGORIES)
    return state


def seed_course_structure(
    state: RosterState, population: Population, gen: SeedGenerator, refs: Refs
) -> None:
    """Every course's units (course components) and, in each, its lessons (component resources
    pointing at resources by sourcedId; the resources API's demo data has none, so the lesson's
    resource is a reference only)."""
    for course in population.courses:
        for unit_number in range(1, UNITS_PER_COURSE + 1):
            unit_id = gen.uuid()
            unlock = course.created_at + timedelta(days=30 * (unit_number - 1))
            state.course_components.put(
                {
                    **base(unit_id, course.created_at),
                    "course": refs("course", course.key),
                    "courseComponent": None,
                    "parent": None,
                    "title": f"Unit {unit_number}: {course.title}",
                    "sortOrder": unit_number,
                    "prerequisites": [],
                    "prerequisiteCriteria": None,
                    "unlockDate": iso(unlock),
                }
            )
            for lesson_number in range(1, LESSONS_PER_UNIT + 1):
                resource_id = gen.uuid()
                position = (unit_number - 1) * LESSONS_PER_UNIT + lesson_number - 1
                state.component_resources.put(
                    {
                        **base(gen.uuid(), course.created_at),
                        "courseComponent": refs("courseComponent", unit_id),
                        "resource": {
                            "href": f"{refs.public_url}{RESOURCES}/resources/{resource_id}",
                            "sourcedId": resource_id,
                            "type": "resource",
                        },
                        "title": f"Lesson {unit_number}.{lesson_number}",
                        "sortOrder": lesson_number,
                        "lessonType": LESSON_TYPES[position % len(LESSON_TYPES)],
                    }
                )


RACE_FIELDS = (
    "americanIndianOrAlaskaNative",
    "asian",
    "blackOrAfricanAmerican",
    "nativeHawaiianOrOtherPacificIslander",
    "white",
)


def demographics_entity(person: Person, gen: SeedGenerator) -> JsonObject:
    """A student's demographics, every field the spec requires present (values are strings)."""
    races = {name: "true" if gen.chance(0.2) else "false" for name in RACE_FIELDS}
    age = 5 + int(person.grades[0]) if person.grades and person.grades[0].isdigit() else 10
    born = date(2025 - age, 1 + gen.integer(0, 11), 1 + gen.integer(0, 27))
    return {
        **base(person.key, person.joined_at),
        "birthDate": born.isoformat(),
        # the read schema allows "other" and "unspecified" too, but timeback-oneroster parses
        # only these two, and TimeBack answers what its clients parse
        "sex": gen.choice(("male", "female")),
        **races,
        "demographicRaceTwoOrMoreRaces": "true"
        if sum(v == "true" for v in races.values()) > 1
        else "false",
        "hispanicOrLatinoEthnicity": "true" if gen.chance(0.25) else "false",
        "countryOfBirthCode": "US",
        "stateOfBirthAbbreviation": None,
        "cityOfBirth": None,
        "publicSchoolResidenceStatus": None,
    }


class Refs:
    """References built once and shared (at 100k users, one dict per reference adds up). Writes
    replace references, never mutate them, so sharing is safe."""

    def __init__(self, public_url: str) -> None:
        self.public_url = public_url
        self._cache: dict[tuple[str, str], JsonObject] = {}

    def __call__(self, kind: str, sourced_id: str) -> JsonObject:
        key = (kind, sourced_id)
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = ref(self.public_url, kind, sourced_id)
        return found

    def named(self, kind: str, sourced_id: str, name: str) -> JsonObject:
        """A reference that also carries the entity's ``name`` (a user's ``primaryOrg``)."""
        key = (f"{kind}+name", sourced_id)
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = {**self(kind, sourced_id), "name": name}
        return found


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


def org_entity(org: Org, population: Population, refs: Refs) -> JsonObject:
    children = [s for s in population.schools if s.parent == org.key]
    return {
        **base(org.key, org.created_at),
        "name": org.name,
        "type": org.kind,
        "identifier": org.identifier,
        "parent": refs("org", org.parent) if org.parent else None,
        "children": [refs("org", c.key) for c in children],
    }


def user_entity(person: Person, gen: SeedGenerator, refs: Refs, org_name: str) -> JsonObject:
    modified = person.joined_at + timedelta(days=gen.integer(0, 90))
    org = refs("org", person.org)
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
        "agents": [refs("user", key) for key in person.agents],
        "userProfiles": [],
        "primaryOrg": refs.named("org", person.org, org_name),  # TimeBack adds the name
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


def session_entity(session: Session, population: Population, refs: Refs) -> JsonObject:
    children = [s for s in population.sessions if s.parent == session.key]
    return {
        **base(session.key, session.created_at),
        "title": session.title,
        "startDate": iso(_midnight(session.start)),
        "endDate": iso(_midnight(session.end)),
        "type": session.kind,
        "parent": refs("academicSession", session.parent) if session.parent else None,
        "children": [refs("academicSession", c.key) for c in children],
        "schoolYear": session.school_year,  # a number on the wire
        "org": refs("org", session.org),
    }


def course_entity(course: Course, refs: Refs) -> JsonObject:
    return {
        **base(course.key, course.created_at),
        "title": course.title,
        "schoolYear": refs("academicSession", course.school_year),
        "courseCode": course.code,
        "grades": list(course.grades),
        "subjects": [course.subject],
        "subjectCodes": [],
        "org": refs("org", course.org),
        "level": None,
        "gradingScheme": None,
        "resources": [],
    }


def class_entity(klass: SchoolClass, refs: Refs) -> JsonObject:
    return {
        **base(klass.key, klass.created_at),
        "title": klass.title,
        "classCode": klass.code,
        "classType": "scheduled",
        "location": klass.location,
        "grades": list(klass.grades),
        "subjects": [klass.subject],
        "course": refs("course", klass.course),
        "school": refs("org", klass.school),
        # the spec's field is ``school``; timeback 0.3.0 requires ``org`` (reference §9)
        "org": refs("org", klass.school),
        "terms": [refs("academicSession", klass.term)],
        "subjectCodes": [],
        "periods": [],
        "resources": [],
    }


def enrollment_entity(enrollment: Enrollment, refs: Refs) -> JsonObject:
    return {
        **base(enrollment.key, enrollment.created_at),
        "role": enrollment.role,
        "primary": "true" if enrollment.primary else "false",  # a string on the wire
        "beginDate": enrollment.begin.isoformat(),
        "endDate": enrollment.end.isoformat(),
        "user": refs("user", enrollment.person),
        "class": refs("class", enrollment.klass),
        "school": refs("org", enrollment.school),
    }


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)
