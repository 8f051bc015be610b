"""The `bff` command, run in-process against a SQLite file."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("BFF_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("BFF_AUTH_PASSWORD_TIME_COST", "1")
    monkeypatch.setenv("BFF_AUTH_PASSWORD_MEMORY_KIB", "64")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_migrate_then_create_a_user(env: Path) -> None:
    runner = CliRunner()
    migrated = runner.invoke(app, ["migrate"])
    assert migrated.exit_code == 0, migrated.output
    assert "newest migration" in migrated.output
    created = runner.invoke(
        app,
        ["users", "create", "--email", "ops@school.example", "--role", "admin"],
        input="violet tram sings at noon\nviolet tram sings at noon\n",
    )
    assert created.exit_code == 0, created.output
    assert "Created admin account ops@school.example" in created.output
    refused = runner.invoke(
        app,
        ["users", "create", "--email", "t@school.example", "--role", "teacher", "--password", "x"],
    )
    assert refused.exit_code == 1
    assert "Not created" in refused.output


def test_sync_roster_shows_progress_and_succeeds(env: Path) -> None:
    result = CliRunner().invoke(app, ["sync", "roster", "--full"])
    assert result.exit_code == 0, result.output
    assert "users" in result.output
    assert "Sync full succeeded" in result.output


def test_invalid_settings_are_explained(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BFF_MODE", "production")
    result = CliRunner().invoke(app, ["migrate"])
    assert result.exit_code == 2
    assert "production mode refuses to start" in result.output
