"""Per-path value checks on rostering writes, beyond the required fields :mod:`.writes` checks.

Each returns the problems it finds as ``imsx_error_details`` entries (``{"path", "message"}``),
empty when the entity is fine; the write answers 422 with them. Only what TimeBack's write schemas
constrain and its read schemas rely on is checked: a value stored here is served back on every
read, so one the read schema forbids would make every later list of that path nonconforming.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from simulators.timeback.state import JsonObject

Check = Callable[[JsonObject], list[JsonObject]]
BIRTH_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
#: the read schema's ``sex`` values (the write schema lists only male and female, yet TimeBack
#: serves the other two, so a client copying a read back must be able to write them)
SEXES = frozenset({"male", "female", "other", "unspecified"})
#: demographic flags are strings on the wire, as ``enabledUser`` is
FLAGS = (
    "americanIndianOrAlaskaNative",
    "asian",
    "blackOrAfricanAmerican",
    "nativeHawaiianOrOtherPacificIslander",
    "white",
    "demographicRaceTwoOrMoreRaces",
    "hispanicOrLatinoEthnicity",
)
#: the fields the demographics read schema requires (each may be null)
DEMOGRAPHIC_FIELDS = (
    "birthDate",
    "sex",
    *FLAGS,
    "countryOfBirthCode",
    "stateOfBirthAbbreviation",
    "cityOfBirth",
    "publicSchoolResidenceStatus",
)
#: a component resource's kinds of lesson (ordered: the seed picks among them)
LESSON_TYPES = ("powerpath-100", "quiz", "test-out", "placement", "unit-test", "alpha-read-article")


def invalid(path: str, message: str = "Invalid") -> JsonObject:
    return {"path": path, "message": message}


def demographics(entity: JsonObject) -> list[JsonObject]:
    problems = []
    born = entity.get("birthDate")
    if born is not None and not (isinstance(born, str) and BIRTH_DATE.fullmatch(born)):
        problems.append(invalid("birthDate", "Must be YYYY-MM-DD"))
    if entity.get("sex") is not None and entity.get("sex") not in SEXES:
        problems.append(invalid("sex"))
    problems += [
        invalid(name, "Must be 'true' or 'false'")
        for name in FLAGS
        if entity.get(name) not in (None, "true", "false")
    ]
    return problems


def grading_period(entity: JsonObject) -> list[JsonObject]:
    """A grading period is an academic session of that type and no other."""
    if entity.get("type", "gradingPeriod") != "gradingPeriod":
        return [invalid("type", "Must be gradingPeriod")]
    return []


def component_resource(entity: JsonObject) -> list[JsonObject]:
    problems = []
    if entity.get("lessonType") is not None and entity.get("lessonType") not in LESSON_TYPES:
        problems.append(invalid("lessonType"))
    return problems + sort_order(entity)


def sort_order(entity: JsonObject) -> list[JsonObject]:
    order = entity.get("sortOrder")
    if "sortOrder" in entity and (isinstance(order, bool) or not isinstance(order, int | float)):
        return [invalid("sortOrder", "Must be a number")]
    return []


CHECKS: dict[str, Check] = {
    "demographics": demographics,
    "gradingPeriods": grading_period,
    "courses/components": sort_order,
    "courses/component-resources": component_resource,
}
