"""Migrations: every revision walks up, down and up again, and the models match the head schema."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect

from adapters.db import migrations
from adapters.db.engine import sync_url
from tests.conftest import pg_database


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
        return
    request.getfixturevalue("pg_template")  # skips (or fails in CI) when PostgreSQL is down
    with pg_database() as url:
        yield url


def _tables(url: str) -> set[str]:
    engine = create_engine(sync_url(url))
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _revisions(url: str) -> list[str]:
    """Every revision id, oldest first."""
    script = ScriptDirectory.from_config(migrations.alembic_config(url))
    return [r.revision for r in reversed(list(script.walk_revisions()))]


def _downgrade(url: str, revision: str) -> None:
    command.downgrade(migrations.alembic_config(url), revision)


def test_stairway_up_down_up(empty_db: str) -> None:
    revisions = _revisions(empty_db)
    assert revisions, "no migrations found"
    previous = "base"
    for revision in revisions:
        migrations.upgrade(empty_db, revision)
        assert migrations.current_revision(empty_db) == revision
        _downgrade(empty_db, previous)
        assert migrations.current_revision(empty_db) == (None if previous == "base" else previous)
        migrations.upgrade(empty_db, revision)
        previous = revision
    assert migrations.current_revision(empty_db) == migrations.head_revision(empty_db)


def test_downgrade_to_base_leaves_nothing_behind(empty_db: str) -> None:
    migrations.upgrade(empty_db)
    _downgrade(empty_db, "base")
    assert _tables(empty_db) <= {"alembic_version"}


def test_models_match_head_schema(empty_db: str) -> None:
    """`alembic check`: autogenerate finds nothing to add, drop or alter at head."""
    migrations.upgrade(empty_db)
    command.check(migrations.alembic_config(empty_db))


def test_procrastinate_schema_only_on_postgres(empty_db: str) -> None:
    migrations.upgrade(empty_db)
    engine = create_engine(sync_url(empty_db))
    try:
        schemas = inspect(engine).get_schema_names()
    finally:
        engine.dispose()
    assert ("procrastinate" in schemas) == empty_db.startswith("postgresql")
