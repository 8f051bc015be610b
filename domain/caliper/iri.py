"""Roster ids inside the IRIs of Caliper events the BFF composes."""

from __future__ import annotations

from urllib.parse import quote


def segment(sourced_id: str) -> str:
    """A sourcedId as one IRI path segment: TimeBack's ids (UUIDs, readable keys) pass unchanged;
    a space, slash or other reserved character is percent-encoded, so the IRI stays valid."""
    return quote(sourced_id, safe="-._~")
