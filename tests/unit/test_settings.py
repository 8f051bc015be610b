"""Settings: environment names, nesting, and production's refusal of sandbox placeholders."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from pydantic import BaseModel, ValidationError

from api.settings import Settings


def test_defaults_are_a_runnable_sandbox() -> None:
    settings = Settings(_env_file=None)
    assert settings.mode == "sandbox"
    assert settings.database.url.startswith("sqlite+aiosqlite:///var/")
    assert settings.jobs_backend == "inprocess"


def test_nested_variables_use_one_underscore(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BFF_DATABASE_URL", "postgresql+asyncpg://u@h/db")
    monkeypatch.setenv("BFF_TIMEBACK_CLIENT_SECRET", "s3cret")
    monkeypatch.setenv("BFF_LOG_LEVEL", "debug")
    settings = Settings(_env_file=None)
    assert settings.database.url == "postgresql+asyncpg://u@h/db"
    assert settings.timeback.client_secret.get_secret_value() == "s3cret"
    assert settings.log_level == "debug"
    assert settings.jobs_backend == "procrastinate"
    assert "s3cret" not in repr(settings)


def test_production_refuses_placeholders_and_says_what_is_missing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BFF_MODE", "production")
    with pytest.raises(ValidationError) as caught:
        Settings(_env_file=None)
    message = str(caught.value)
    assert "BFF_TIMEBACK_CLIENT_SECRET" in message
    assert "BFF_TIMEBACK_BASE_URL" in message
    assert "BFF_DATABASE_URL" in message
    assert "BFF_AUTH_SIGNING_KEYS" in message
    assert "BFF_AUTH_ENCRYPTION_KEYS" in message


def test_production_accepts_real_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    env = {
        "BFF_MODE": "production",
        "BFF_DATABASE_URL": "postgresql+asyncpg://bff@db/bff",
        "BFF_TIMEBACK_BASE_URL": "https://api.timeback.example",
        "BFF_TIMEBACK_TOKEN_URL": "https://auth.timeback.example/oauth2/token",
        "BFF_TIMEBACK_CLIENT_SECRET": "tb-real",
        "BFF_APPSEMBLER_BASE_URL": "https://lms.example",
        "BFF_APPSEMBLER_CLIENT_SECRET": "ap-real",
        "BFF_ZOHO_ACCOUNTS_URL": "https://accounts.zoho.eu",
        "BFF_ZOHO_PROJECTS_URL": "https://projectsapi.zoho.eu",
        "BFF_ZOHO_DESK_URL": "https://desk.zoho.eu",
        "BFF_ZOHO_CLIENT_SECRET": "zo-real",
        "BFF_AUTH_SIGNING_KEYS": '{"2026-11": "a-long-random-production-signing-secret"}',
        "BFF_AUTH_ACTIVE_KEY_ID": "2026-11",
        "BFF_AUTH_ENCRYPTION_KEYS": '["' + Fernet.generate_key().decode() + '"]',
        "BFF_OIDC_ENABLED": "false",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert Settings(_env_file=None).mode == "production"


def _env_example() -> dict[str, str]:
    path = Path(__file__).resolve().parents[2] / ".env.example"
    lines = [line for line in path.read_text().splitlines() if line and line[0] != "#"]
    return {key: value for key, _, value in (line.partition("=") for line in lines)}


def _setting_names() -> set[str]:
    names = set()
    for name, field in Settings.model_fields.items():
        nested = field.annotation
        if isinstance(nested, type) and issubclass(nested, BaseModel):
            names |= {f"BFF_{name}_{sub}".upper() for sub in nested.model_fields}
        else:
            names.add(f"BFF_{name}".upper())
    return names


def test_env_example_documents_every_setting_and_parses(monkeypatch: pytest.MonkeyPatch) -> None:
    example = _env_example()
    assert set(example) == _setting_names()
    for key, value in example.items():
        monkeypatch.setenv(key, value)
    settings = Settings(_env_file=None)
    assert settings.database.url == example["BFF_DATABASE_URL"]
    assert settings.timeback.sync_page_size == int(example["BFF_TIMEBACK_SYNC_PAGE_SIZE"])
