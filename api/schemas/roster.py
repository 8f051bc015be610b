from __future__ import annotations

from pydantic import BaseModel, Field

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
