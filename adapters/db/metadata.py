"""The one metadata every table is defined on, with explicit constraint names.

Every table module imports it (SQLModel rows through :class:`Row`), so the naming convention is in
place before any table is made, whichever module is imported first.
"""

from __future__ import annotations

from sqlalchemy import MetaData
from sqlmodel import SQLModel

# Explicit constraint names keep migrations reproducible and let SQLite's batch mode find them.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata: MetaData = SQLModel.metadata


class Row(SQLModel):
    """Base of the SQLModel tables (on :data:`metadata`)."""
