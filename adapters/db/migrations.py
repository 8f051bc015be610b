"""Run Alembic from the BFF itself (``bff migrate``, sandbox start-up, tests) and read its state."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, create_engine, pool

from adapters.db.engine import ensure_sqlite_dir, sync_url

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def alembic_config(url: str) -> Config:
    cfg = Config(str(PROJECT_ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "alembic"))
    cfg.attributes["url"] = url
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Blocking; call through ``asyncio.to_thread`` from async code."""
    ensure_sqlite_dir(url)
    command.upgrade(alembic_config(url), revision)


def upgrade_if_behind(url: str) -> bool:
    """Upgrade to head unless already there (one cheap query instead of loading Alembic's env)."""
    ensure_sqlite_dir(url)
    if current_revision(url) == head_revision(url):
        return False
    upgrade(url)
    return True


def head_revision(url: str) -> str | None:
    return ScriptDirectory.from_config(alembic_config(url)).get_current_head()


def revision_of(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def current_revision(url: str) -> str | None:
    engine = create_engine(sync_url(url), poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            return revision_of(conn)
    finally:
        engine.dispose()
