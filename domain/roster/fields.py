"""What may be filtered, sorted, searched and selected on each cached kind, and what a filter means.

This is the single description of the query language's semantics over cached entities: the SQL
compiler (``adapters/db/filter_sql.py``) maps these field names to columns and must agree with
:func:`matches`, the pure evaluation used by the simulator-side tests as the reference.

Semantics:
- ``=`` and ``!=`` are exact (case-sensitive) on strings; ``!=`` also matches a missing value.
- ``~`` is a case-insensitive "contains", strings only.
- ``@`` is "one of" the comma-separated values.
- ``<``, ``<=``, ``>``, ``>=`` order numbers numerically and dates chronologically; on a date-time
  field a bare date (``'2024-01-01'``) compares by day (in UTC), so ``dateLastModified='2024-01-01'``
  is any instant on that day.
- Booleans (``enabledUser``, ``primary``; ``"true"``/``"false"`` on the wire) take ``=``, ``!=``, ``@``.
- A missing value matches nothing but ``!=``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from domain.errors import InvalidInput
from domain.roster.entities import EntityKind, JsonObject, parse_datetime, primary_role, ref_id
from domain.roster.filters import Comparison, Expr, FilterError, Op, fields_of


class FieldType(StrEnum):
    STRING = "string"
    DATETIME = "datetime"
    DATE = "date"
    NUMBER = "number"
    BOOLEAN = "boolean"


Extractor = Callable[[JsonObject], Any]


@dataclass(frozen=True, slots=True)
class FieldSpec:
    name: str
    type: FieldType
    extract: Extractor

    def value(self, payload: JsonObject) -> Any:
        """The field's typed value in a payload (str, datetime, date, int/float, bool) or None."""
        raw = self.extract(payload)
        if raw is None or raw == "":
            return None
        if raw.__class__ is str and self.type is FieldType.STRING:
            return raw  # most fields of most rows: skip the dispatch below (sync hot path)
        try:
            return _typed(self.type, raw)
        except (TypeError, ValueError):
            return None


def _typed(kind: FieldType, raw: Any) -> Any:
    match kind:
        case FieldType.STRING:
            return str(raw)
        case FieldType.DATETIME:
            return raw if isinstance(raw, datetime) else parse_datetime(str(raw))
        case FieldType.DATE:
            if isinstance(raw, datetime):
                return raw.date()
            if isinstance(raw, date):
                return raw
            return date.fromisoformat(str(raw).strip()[:10])
        case FieldType.NUMBER:
            if isinstance(raw, bool):
                raise ValueError("not a number")
            if isinstance(raw, int | float):
                return raw
            text = str(raw).strip()
            return int(text) if _INT.fullmatch(text) else float(text)
        case FieldType.BOOLEAN:
            if isinstance(raw, bool):
                return raw
            text = str(raw).strip().lower()
            if text not in ("true", "false"):
                raise ValueError("not a boolean")
            return text == "true"


_INT = re.compile(r"[+-]?\d+")
_DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _key(name: str) -> Extractor:
    return lambda payload: payload.get(name)


def _ref(name: str) -> Extractor:
    return lambda payload: ref_id(payload.get(name))


def _whole(name: str) -> Extractor:
    """A whole number (TimeBack's ``sortOrder``), or None: the column is an integer."""

    def extract(payload: JsonObject) -> Any:
        value = payload.get(name)
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            return None
        try:
            number = float(value)
        except ValueError:
            return None
        return int(number) if number.is_integer() else None

    return extract


def _parent_component(payload: JsonObject) -> Any:
    # TimeBack writes a component's parent as ``parent`` and, in older objects, ``courseComponent``
    return ref_id(payload.get("parent")) or ref_id(payload.get("courseComponent"))


def _metadata(name: str) -> Extractor:
    def extract(payload: JsonObject) -> Any:
        metadata = payload.get("metadata")
        return metadata.get(name) if isinstance(metadata, dict) else None

    return extract


def _lesson_type(payload: JsonObject) -> Any:
    # TimeBack keeps a lesson's type on the component resource, or in its metadata
    return payload.get("lessonType") or _metadata("lessonType")(payload)


def _specs(*items: tuple[str, FieldType, Extractor | None]) -> dict[str, FieldSpec]:
    common = [
        ("sourcedId", FieldType.STRING, None),
        ("status", FieldType.STRING, None),
        ("dateLastModified", FieldType.DATETIME, None),
    ]
    out: dict[str, FieldSpec] = {}
    for name, kind, extract in [*common, *items]:
        if extract is None:
            extract = _ref(name.removesuffix(".sourcedId")) if "." in name else _key(name)
        out[name] = FieldSpec(name, kind, extract)
    return out


S, DT, D, N, B = (
    FieldType.STRING,
    FieldType.DATETIME,
    FieldType.DATE,
    FieldType.NUMBER,
    FieldType.BOOLEAN,
)

#: per kind, the fields a filter or sort may name (OneRoster names, dotted for references)
FILTERABLE: dict[EntityKind, dict[str, FieldSpec]] = {
    EntityKind.ORGS: _specs(
        ("name", S, None), ("type", S, None), ("identifier", S, None), ("parent.sourcedId", S, None)
    ),
    EntityKind.ACADEMIC_SESSIONS: _specs(
        ("title", S, None),
        ("type", S, None),
        ("startDate", DT, None),
        ("endDate", DT, None),
        ("schoolYear", N, None),
        ("parent.sourcedId", S, None),
        ("org.sourcedId", S, None),
    ),
    EntityKind.COURSES: _specs(
        ("title", S, None), ("courseCode", S, None), ("org.sourcedId", S, None)
    ),
    EntityKind.CLASSES: _specs(
        ("title", S, None),
        ("classCode", S, None),
        ("classType", S, None),
        ("course.sourcedId", S, None),
        ("school.sourcedId", S, None),
    ),
    EntityKind.USERS: _specs(
        ("givenName", S, None),
        ("familyName", S, None),
        ("email", S, None),
        ("username", S, None),
        ("identifier", S, None),
        ("role", S, primary_role),
        ("enabledUser", B, None),
    ),
    EntityKind.ENROLLMENTS: _specs(
        ("role", S, None),
        ("user.sourcedId", S, None),
        ("class.sourcedId", S, None),
        ("school.sourcedId", S, None),
        ("primary", B, None),
        ("beginDate", D, None),
        ("endDate", D, None),
    ),
    EntityKind.DEMOGRAPHICS: _specs(("birthDate", D, None), ("sex", S, None)),
    # the lesson catalogue (D82): what the lessons query joins, orders and answers with
    EntityKind.COURSE_COMPONENTS: _specs(
        ("title", S, None),
        ("sortOrder", N, _whole("sortOrder")),
        ("course.sourcedId", S, None),
        ("parent.sourcedId", S, _parent_component),
        ("unlockDate", DT, None),
    ),
    EntityKind.COMPONENT_RESOURCES: _specs(
        ("title", S, None),
        ("sortOrder", N, _whole("sortOrder")),
        ("courseComponent.sourcedId", S, None),
        ("resource.sourcedId", S, None),
        ("lessonType", S, _lesson_type),
    ),
    EntityKind.RESOURCES: _specs(
        ("title", S, None),
        ("metadata.lessonType", S, _metadata("lessonType")),
        ("metadata.url", S, _metadata("url")),
    ),
}

#: per kind, the fields ``search`` looks in (reference §4.3)
SEARCHABLE: dict[EntityKind, tuple[str, ...]] = {
    EntityKind.USERS: ("givenName", "familyName", "email"),
    EntityKind.COURSES: ("title", "courseCode"),
    EntityKind.CLASSES: ("title",),
    EntityKind.ORGS: ("name",),
    EntityKind.ACADEMIC_SESSIONS: ("title",),
    EntityKind.ENROLLMENTS: ("role",),
    EntityKind.DEMOGRAPHICS: ("sex",),
    EntityKind.COURSE_COMPONENTS: ("title",),
    EntityKind.COMPONENT_RESOURCES: ("title",),
    EntityKind.RESOURCES: ("title",),
}

_COMMON_PROPERTIES = ("sourcedId", "status", "dateLastModified", "metadata")
#: per kind, the top-level properties ``fields`` may select
PROPERTIES: dict[EntityKind, frozenset[str]] = {
    kind: frozenset(_COMMON_PROPERTIES + names)
    for kind, names in {
        EntityKind.ORGS: ("name", "type", "identifier", "parent", "children"),
        EntityKind.ACADEMIC_SESSIONS: (
            "title", "startDate", "endDate", "type", "parent", "children", "schoolYear", "org",
        ),
        EntityKind.COURSES: (
            "title", "schoolYear", "courseCode", "grades", "subjects", "subjectCodes", "org",
            "level", "gradingScheme", "resources",
        ),
        EntityKind.CLASSES: (
            "title", "classCode", "classType", "location", "grades", "subjects", "course",
            "school", "terms", "subjectCodes", "periods", "resources",
        ),
        EntityKind.USERS: (
            "userMasterIdentifier", "username", "userIds", "enabledUser", "givenName",
            "familyName", "middleName", "roles", "agents", "userProfiles", "primaryOrg",
            "identifier", "email", "preferredFirstName", "preferredMiddleName",
            "preferredLastName", "pronouns", "grades", "sms", "phone", "password",
        ),
        EntityKind.ENROLLMENTS: (
            "role", "primary", "beginDate", "endDate", "user", "class", "school",
        ),
        EntityKind.DEMOGRAPHICS: (
            "birthDate", "sex", "americanIndianOrAlaskaNative", "asian",
            "blackOrAfricanAmerican", "nativeHawaiianOrOtherPacificIslander", "white",
            "demographicRaceTwoOrMoreRaces", "hispanicOrLatinoEthnicity", "countryOfBirthCode",
            "stateOfBirthAbbreviation", "cityOfBirth", "publicSchoolResidenceStatus",
        ),
        EntityKind.COURSE_COMPONENTS: (
            "title", "course", "courseComponent", "parent", "sortOrder", "prerequisites",
            "prerequisiteCriteria", "unlockDate",
        ),
        EntityKind.COMPONENT_RESOURCES: (
            "title", "courseComponent", "resource", "sortOrder", "lessonType",
        ),
        EntityKind.RESOURCES: (
            "title", "roles", "importance", "vendorResourceId", "vendorId", "applicationId",
        ),
    }.items()
}  # fmt: skip


def field_spec(kind: EntityKind, name: str, *, parameter: str = "filter") -> FieldSpec:
    """The spec of a filterable field; an unknown name raises InvalidInput naming the allowed ones."""
    spec = FILTERABLE[kind].get(name)
    if spec is None:
        allowed = ", ".join(sorted(FILTERABLE[kind]))
        message = f"{kind} cannot be {'sorted' if parameter == 'sort' else 'filtered'} by "
        message += f"{name!r}; the fields that can be are: {allowed}."
        if parameter == "filter":
            raise FilterError(message)
        raise InvalidInput(message, field=parameter)
    return spec


def validate_filter(kind: EntityKind, expr: Expr) -> None:
    """Every field known and every operator and value fitting its field's type."""
    for name in sorted(fields_of(expr)):
        field_spec(kind, name)
    for comparison in comparisons(expr):
        operand(field_spec(kind, comparison.field), comparison)


def comparisons(expr: Expr) -> Iterable[Comparison]:
    if isinstance(expr, Comparison):
        yield expr
    else:
        for part in expr.parts:
            yield from comparisons(part)


_ORDERING = (Op.GT, Op.GE, Op.LT, Op.LE)


def operand(spec: FieldSpec, comparison: Comparison) -> list[Any]:
    """The comparison's value(s) typed for the field (one, or several for ``@``).

    On a date-time field a bare date stays a :class:`date`: the comparison is then by day.
    """
    op = comparison.op
    if op is Op.CONTAINS and spec.type is not FieldType.STRING:
        raise FilterError(f"'~' works on text fields; {spec.name!r} is a {spec.type}.")
    if op in _ORDERING and spec.type is FieldType.BOOLEAN:
        raise FilterError(f"{spec.name!r} is a boolean: use =, != or @.")
    values: list[Any] = []
    for raw in comparison.values:
        try:
            if spec.type is FieldType.DATETIME and _DATE_ONLY.fullmatch(raw.strip()):
                values.append(date.fromisoformat(raw.strip()))
            elif spec.type is FieldType.DATE and not _DATE_ONLY.match(raw.strip()):
                raise ValueError(raw)
            else:
                values.append(_typed(spec.type, raw))
        except ValueError:
            raise FilterError(
                f"{raw!r} is not a valid {spec.type} for {spec.name!r}"
                + (" (use YYYY-MM-DD or an ISO 8601 date-time)." if "date" in spec.type else ".")
            ) from None
    return values


def matches(kind: EntityKind, expr: Expr, payload: JsonObject) -> bool:
    """Evaluate a filter on one payload, in plain Python (the reference for the SQL compiler)."""
    if isinstance(expr, Comparison):
        spec = field_spec(kind, expr.field)
        return _compare(spec.value(payload), expr.op, operand(spec, expr))
    results = (matches(kind, part, payload) for part in expr.parts)
    return all(results) if expr.op == "AND" else any(results)


def _compare(value: Any, op: Op, targets: list[Any]) -> bool:
    if value is None:
        return op is Op.NE
    if op is Op.IN:
        return any(_compare(value, Op.EQ, [t]) for t in targets)
    target = targets[0]
    if (
        isinstance(value, datetime)
        and isinstance(target, date)
        and not isinstance(target, datetime)
    ):
        value = value.date()
    match op:
        case Op.EQ:
            return bool(value == target)
        case Op.NE:
            return bool(value != target)
        case Op.GT:
            return bool(value > target)
        case Op.GE:
            return bool(value >= target)
        case Op.LT:
            return bool(value < target)
        case Op.LE:
            return bool(value <= target)
        case Op.CONTAINS:
            return str(target).lower() in str(value).lower()
    raise AssertionError(op)  # pragma: no cover (IN is handled above)


def search_matches(kind: EntityKind, text: str, payload: JsonObject) -> bool:
    needle = text.lower()
    for name in SEARCHABLE[kind]:
        value = FILTERABLE[kind][name].value(payload)
        if value is not None and needle in str(value).lower():
            return True
    return False


def validate_selection(kind: EntityKind, fields: Iterable[str]) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(f.strip() for f in fields if f.strip()))
    unknown = [f for f in chosen if f not in PROPERTIES[kind]]
    if unknown:
        raise InvalidInput(
            f"invalid_selection_field: {kind} have no field {', '.join(map(repr, unknown))}; "
            f"the fields are: {', '.join(sorted(PROPERTIES[kind]))}.",
            field="fields",
        )
    return chosen


def select(payload: JsonObject, fields: Iterable[str] | None) -> dict[str, Any]:
    """A sparse copy of a payload (``fields``), or the whole of it."""
    if fields is None:
        return dict(payload)
    return {f: payload[f] for f in fields if f in payload}
