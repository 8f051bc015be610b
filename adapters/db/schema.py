"""Every table of the BFF's database, registered on one metadata: what Alembic compares with."""

from __future__ import annotations

from adapters.db import (
    caliper_tables,
    learning_tables,
    lms_tables,
    roster_tables,
    tables,
    timesheet_tables,
)
from adapters.db.metadata import metadata

#: the table modules, imported for the tables they register
MODULES = (tables, roster_tables, timesheet_tables, caliper_tables, lms_tables, learning_tables)

__all__ = ["MODULES", "metadata"]
