from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field, create_model

from domain.models.roster import Person


class PersonOut(BaseModel):
    sourced_id: str = Field(examples=["b1f2c3d4-0000-4000-8000-000000000001"])
    given_name: str
    family_name: str
    email: str | None
    role: str = Field(examples=["student"])
    org_ids: list[str]
    status: str

    @classmethod
    def of(cls, person: Person) -> PersonOut:
        return cls(
            sourced_id=person.sourced_id,
            given_name=person.given_name,
            family_name=person.family_name,
            email=person.email,
            role=person.role,
            org_ids=list(person.org_ids),
            status=person.status,
        )


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
