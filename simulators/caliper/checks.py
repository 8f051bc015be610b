"""The simulator's own Caliper validation, written from the two specs (none of the BFF's).

:func:`check_envelope` returns every problem of an envelope at once, each naming its JSON path
(``data[0].actor.email``), the rule, and the id of the event it belongs to when that event has a
string id. Typed properties follow the schemas: IRIs (``format: uri``) need a scheme, event ids
are ``urn:uuid:`` plus a UUID (the Caliper specification's rule; the schema's pattern only asks
for the prefix), date-times need a time zone (JSON Schema's ``date-time``). ``profile`` is required
(the Event schema) except on the generic ``Event``, which TimeBack's own first example sends
without one: it is the GeneralProfile's. Entities sent in ``data`` beside events may carry their
type's own properties (the generic Entity schema's ``additionalProperties: false`` would refuse
every typed Caliper entity).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from simulators.caliper import rules

IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:\S+$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
URN_UUID = "urn:uuid:"


@dataclass(frozen=True, slots=True)
class Problem:
    path: str
    message: str
    event_id: str | None = None

    def to_json(self) -> dict[str, str]:
        out = {"path": self.path, "message": self.message}
        if self.event_id is not None:
            out["eventId"] = self.event_id
        return out


class _Found:
    """Problems of one event (or of the envelope) as they are found."""

    def __init__(self, event_id: str | None = None) -> None:
        self.event_id = event_id
        self.problems: list[Problem] = []

    def add(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message, self.event_id))


def check_envelope(body: object) -> list[Problem]:
    found = _Found()
    if not isinstance(body, Mapping):
        found.add("$", "an envelope must be a JSON object")
        return found.problems
    sensor = body.get("sensor")
    if _required(found, "sensor", sensor) and not is_iri(sensor):
        found.add("sensor", "must be an IRI")
    send_time = body.get("sendTime")
    if _required(found, "sendTime", send_time) and not is_datetime(send_time):
        found.add("sendTime", "must be an ISO 8601 date-time with a time zone")
    version = body.get("dataVersion")
    if _required(found, "dataVersion", version) and version != rules.DATA_VERSION:
        found.add("dataVersion", f"must be {rules.DATA_VERSION}")
    data = body.get("data")
    problems = found.problems
    if not _required(found, "data", data):
        return problems
    if not isinstance(data, list):
        found.add("data", "must be an array")
        return problems
    if not data:
        found.add("data", "must hold at least one event or entity")
    for index, item in enumerate(data):
        problems += check_item(item, f"data[{index}]")
    return problems


def is_event(item: Mapping[str, Any]) -> bool:
    """Events and entities share ``data``; an event has an action or a time, or says it is one."""
    kind = item.get("type")
    return (
        "action" in item
        or "eventTime" in item
        or (isinstance(kind, str) and kind.endswith("Event"))
    )


def check_item(item: object, path: str) -> list[Problem]:
    if not isinstance(item, Mapping):
        found = _Found()
        found.add(path, "must be a Caliper event or entity (a JSON object)")
        return found.problems
    if is_event(item):
        return check_event(item, path)
    found = _Found()
    _check_data_entity(found, item, path)
    return found.problems


def check_event(event: Mapping[str, Any], path: str) -> list[Problem]:
    event_id = event.get("id")
    found = _Found(event_id if isinstance(event_id, str) else None)
    for key in sorted(set(event) - rules.EVENT_KEYS, key=str):
        found.add(f"{path}.{key}", "is not a property of a Caliper event")
    generic = event.get("type") == rules.GENERIC_TYPE
    for key in rules.EVENT_REQUIRED:
        # TimeBack's own generic example has none: the GeneralProfile goes without saying
        if not (generic and key == "profile"):
            _required(found, f"{path}.{key}", event.get(key))
    context = event.get("@context")
    if context is not None and not is_iri(context):
        found.add(f"{path}.@context", "must be an IRI")
    if event_id is not None and not is_event_id(event_id):
        found.add(f"{path}.id", "must be a UUID expressed as a URN (urn:uuid:...)")
    event_time = event.get("eventTime")
    if event_time is not None and not is_datetime(event_time):
        found.add(f"{path}.eventTime", "must be an ISO 8601 date-time with a time zone")
    extensions = event.get("extensions")
    if extensions is not None and not isinstance(extensions, Mapping):
        found.add(f"{path}.extensions", "must be an object")
    for key in rules.ENTITY_REFS:
        value = event.get(key)
        if value is not None:
            _check_ref(found, value, f"{path}.{key}")
    _check_type(found, event, path)
    return found.problems


def _check_type(found: _Found, event: Mapping[str, Any], path: str) -> None:
    kind, profile, action = event.get("type"), event.get("profile"), event.get("action")
    for key, value in (("type", kind), ("profile", profile), ("action", action)):
        if value is not None and not isinstance(value, str):
            found.add(f"{path}.{key}", "must be a string")
    if not isinstance(kind, str):
        return
    if kind not in rules.EVENT_TYPES:
        found.add(f"{path}.type", f"{kind!r} is not a Caliper event type")
        return
    if profile is None and kind == rules.GENERIC_TYPE:
        profile = rules.GENERIC_PROFILE
    if not isinstance(profile, str):
        return
    if profile not in rules.PROFILES:
        found.add(f"{path}.profile", f"{profile!r} is not a supported profile")
        return
    rule = rules.rule_for(kind, profile)
    if rule is None:
        allowed = ", ".join(rules.profiles_of(kind))
        found.add(f"{path}.profile", f"{kind} belongs to {allowed}, not {profile}")
        return
    if isinstance(action, str) and action not in rule.actions:
        allowed = ", ".join(sorted(rule.actions))
        found.add(f"{path}.action", f"{action!r} is not an action of {kind} ({allowed})")
    for key in rule.requires:
        _required(found, f"{path}.{key}", event.get(key))
    shape = rules.TIMEBACK_SHAPES.get(kind) if profile == "TimebackProfile" else None
    if shape is not None:
        _check_timeback(found, event, path, shape)


def _check_ref(found: _Found, value: object, path: str) -> None:
    """An entity given by reference (an IRI) or in full (an object with ``id`` and ``type``)."""
    if isinstance(value, str):
        if not is_iri(value):
            found.add(path, "must be an IRI or an entity object")
        return
    if not isinstance(value, Mapping):
        found.add(path, "must be an IRI or an entity object")
        return
    entity_id, kind = value.get("id"), value.get("type")
    if _required(found, f"{path}.id", entity_id) and not is_iri(entity_id):
        found.add(f"{path}.id", "must be an IRI")
    if _required(found, f"{path}.type", kind) and not isinstance(kind, str):
        found.add(f"{path}.type", "must be a string")
    extensions = value.get("extensions")
    if extensions is not None and not isinstance(extensions, Mapping):
        found.add(f"{path}.extensions", "must be an object")


def _check_data_entity(found: _Found, entity: Mapping[str, Any], path: str) -> None:
    # the Entity schema says additionalProperties: false, yet every typed Caliper entity (a
    # Document's mediaType, a Membership's roles) has properties of its own: those pass
    _check_ref(found, entity, path)
    for key in ("name", "description"):
        if key in entity and not isinstance(entity[key], str):
            found.add(f"{path}.{key}", "must be a string")
    for key in ("dateCreated", "dateModified"):
        if key in entity and not is_datetime(entity[key]):
            found.add(f"{path}.{key}", "must be an ISO 8601 date-time with a time zone")
    others = entity.get("otherIdentifiers")
    if others is not None and not (
        isinstance(others, list) and all(isinstance(o, str | Mapping) for o in others)
    ):
        found.add(f"{path}.otherIdentifiers", "must be an array of IRIs or objects")


def _check_timeback(
    found: _Found, event: Mapping[str, Any], path: str, shape: rules.TimebackShape
) -> None:
    _check_user(found, event.get("actor"), f"{path}.actor")
    _check_context(found, event.get("object"), f"{path}.object")
    generated = event.get("generated")
    where = f"{path}.generated"
    if generated is None:
        return
    if not isinstance(generated, Mapping):
        found.add(where, f"must be a {shape.collection} object")
        return
    if generated.get("type") != shape.collection:
        found.add(f"{where}.type", f"must be {shape.collection}")
    items = generated.get("items")
    if not _required(found, f"{where}.items", items):
        return
    if not isinstance(items, list):
        found.add(f"{where}.items", "must be an array")
        return
    for index, item in enumerate(items):
        _check_metric(found, item, f"{where}.items[{index}]", shape)


def _check_user(found: _Found, actor: object, path: str) -> None:
    if not isinstance(actor, Mapping):
        if actor is not None:
            found.add(path, "must be a TimebackUser object")
        return
    for key in sorted(set(actor) - rules.TIMEBACK_USER_KEYS, key=str):
        found.add(f"{path}.{key}", "is not a property of a TimebackUser")
    if actor.get("type") != "TimebackUser":
        found.add(f"{path}.type", "must be TimebackUser")
    email = actor.get("email")
    if _required(found, f"{path}.email", email) and not (
        isinstance(email, str) and EMAIL.match(email)
    ):
        found.add(f"{path}.email", "must be an email address")
    role = actor.get("role")
    if role is not None and role not in rules.TIMEBACK_ROLES:
        found.add(f"{path}.role", "must be one of " + ", ".join(sorted(rules.TIMEBACK_ROLES)))
    if "name" in actor and not isinstance(actor["name"], str):
        found.add(f"{path}.name", "must be a string")


def _check_context(found: _Found, context: object, path: str) -> None:
    if not isinstance(context, Mapping):
        if context is not None:
            found.add(path, "must be a TimebackActivityContext object")
        return
    if context.get("type") != "TimebackActivityContext":
        found.add(f"{path}.type", "must be TimebackActivityContext")
    subject = context.get("subject")
    if _required(found, f"{path}.subject", subject) and subject not in rules.SUBJECTS:
        found.add(f"{path}.subject", "must be one of " + ", ".join(sorted(rules.SUBJECTS)))
    _required(found, f"{path}.app", context.get("app"))
    for part in rules.CONTEXT_PARTS:
        value = context.get(part)
        if value is None:
            continue
        if not isinstance(value, Mapping):
            found.add(f"{path}.{part}", "must be an object")
            continue
        name = value.get("name")
        if _required(found, f"{path}.{part}.name", name) and not isinstance(name, str):
            found.add(f"{path}.{part}.name", "must be a string")
        if "id" in value and not is_iri(value["id"]):
            found.add(f"{path}.{part}.id", "must be an IRI")


def _check_metric(found: _Found, item: object, path: str, shape: rules.TimebackShape) -> None:
    if not isinstance(item, Mapping):
        found.add(path, "must be an object")
        return
    kind = item.get("type")
    if _required(found, f"{path}.type", kind) and kind not in shape.metric_types:
        found.add(f"{path}.type", "must be one of " + ", ".join(sorted(shape.metric_types)))
    value = item.get("value")
    if _required(found, f"{path}.value", value) and not is_number(value):
        found.add(f"{path}.value", "must be a number")
    for key in shape.metric_times:
        if key in item and not is_datetime(item[key]):
            found.add(f"{path}.{key}", "must be an ISO 8601 date-time with a time zone")
    for key in shape.metric_strings:
        if key in item and not isinstance(item[key], str):
            found.add(f"{path}.{key}", "must be a string")


def _required(found: _Found, path: str, value: object) -> bool:
    """Whether ``value`` is there; records the problem when it is not."""
    if value is None:
        found.add(path, "is required")
        return False
    return True


def is_iri(value: object) -> bool:
    return isinstance(value, str) and IRI.match(value) is not None


def is_event_id(value: object) -> bool:
    if not isinstance(value, str) or not value.startswith(URN_UUID):
        return False
    try:
        uuid.UUID(value[len(URN_UUID) :])
    except ValueError:
        return False
    return True


def is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def is_datetime(value: object) -> bool:
    if not isinstance(value, str) or "T" not in value.upper():
        return False
    try:
        parsed = datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        return False
    return parsed.tzinfo is not None


def parse_datetime(value: str) -> datetime:
    """A date-time or a bare date (read as midnight UTC), as list filters accept."""
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)
