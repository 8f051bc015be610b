"""Production mode never imports a simulator, and reading settings imports no adapter client.

Each check runs in a fresh interpreter: in this one, other tests have imported simulators already.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from api.settings import UPSTREAMS
from tests.conftest import pg_database

ROOT = Path(__file__).resolve().parents[2]

#: Prints the loaded modules of interest as JSON after running the given code.
_REPORT = """
import json, sys
prefixes = ("simulators", "httpx", "authlib.integrations", "joserfc")
loaded = sorted(m for m in sys.modules if m.split(".")[0] == "simulators" or m.startswith(prefixes))
clients = sorted(m for m in sys.modules if m.startswith("adapters.") and m.endswith(".client"))
print(json.dumps({"loaded": loaded, "clients": clients}))
"""

_BUILD_WITHOUT_DATABASE = """
import asyncio
from api import cli, composition
from api.app import create_app
from api.composition.upstreams import connect_upstreams
from api.settings import Settings

settings = Settings()
assert settings.mode == "production"
create_app(settings)
built = connect_upstreams(settings, None)
assert set(built.http) == {u.name for u, _ in settings.upstreams()}
assert built.identity_provider is not None and built.trackers
asyncio.run(built.aclose())
"""

_RUN_ON_POSTGRES = """
import asyncio
from api import composition
from api.settings import Settings

async def main() -> None:
    async with composition.running(Settings(), run_jobs=False) as container:
        assert container.simulators is None
        assert container.identity_provider is not None

asyncio.run(main())
"""


def production_env(database_url: str) -> dict[str, str]:
    env = {
        "BFF_MODE": "production",
        "BFF_DATABASE_URL": database_url,
        "BFF_AUTH_SIGNING_KEYS": json.dumps({"prod-1": "a-long-random-production-signing-secret"}),
        "BFF_AUTH_ACTIVE_KEY_ID": "prod-1",
        "BFF_AUTH_ENCRYPTION_KEYS": json.dumps([Fernet.generate_key().decode()]),
        "BFF_LOG_FORMAT": "json",
        "BFF_LOG_LEVEL": "warning",
    }
    for upstream in UPSTREAMS:
        for field in upstream.url_fields():
            env[upstream.env_name(field)] = f"https://{upstream.name}.example/{field}"
        for field in upstream.secret_fields():
            env[upstream.env_name(field)] = f"{upstream.name}-production-secret"
    return env


def run_python(code: str, env: dict[str, str], cwd: Path) -> dict[str, list[str]]:
    """Run ``code`` then report, in a fresh interpreter with only ``env``'s BFF_* variables."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("BFF_")}
    done = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code + _REPORT],
        env=base | env | {"PYTHONPATH": str(ROOT)},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    report: dict[str, list[str]] = json.loads(done.stdout.strip().splitlines()[-1])
    return report


def test_reading_settings_imports_no_client_and_no_simulator(tmp_path: Path) -> None:
    report = run_python("import api.settings\n", {}, tmp_path)
    assert report == {"loaded": [], "clients": []}


def test_production_wiring_imports_no_simulator(tmp_path: Path) -> None:
    env = production_env("postgresql+asyncpg://bff@db.invalid/bff")
    report = run_python(_BUILD_WITHOUT_DATABASE, env, tmp_path)
    assert not [m for m in report["loaded"] if m.split(".")[0] == "simulators"], report
    assert report["clients"], "the wiring built no adapter client: the check proves nothing"


@pytest.mark.postgres
def test_a_running_production_container_imports_no_simulator(
    pg_template: str, tmp_path: Path
) -> None:
    with pg_database(template=pg_template) as url:
        report = run_python(_RUN_ON_POSTGRES, production_env(url), tmp_path)
    assert not [m for m in report["loaded"] if m.split(".")[0] == "simulators"], report
