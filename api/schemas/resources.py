"""OneRoster 1.2 resources (learning materials), for the resources routes."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from api.schemas.common import SourcedId
from api.schemas.gradebook import WireIn, WireOut, write_envelope

Importance = Literal["primary", "secondary"]


class ResourceIn(WireIn):
    """A PUT replaces the fields given and keeps the others."""

    title: str | None = Field(default=None, min_length=1, max_length=500)
    roles: list[Importance] = Field(default_factory=list)
    importance: Importance = "primary"
    vendorResourceId: str | None = Field(default=None, min_length=1, max_length=255)
    vendorId: str | None = Field(default=None, max_length=255)
    applicationId: str | None = Field(default=None, max_length=255)


class NewResource(ResourceIn):
    sourcedId: SourcedId | None = None
    title: str = Field(min_length=1, max_length=500)
    vendorResourceId: str = Field(min_length=1, max_length=255)


class Resource(WireOut):
    title: str | None = None
    roles: list[Importance] | None = None
    importance: Importance | None = None
    vendorResourceId: str | None = None
    vendorId: str | None = None
    applicationId: str | None = None


ResourceBody = write_envelope("ResourceBody", "resource", ResourceIn)
NewResourceBody = write_envelope("NewResourceBody", "resource", NewResource)
