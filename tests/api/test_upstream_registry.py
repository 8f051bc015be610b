"""The upstream list (``api.settings.UPSTREAMS``) against everything that must agree with it.

Adding an upstream is a package plus one line in ``Settings``; these tests then say what else is
missing, and print the lines ``.env.example`` and ``docker-compose.yml`` need.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from pydantic import BaseModel, SecretStr
from typer.testing import CliRunner

import simulators.sandbox
from adapters.upstream import Upstream, is_simulated
from api.cli import app as cli
from api.settings import UPSTREAMS, Settings
from simulators.sandbox import load_simulator
from tests.api.test_compose import service_env_names

ROOT = Path(__file__).resolve().parents[2]
BY_NAME = pytest.mark.parametrize("upstream", UPSTREAMS, ids=lambda u: u.name)


def _env_example() -> dict[str, str]:
    lines = (ROOT / ".env.example").read_text().splitlines()
    pairs = (line.partition("=") for line in lines if line and not line.startswith("#"))
    return {key: value for key, _, value in pairs}


def _as_env(value: object) -> str:
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def test_the_list_holds_each_upstream_once() -> None:
    names = [u.name for u in UPSTREAMS]
    assert {"timeback", "appsembler", "zoho", "oidc"} <= set(names)
    assert len(set(names)) == len(names)
    assert len({u.cli_name for u in UPSTREAMS}) == len(UPSTREAMS)


@BY_NAME
def test_its_settings_group_is_on_settings_under_its_name(upstream: Upstream[Any]) -> None:
    field = Settings.model_fields[upstream.name]
    assert field.annotation is upstream.settings
    assert issubclass(upstream.settings, BaseModel)
    settings = Settings(_env_file=None)
    assert upstream.group(settings) == upstream.settings()
    # sandbox mode needs no credentials: the defaults reach the simulators
    assert all(is_simulated(url) for url in upstream.urls(upstream.settings()).values())


@BY_NAME
def test_env_example_documents_every_field_with_its_default(
    upstream: Upstream[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    example = _env_example()
    defaults = upstream.settings()
    lines = {
        upstream.env_name(name): f"{upstream.env_name(name)}={_as_env(getattr(defaults, name))}"
        for name in upstream.settings.model_fields
    }
    missing = [line for key, line in lines.items() if key not in example]
    assert not missing, ".env.example lacks:\n" + "\n".join(missing)
    for key in lines:
        monkeypatch.setenv(key, example[key])
    from_example = upstream.group(Settings(_env_file=None))
    differing = [
        lines[upstream.env_name(name)]
        for name in upstream.settings.model_fields
        if getattr(from_example, name) != getattr(defaults, name)
    ]
    assert not differing, ".env.example should say the defaults:\n" + "\n".join(differing)


@BY_NAME
@pytest.mark.parametrize("service", ["api", "worker"])
def test_docker_compose_passes_through_what_it_declares(
    upstream: Upstream[Any], service: str
) -> None:
    names = set(service_env_names(service))
    wanted = [upstream.env_name(field) for field in upstream.compose_fields()]
    assert set(upstream.secret_fields()) <= set(upstream.compose_fields())
    assert set(upstream.url_fields()) <= set(upstream.compose_fields())
    missing = [f"  {name}:" for name in wanted if name not in names]
    assert not missing, f"docker-compose.yml ({service}) lacks:\n" + "\n".join(missing)


@BY_NAME
def test_its_simulator_answers_on_its_sandbox_hosts(upstream: Upstream[Any]) -> None:
    assert upstream.simulator is not None, "every upstream has a simulator"
    simulator = load_simulator(upstream.simulator)
    assert set(simulator.hosts) == set(upstream.hosts)
    # its own simulator, or another upstream's (Caliper's token URL is TimeBack's IdP)
    sandbox_hosts = {host for u in UPSTREAMS for host in u.hosts}
    for url in upstream.urls(upstream.settings()).values():
        assert urlsplit(url).hostname in sandbox_hosts, f"{url} reaches no simulator"


@BY_NAME
def test_bff_simulate_runs_its_simulator(
    upstream: Upstream[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    served: list[tuple[str, int]] = []

    def serve(path: str, *, port: int, **_: object) -> None:
        served.append((path, port))

    monkeypatch.setattr(simulators.sandbox, "serve_standalone", serve)
    assert upstream.cli_name is not None
    result = CliRunner().invoke(cli, ["simulate", upstream.cli_name, "--port", "8123"])
    assert result.exit_code == 0, result.output
    assert served == [(upstream.simulator, 8123)]
    assert upstream.cli_name in CliRunner().invoke(cli, ["simulate", "--help"]).output


def test_bff_simulate_refuses_an_unknown_upstream() -> None:
    result = CliRunner().invoke(cli, ["simulate", "moodle"])
    assert result.exit_code == 2
    assert "Unknown system 'moodle'" in result.output


async def test_ready_reports_a_check_for_each_upstream(client: httpx.AsyncClient) -> None:
    response = await client.get("/ready")
    assert response.status_code == 200, response.text
    components = {c["name"]: c for c in response.json()["components"]}
    for upstream in UPSTREAMS:
        assert components[upstream.name]["ok"] is True, components.get(upstream.name)


def test_bff_simulate_all_serves_every_simulated_upstream_with_the_sandboxs_sizes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """D47: the shared simulators hold the population the demo accounts are drawn from."""
    served: list[tuple[set[str], int, int]] = []

    def serve(specs: dict[str, Any], *, port: int, seed: int, **_: object) -> None:
        served.append((set(specs), port, seed))

    monkeypatch.setattr(simulators.sandbox, "serve_all", serve)
    monkeypatch.setenv("BFF_SANDBOX_SEED", "7")
    result = CliRunner().invoke(cli, ["simulate", "all", "--port", "8124"])
    assert result.exit_code == 0, result.output
    names = {u.name for u in UPSTREAMS if u.simulator is not None}
    assert served == [(names, 8124, 7)]
