"""OneRoster filter, search and sort compiled to SQLAlchemy expressions over the roster tables.

Values only ever travel as bound parameters. Field names are looked up in a per-kind whitelist
(``COLUMNS``) of the fields ``domain.roster.fields`` declares; the meaning of each operator is the one
documented there, and ``domain.roster.fields.matches`` is the reference the tests compare against.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from adapters.db.roster_tables import ENTITY_TABLES
from domain.roster.entities import EntityKind
from domain.roster.fields import SEARCHABLE, FieldType, field_spec, operand
from domain.roster.filters import Comparison, Expr, Op
from domain.roster.query import SortOrder

_COMMON = {"sourcedId": "sourced_id", "status": "status", "dateLastModified": "date_last_modified"}

#: per kind, OneRoster field name -> column of the kind's table (the filter/sort whitelist)
COLUMNS: dict[EntityKind, dict[str, str]] = {
    kind: {**_COMMON, **extra}
    for kind, extra in {
        EntityKind.ORGS: {
            "name": "name",
            "type": "type",
            "identifier": "identifier",
            "parent.sourcedId": "parent_id",
        },
        EntityKind.ACADEMIC_SESSIONS: {
            "title": "title",
            "type": "type",
            "startDate": "start_date",
            "endDate": "end_date",
            "schoolYear": "school_year",
            "parent.sourcedId": "parent_id",
            "org.sourcedId": "org_id",
        },
        EntityKind.COURSES: {
            "title": "title",
            "courseCode": "course_code",
            "org.sourcedId": "org_id",
        },
        EntityKind.CLASSES: {
            "title": "title",
            "classCode": "class_code",
            "classType": "class_type",
            "course.sourcedId": "course_id",
            "school.sourcedId": "school_id",
        },
        EntityKind.USERS: {
            "givenName": "given_name",
            "familyName": "family_name",
            "email": "email",
            "username": "username",
            "identifier": "identifier",
            "role": "role",
            "enabledUser": "enabled_user",
        },
        EntityKind.ENROLLMENTS: {
            "role": "role",
            "user.sourcedId": "user_id",
            "class.sourcedId": "class_id",
            "school.sourcedId": "school_id",
            "primary": "is_primary",
            "beginDate": "begin_date",
            "endDate": "end_date",
        },
        EntityKind.DEMOGRAPHICS: {"birthDate": "birth_date", "sex": "sex"},
        EntityKind.COURSE_COMPONENTS: {
            "title": "title",
            "sortOrder": "sort_order",
            "course.sourcedId": "course_id",
            "parent.sourcedId": "parent_id",
            "unlockDate": "unlock_date",
        },
        EntityKind.COMPONENT_RESOURCES: {
            "title": "title",
            "sortOrder": "sort_order",
            "courseComponent.sourcedId": "component_id",
            "resource.sourcedId": "resource_id",
            "lessonType": "lesson_type",
        },
        EntityKind.RESOURCES: {
            "title": "title",
            "metadata.lessonType": "lesson_type",
            "metadata.url": "url",
        },
    }.items()
}


def table_of(kind: EntityKind) -> sa.Table:
    return ENTITY_TABLES[kind.value]


def column(kind: EntityKind, name: str, *, parameter: str = "filter") -> sa.Column[Any]:
    """The column behind a OneRoster field; an unknown field raises InvalidInput (``parameter``)."""
    field_spec(kind, name, parameter=parameter)  # raises, naming the fields that are allowed
    return table_of(kind).c[COLUMNS[kind][name]]


def compile_filter(kind: EntityKind, expr: Expr) -> ColumnElement[bool]:
    if isinstance(expr, Comparison):
        return _comparison(kind, expr)
    parts = [compile_filter(kind, p) for p in expr.parts]
    return sa.and_(*parts) if expr.op == "AND" else sa.or_(*parts)


def _comparison(kind: EntityKind, comparison: Comparison) -> ColumnElement[bool]:
    spec = field_spec(kind, comparison.field)
    col = column(kind, comparison.field)
    values = operand(spec, comparison)
    op = comparison.op
    if op is Op.IN:
        return sa.or_(*(_single(col, spec.type, Op.EQ, v) for v in values))
    return _single(col, spec.type, op, values[0])


def _single(col: sa.Column[Any], kind: FieldType, op: Op, value: Any) -> ColumnElement[bool]:
    if kind is FieldType.DATETIME and isinstance(value, date) and not isinstance(value, datetime):
        return _day(col, op, value)
    if op is Op.CONTAINS:
        return col.ilike(f"%{escape_like(str(value))}%", escape="\\")
    bound: object = value
    if kind is FieldType.NUMBER and isinstance(value, float):
        bound = int(value) if value.is_integer() else sa.literal(value, sa.Float())
    result: ColumnElement[bool]
    match op:
        case Op.EQ:
            result = col == bound
        case Op.NE:
            result = sa.or_(col != bound, col.is_(None))
        case Op.GT:
            result = col > bound
        case Op.GE:
            result = col >= bound
        case Op.LT:
            result = col < bound
        case Op.LE:
            result = col <= bound
        case _:  # pragma: no cover (IN and CONTAINS are handled above)
            raise AssertionError(op)
    return result


def _day(col: sa.Column[Any], op: Op, day: date) -> ColumnElement[bool]:
    """A date-time column against a bare date: compared by (UTC) day."""
    start = datetime.combine(day, time(), tzinfo=UTC)
    end = start + timedelta(days=1)
    match op:
        case Op.EQ:
            return sa.and_(col >= start, col < end)
        case Op.NE:
            return sa.or_(col < start, col >= end, col.is_(None))
        case Op.GT:
            return col >= end
        case Op.GE:
            return col >= start
        case Op.LT:
            return col < start
        case Op.LE:
            return col < end
    raise AssertionError(op)  # pragma: no cover (a date-time field refuses ~)


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def compile_search(kind: EntityKind, text: str) -> ColumnElement[bool]:
    """``search``: a case-insensitive "contains" over the kind's searchable fields."""
    pattern = f"%{escape_like(text.strip())}%"
    return sa.or_(*(column(kind, f).ilike(pattern, escape="\\") for f in SEARCHABLE[kind]))


def order_by(kind: EntityKind, sort: str | None, order: SortOrder) -> list[sa.UnaryExpression[Any]]:
    """The sort, missing values last on both databases, then ``sourcedId`` so pages are stable."""
    key = table_of(kind).c.sourced_id
    if sort is None or sort == "sourcedId":
        return [key.desc() if sort and order is SortOrder.DESC else key.asc()]
    col = column(kind, sort, parameter="sort")
    first = col.desc() if order is SortOrder.DESC else col.asc()
    return [first.nulls_last(), key.asc()]
