"""The reference material next to the project root (``../shared``), which tests read in place.

A checkout that does not sit next to it (a git worktree, a CI clone under /tmp) finds it through
``BFF_SHARED_DIR``, else at ``/work/shared``, where the team's machines keep it.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def shared_dir() -> Path:
    for candidate in (
        os.environ.get("BFF_SHARED_DIR"),
        ROOT.parent / "shared",
        Path("/work/shared"),
    ):
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    return ROOT.parent / "shared"


def shared(*parts: str) -> Path:
    """A path under the shared reference material, e.g. ``shared("fixtures", "timeback-openapi")``."""
    return shared_dir().joinpath(*parts)
