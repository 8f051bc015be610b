"""The roster cache on SQL: the ``RosterStore`` the unit of work hands out (``uow.roster``), made of
one part per job, each in its own module (decision D31):

- :mod:`adapters.db.roster_queries`: pages and single records (the caller's scope compiled by
  :mod:`adapters.db.roster_scope`; filter, search and sort by :mod:`adapters.db.filter_sql`);
- :mod:`adapters.db.roster_upserts`: batched upserts and deletes, link tables, payload hashes;
- :mod:`adapters.db.roster_sync_state`: watermarks, checkpoints, runs and their progress;
- :mod:`adapters.db.roster_changes`: the change feed.

All work on the unit of work's session (its connection and transaction) and never commit.
"""

from __future__ import annotations

from adapters.db.roster_changes import SqlRosterChangeFeed
from adapters.db.roster_queries import SqlRosterQueries
from adapters.db.roster_sync_state import SqlSyncBookkeeping
from adapters.db.roster_upserts import SqlRosterUpserts
from domain.ports.roster_store import RosterStore


class SqlRosterStore(
    SqlRosterQueries, SqlRosterUpserts, SqlSyncBookkeeping, SqlRosterChangeFeed, RosterStore
):
    """Every job's methods on one object; the parts share nothing but the session and clock they
    are made with (``SqlRosterStore(session, now=...)``)."""
