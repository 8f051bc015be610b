"""Shared fixtures.

Databases: every test that asks for ``db_url`` runs twice, on SQLite and on PostgreSQL. Each run gets
a database of its own, cloned from a template migrated once per session with Alembic (never
``create_all``). PostgreSQL comes from ``BFF_TEST_POSTGRES_URL`` (default: the local server); when it
does not answer, those tests skip, except under ``CI=true``, where that is a failure.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

import httpx
import pytest
from asgi_lifespan import LifespanManager
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from adapters.db import migrations
from api.app import create_app
from api.composition import DEMO_PASSWORD, demo_accounts
from api.settings import AuthSettings, DatabaseSettings, Settings
from domain.models.identity import NewAccount

PG_ADMIN_URL = os.environ.get(
    "BFF_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _pg_admin_engine() -> Engine:
    url = make_url(PG_ADMIN_URL).set(drivername="postgresql+psycopg")
    return create_engine(url, isolation_level="AUTOCOMMIT", pool_pre_ping=True)


def _pg_url(database: str) -> str:
    return make_url(PG_ADMIN_URL).set(database=database).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """A PostgreSQL database migrated to head, used as the template for each test's database."""
    engine = _pg_admin_engine()
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        engine.dispose()
        if IN_CI:
            pytest.fail(f"PostgreSQL at {PG_ADMIN_URL} is unreachable in CI: {exc}")
        pytest.skip(f"PostgreSQL at {PG_ADMIN_URL} is unreachable: {type(exc).__name__}")
    name = f"bff_tpl_{uuid.uuid4().hex[:8]}"
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    migrations.upgrade(_pg_url(name))
    yield name
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("db") / "template.db"
    migrations.upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database for this test, on each backend in turn."""
    if request.param == "sqlite":
        path = tmp_path / "bff.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    with pg_database(template=request.getfixturevalue("pg_template")) as url:
        yield url


@contextmanager
def pg_database(*, template: str | None = None) -> Iterator[str]:
    """A PostgreSQL database of its own (a clone of ``template``, or empty), dropped afterwards."""
    name = f"bff_t_{uuid.uuid4().hex[:10]}"
    engine = _pg_admin_engine()
    clone = f' TEMPLATE "{template}"' if template else ""
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"{clone}'))
    try:
        yield _pg_url(name)
    finally:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


def make_settings(db_url: str, **overrides: object) -> Settings:
    """Sandbox settings on the given database, isolated from the developer's environment."""
    values: dict[str, object] = {
        "mode": "sandbox",
        "log_format": "json",
        "log_level": "warning",
        "database": DatabaseSettings(url=db_url, pool_size=5),
        # argon2 at its recommended cost takes ~0.2 s a hash; tests need the logic, not the cost.
        "auth": AuthSettings(password_time_cost=1, password_memory_kib=64),
    }
    values.update(overrides)
    return Settings(_env_file=None, **cast(Any, values))


@pytest.fixture
def settings(db_url: str) -> Settings:
    return make_settings(db_url)


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on a fresh app, with its lifespan running (simulators, jobs, engine)."""
    app = create_app(settings)
    async with LifespanManager(app, startup_timeout=60, shutdown_timeout=30) as manager:
        transport = httpx.ASGITransport(app=manager.app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://bff.test") as http:
            yield http


@pytest.fixture(autouse=True)
def _isolate_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep a developer's BFF_* variables from leaking into tests that build Settings()."""
    for key in list(os.environ):
        if key.startswith("BFF_") and key != "BFF_TEST_POSTGRES_URL":
            monkeypatch.delenv(key)


@pytest.fixture
def demo(settings: Settings) -> dict[str, NewAccount]:
    """The sandbox demo accounts by role (their password is ``DEMO_PASSWORD``)."""
    return {a.role.value: a for a in demo_accounts(settings)}


async def login(
    client: httpx.AsyncClient, email: str, password: str = DEMO_PASSWORD
) -> dict[str, str]:
    """Log in and return the Authorization header for the access token."""
    response = await client.post("/v1/auth/token", data={"username": email, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.fixture
async def admin_headers(client: httpx.AsyncClient, demo: dict[str, NewAccount]) -> dict[str, str]:
    return await login(client, demo["admin"].email)
