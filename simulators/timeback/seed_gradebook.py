"""TimeBack demo gradebook and resources, so a front end's every screen has something to show on
a sandbox's first start: in each class, a line item per shared category with a result
for each enrolled student; and the resource behind every lesson of the course structure (its
``componentResource`` already points at it by sourcedId). Drawn from a stream of their own, so
nothing seeded before them changes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from simulators.kit.population import Population
from simulators.kit.seed import SeedGenerator
from simulators.timeback.schema import SCHEMA_FIELDS
from simulators.timeback.state import Collection, JsonObject, RosterState

GRADEBOOK = "/ims/oneroster/gradebook/v1p2"
ROSTERING = "/ims/oneroster/rostering/v1p2"
SCORE_STATUSES = ("fully graded", "fully graded", "fully graded", "submitted", "exempt")


def seed_gradebook_and_resources(
    state: RosterState,
    population: Population,
    gen: SeedGenerator,
    public_url: str,
    categories: Sequence[tuple[str, str]],
) -> None:
    def ref(path: str, kind: str, sourced_id: str) -> JsonObject:
        return {"href": f"{public_url}{path}/{sourced_id}", "sourcedId": sourced_id, "type": kind}

    gradebook = state.gradebook
    students: dict[str, list[str]] = {}
    for enrollment in population.enrollments:
        if enrollment.role == "student":
            students.setdefault(enrollment.klass, []).append(enrollment.person)
    for klass in population.classes:
        term = next(s for s in population.sessions if s.key == klass.term)
        for number, (title, category) in enumerate(((t, c) for c, t in categories), 1):
            assigned = term.start + timedelta(days=14 * number)
            item_id = gen.uuid()
            gradebook["lineItems"].put(
                _entity(item_id, population)
                | {
                    "title": f"{title} {number}: {klass.title}",
                    "description": None,
                    "assignDate": f"{assigned.isoformat()}T00:00:00.000Z",
                    "dueDate": f"{(assigned + timedelta(days=7)).isoformat()}T00:00:00.000Z",
                    "class": ref(f"{ROSTERING}/classes", "class", klass.key),
                    "school": ref(f"{ROSTERING}/orgs", "org", klass.school),
                    "category": ref(f"{GRADEBOOK}/categories", "category", category),
                    "resultValueMin": 0.0,
                    "resultValueMax": 100.0,
                }
            )
            for student in students.get(klass.key, []):
                status = gen.choice(SCORE_STATUSES)
                gradebook["results"].put(
                    _entity(gen.uuid(), population)
                    | {
                        "lineItem": ref(f"{GRADEBOOK}/lineItems", "lineItem", item_id),
                        "student": ref(f"{ROSTERING}/users", "user", student),
                        "scoreStatus": status,
                        "score": float(gen.integer(55, 100)) if status == "fully graded" else None,
                        "scoreDate": f"{(assigned + timedelta(days=9)).isoformat()}T00:00:00.000Z",
                        "comment": None,
                    }
                )
    _seed_resources(state, population)


#: where each lesson's assessment lives: the QTI simulator names its test after the lesson's
#: resource id (simulators/qti/seed.py, ``lesson_test_id``), so the two need share no state
QTI_TESTS = "http://qti.timeback.sim/assessment-tests"


def _seed_resources(state: RosterState, population: Population) -> None:
    # kept with the gradebook's collections, where the resources API looks for them
    resources = state.gradebook.setdefault(
        "resources",
        Collection("resources", "resource", "Resource", fields=set(SCHEMA_FIELDS["resources"])),
    )
    for lesson in state.component_resources.all():
        target = lesson["resource"]
        resources.put(
            _entity(str(target["sourcedId"]), population)
            | {
                "title": lesson["title"],
                "vendorResourceId": f"demo-{target['sourcedId']}",
                # TimeBack's own convention for QTI content behind a resource
                "metadata": {
                    "type": "qti",
                    "subType": "qti-test",
                    "url": f"{QTI_TESTS}/qti-test-{target['sourcedId']}",
                    "lessonType": lesson.get("lessonType"),
                },
                "roles": [],
                "importance": "primary",
                "vendorId": None,
                "applicationId": None,
            }
        )


def _entity(sourced_id: str, population: Population) -> JsonObject:
    return {
        "sourcedId": sourced_id,
        "status": "active",
        "dateLastModified": population.sessions[0].start.isoformat() + "T00:00:00.000Z",
        "metadata": {},
    }
