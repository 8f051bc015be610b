"""OneRoster envelopes of the cached roster routes, named for OpenAPI."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, create_model

#: A cached OneRoster object exactly as TimeBack sent it (trimmed to ``fields`` when asked).
OneRosterObject = dict[str, Any]


def _envelope(name: str, key: str, many: bool) -> type[BaseModel]:
    value: Any = list[OneRosterObject] if many else OneRosterObject
    definitions: dict[str, Any] = {key: (value, ...)}
    model: type[BaseModel] = create_model(name, __base__=BaseModel, **definitions)
    return model


@dataclass(frozen=True, slots=True)
class RosterCollection:
    """One ``/v1/roster/{path}`` collection: its OneRoster envelope keys and response models."""

    path: str  # URL segment: "academic-sessions"
    one: str  # operation id noun: "academic_session"
    plural_key: str  # envelope of a list: "academicSessions"
    singular_key: str  # envelope of one: "academicSession"
    list_model: type[BaseModel]
    item_model: type[BaseModel]


def collection(path: str, one: str, plural_key: str, singular_key: str) -> RosterCollection:
    title = "".join(part.title() for part in path.split("-"))
    return RosterCollection(
        path=path,
        one=one,
        plural_key=plural_key,
        singular_key=singular_key,
        list_model=_envelope(f"Roster{title}Page", plural_key, many=True),
        item_model=_envelope(f"Roster{title}Item", singular_key, many=False),
    )
