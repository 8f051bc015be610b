"""Safe URL paths for ids that come from callers."""

from __future__ import annotations

from urllib.parse import quote


def seg(value: str) -> str:
    """One path segment: every reserved character escaped, so an id such as ``../orgs`` or one with a
    control character stays one segment of *our* choosing on the upstream's API."""
    return quote(value, safe="")
