"""References inside roster records point at the BFF's own routes, not at TimeBack.

TimeBack writes each reference as ``{"href": "https://timeback.../orgs/o-1", "sourcedId": "o-1",
"type": "org"}``; a client of the BFF cannot follow that URL (it has no TimeBack credentials), so
the ``href`` becomes the BFF route for the entity (``/v1/roster/orgs/o-1``). Done once, when a
record arrives from TimeBack (sync, write, live read): the cache stores and serves the rewritten
payload, and a cached read costs nothing more.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from domain.roster.entities import EntityKind, JsonObject, RosterRecord, record_from_payload

#: per OneRoster reference ``type``, the BFF route its entity is read at
ROUTES: dict[str, str] = {
    "org": "/v1/roster/orgs",
    "user": "/v1/roster/users",
    "student": "/v1/roster/users",
    "teacher": "/v1/roster/users",
    "class": "/v1/roster/classes",
    "course": "/v1/roster/courses",
    "enrollment": "/v1/roster/enrollments",
    "academicSession": "/v1/roster/academic-sessions",
    "term": "/v1/roster/academic-sessions",
    "gradingPeriod": "/v1/roster/academic-sessions",
    "demographics": "/v1/roster/demographics",
    "resource": "/v1/resources",
}


def _rewritten(value: Any) -> Any:
    """``value`` with every reference's href pointing at the BFF, or ``value`` itself when none
    changed (nothing is copied for the many fields that hold no reference)."""
    if type(value) is dict:
        route = ROUTES.get(value.get("type"))  # type: ignore[arg-type]
        sourced_id = value.get("sourcedId")
        if route is not None and "href" in value and type(sourced_id) is str:
            href = f"{route}/{quote(sourced_id, safe='')}"
            return value if value["href"] == href else {**value, "href": href}
        changed: dict[str, Any] | None = None
        for key, item in value.items():
            new = _rewritten(item)
            if new is not item:
                changed = changed if changed is not None else dict(value)
                changed[key] = new
        return value if changed is None else changed
    if type(value) is list:
        items = [_rewritten(v) for v in value]
        return value if all(a is b for a, b in zip(items, value, strict=True)) else items
    return value


def local_refs(payload: JsonObject) -> JsonObject:
    """``payload`` with the hrefs of its references (at any depth) on the BFF's routes."""
    found: JsonObject = _rewritten(dict(payload) if type(payload) is not dict else payload)
    return found


def record_from_upstream(kind: EntityKind, payload: JsonObject) -> RosterRecord:
    """A record read from a TimeBack object, its references pointing at the BFF."""
    return record_from_payload(kind, local_refs(payload))
