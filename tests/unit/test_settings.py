"""Settings: environment names, nesting, and production's refusal of sandbox placeholders."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from pydantic import BaseModel, ValidationError

from adapters.upstream import Upstream
from api.settings import UPSTREAMS, Settings


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


def _real_upstreams() -> dict[str, str]:
    """A real-looking address and secret for every upstream the list declares."""
    env: dict[str, str] = {}
    for upstream in UPSTREAMS:
        for field in upstream.url_fields():
            env[upstream.env_name(field)] = f"https://{upstream.name}-{field}.example".replace(
                "_", "-"
            )
        for field in upstream.secret_fields():
            env[upstream.env_name(field)] = f"{upstream.name}-real-secret"
    return env


PRODUCTION_BASE = {
    "BFF_MODE": "production",
    "BFF_DATABASE_URL": "postgresql+asyncpg://bff@db/bff",
    "BFF_AUTH_SIGNING_KEYS": '{"2026-11": "a-long-random-production-signing-secret"}',
    "BFF_AUTH_ACTIVE_KEY_ID": "2026-11",
    "BFF_AUTH_ENCRYPTION_KEYS": '["' + Fernet.generate_key().decode() + '"]',
}


def test_production_accepts_real_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in (PRODUCTION_BASE | _real_upstreams()).items():
        monkeypatch.setenv(key, value)
    settings = Settings(_env_file=None)
    assert settings.mode == "production"
    assert settings.timeback.base_url == "https://timeback-base-url.example"
    assert {u.name for u, _ in settings.upstreams()} == {u.name for u in UPSTREAMS}


@pytest.mark.parametrize("upstream", UPSTREAMS, ids=lambda u: u.name)
def test_production_names_each_upstreams_placeholders(
    upstream: Upstream[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every secret and address an upstream declares is checked, by its variable's name; an
    optional secret (empty by default, such as Open edX's API key) may stay unset."""
    required = tuple(upstream.secrets(upstream.settings()))
    env = PRODUCTION_BASE | _real_upstreams()
    for field in upstream.secret_fields():
        env.pop(upstream.env_name(field), None)
    for field in upstream.url_fields():
        env[upstream.env_name(field)] = f"http://{upstream.name}.sim"
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ValidationError) as caught:
        Settings(_env_file=None)
    named = set(re.findall(r"\bBFF_[A-Z0-9_]+", str(caught.value)))
    wanted = {upstream.env_name(f) for f in (*required, *upstream.url_fields())}
    assert named == wanted


def test_production_skips_a_disabled_identity_provider(monkeypatch: pytest.MonkeyPatch) -> None:
    env = {k: v for k, v in (PRODUCTION_BASE | _real_upstreams()).items() if "_OIDC_" not in k}
    for key, value in (env | {"BFF_OIDC_ENABLED": "false"}).items():
        monkeypatch.setenv(key, value)
    settings = Settings(_env_file=None)
    assert "oidc" not in {u.name for u, _ in settings.upstreams()}
    assert "oidc_client_secret" not in settings.secrets()


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
