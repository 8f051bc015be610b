"""Job runners behind the :class:`domain.ports.JobQueue` port.

Two implementations: procrastinate on PostgreSQL (many worker processes on many machines) and an
in-process asyncio runner for the SQLite embedded mode. Both only *trigger* work: database rows are
the truth, so a lost or repeated job never loses or duplicates data, and a periodic reconciler
re-enqueues whatever is due.
"""
