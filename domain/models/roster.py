"""Roster entities as the BFF serves them (OneRoster people, for now)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class Person:
    sourced_id: str
    given_name: str
    family_name: str
    email: str | None
    role: str  # the primary OneRoster role: student, teacher, guardian, administrator, ...
    org_ids: tuple[str, ...]
    status: str = "active"
