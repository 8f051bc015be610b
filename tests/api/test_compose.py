"""Static checks of the container files: Dockerfile, .dockerignore and docker-compose.yml.

There is no Docker engine on the development or CI machines, so nothing here builds or starts a
container. The files are parsed instead, and what can be checked without an engine is: the compose
structure (services, health checks, start order, volume), that every ``BFF_*`` variable it sets is a
real setting and that those values validate through pydantic-settings, and that the Dockerfile is
multi-stage, runs as a non-root user, has a health check and COPYs only paths that exist and are not
excluded by ``.dockerignore``.
"""

from __future__ import annotations

import fnmatch
import json
import re
import secrets
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from cryptography.fernet import Fernet
from pydantic import BaseModel, SecretStr, ValidationError

from api.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"

# Compose interpolation: ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?err}, ${NAME?err}, $$.
_INTERPOLATION = re.compile(
    r"\$\$|\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}|\$(?P<bare>[A-Za-z_][A-Za-z0-9_]*)"
)


def interpolate(value: str, environ: Mapping[str, str]) -> str:
    """Resolve compose ``${...}`` references the way ``docker compose config`` does."""

    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group("name") or match.group("bare")
        op, arg = match.group("op"), match.group("arg") or ""
        current = environ.get(name)
        unset_or_empty = not current if op and op.startswith(":") else current is None
        if op in {":-", "-"}:
            return arg if unset_or_empty else str(current)
        if op in {":?", "?"}:
            if unset_or_empty:
                raise ValueError(f"compose requires ${name}: {arg}")
            return str(current)
        return current or ""

    return _INTERPOLATION.sub(replace, value)


def load_compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE_FILE.read_text())
    assert isinstance(data, dict)
    return data


def service_env(service: str, shell: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment compose gives ``service``'s container, for this shell environment.

    ``NAME: value`` is interpolated; ``NAME:`` with no value passes ``NAME`` through from the shell
    when it is set there and leaves it unset in the container otherwise.
    """
    shell = shell or {}
    raw = load_compose()["services"][service]["environment"]
    if isinstance(raw, list):  # the KEY=value list form; a bare KEY passes through
        raw = dict([*item.split("=", 1), None][:2] for item in raw)
    assert isinstance(raw, dict), f"{service}: environment must be a mapping or a KEY=value list"
    env: dict[str, str] = {}
    for key, value in raw.items():
        if value is None:
            if key in shell:
                env[str(key)] = shell[key]
        else:
            env[str(key)] = interpolate(str(value), shell)
    return env


def service_env_names(service: str) -> list[str]:
    raw = load_compose()["services"][service]["environment"]
    return [str(item).split("=", 1)[0] for item in raw]


def setting_for(key: str) -> tuple[str, str | None]:
    """The Settings field (and nested field) a BFF_* variable sets, as pydantic-settings reads it.

    ``env_nested_delimiter="_"`` with ``env_nested_max_split=1``: the name splits once, at the first
    underscore after the prefix, and the left part must be a nested group.
    """
    assert key.startswith("BFF_"), f"{key} lacks the BFF_ prefix"
    name = key.removeprefix("BFF_").lower()
    fields = Settings.model_fields
    group, _, rest = name.partition("_")
    if rest and group in fields:
        annotation = fields[group].annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            assert rest in annotation.model_fields, f"{key}: {group} has no field {rest!r}"
            return group, rest
    assert name in fields, (
        f"{key} is not a setting (api/settings.py ignores unknown BFF_ variables)"
    )
    return name, None


def read_setting(settings: Settings, key: str) -> object:
    top, nested = setting_for(key)
    value: object = getattr(settings, top)
    if nested is not None:
        value = getattr(value, nested)
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    return value


def settings_from_env(monkeypatch: pytest.MonkeyPatch, env: Mapping[str, str]) -> Settings:
    """Build Settings the way the container does: from the process environment, no .env file."""
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return Settings(_env_file=None)


# --- docker-compose.yml ---------------------------------------------------------------------------


def test_compose_has_the_three_services_and_a_named_volume() -> None:
    compose = load_compose()
    services = compose["services"]
    assert set(services) >= {"api", "worker", "db", "simulators"}
    assert "pgdata" in (compose.get("volumes") or {})
    assert services["db"]["image"].startswith("postgres:16")
    assert any(
        str(v).split(":")[0] == "pgdata" and str(v).split(":")[1] == "/var/lib/postgresql/data"
        for v in services["db"]["volumes"]
    )
    assert "8000:8000" in [str(p) for p in services["api"]["ports"]]


def test_compose_builds_this_repository() -> None:
    services = load_compose()["services"]
    for name in ("api", "worker", "simulators"):
        build = services[name]["build"]
        context = build if isinstance(build, str) else build.get("context", ".")
        dockerfile = (
            "Dockerfile" if isinstance(build, str) else build.get("dockerfile", "Dockerfile")
        )
        assert (ROOT / context / dockerfile).is_file()
    assert services["api"]["image"] == services["worker"]["image"], "api and worker share one image"
    assert services["simulators"]["image"] == services["api"]["image"]


def _command(service: Mapping[str, Any]) -> str:
    command = service["command"]
    return command if isinstance(command, str) else " ".join(command)


def test_compose_commands_migrate_then_serve_and_run_the_worker() -> None:
    services = load_compose()["services"]
    api = _command(services["api"])
    assert "bff migrate" in api
    assert "bff serve" in api
    assert api.index("bff migrate") < api.index("bff serve")
    assert "&&" in api, "serve must not start when migrate fails"
    assert "--host 0.0.0.0" in api
    assert _command(services["worker"]).split() == ["bff", "worker"]


def test_compose_start_order_waits_for_healthy_dependencies() -> None:
    services = load_compose()["services"]
    for name in ("api", "worker"):
        assert services[name]["depends_on"]["db"]["condition"] == "service_healthy"
    # The worker needs procrastinate's tables, which `api` creates (bff migrate) before it is
    # healthy.
    assert services["worker"]["depends_on"]["api"]["condition"] == "service_healthy"


def test_compose_sandbox_processes_share_one_set_of_simulators() -> None:
    """D47: `api` and `worker` reach the upstreams through the one `simulators` service, which
    they wait for, on the port it listens on."""
    services = load_compose()["services"]
    words = _command(services["simulators"]).split()
    assert words[:3] == ["bff", "simulate", "all"]
    assert words[words.index("--host") + 1] == "0.0.0.0"  # noqa: S104
    port = words[words.index("--port") + 1]
    for name in ("api", "worker"):
        url = service_env(name)["BFF_SANDBOX_SIMULATORS_URL"]
        assert url == f"http://simulators:{port}"
        assert services[name]["depends_on"]["simulators"]["condition"] == "service_healthy"
    check = " ".join(services["simulators"]["healthcheck"]["test"])
    assert f"http://127.0.0.1:{port}/" in check
    assert "urllib" in check


def test_compose_healthchecks() -> None:
    services = load_compose()["services"]
    db_test = services["db"]["healthcheck"]["test"]
    assert "pg_isready" in (db_test if isinstance(db_test, str) else " ".join(db_test))
    api_check = services["api"]["healthcheck"]
    api_test = (
        " ".join(api_check["test"]) if isinstance(api_check["test"], list) else api_check["test"]
    )
    assert "/health" in api_test
    assert "urllib" in api_test, "the slim image has no curl"
    assert "curl" not in api_test
    assert "interval" in api_check
    # The image's HEALTHCHECK probes HTTP, which the worker does not serve.
    assert services["worker"]["healthcheck"] == {"disable": True}


@pytest.mark.parametrize("service", ["api", "worker"])
def test_compose_env_names_are_real_settings(service: str) -> None:
    names = service_env_names(service)
    assert names, f"{service} sets no environment"
    for key in names:
        setting_for(key)


@pytest.mark.parametrize("service", ["api", "worker"])
def test_compose_env_validates_as_sandbox_on_the_db_service(
    service: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = service_env(service)
    settings = settings_from_env(monkeypatch, env)
    assert settings.mode == "sandbox"
    assert settings.database.url == "postgresql+asyncpg://bff:bff@db:5432/bff"
    assert settings.jobs_backend == "procrastinate"
    for key, value in env.items():
        assert str(read_setting(settings, key)) == value, f"{key} did not reach its setting"


def test_compose_database_url_follows_postgres_password_but_not_the_shell(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    env = service_env(
        "api", {"POSTGRES_PASSWORD": "s3cret", "BFF_DATABASE_URL": "sqlite+aiosqlite:///x.db"}
    )
    assert env["BFF_DATABASE_URL"] == "postgresql+asyncpg://bff:s3cret@db:5432/bff"
    db_env = load_compose()["services"]["db"]["environment"]
    assert interpolate(db_env["POSTGRES_PASSWORD"], {"POSTGRES_PASSWORD": "s3cret"}) == "s3cret"
    assert interpolate(db_env["POSTGRES_USER"], {}) == "bff"
    assert interpolate(db_env["POSTGRES_DB"], {}) == "bff"


def _production_refusal(monkeypatch: pytest.MonkeyPatch, shell: Mapping[str, str]) -> list[str]:
    """The BFF_* variables production mode says are still sandbox values."""
    with (
        monkeypatch.context() as patch,
        pytest.raises(ValidationError, match="production mode refuses to start") as info,
    ):
        settings_from_env(patch, service_env("api", shell))
    return sorted(set(re.findall(r"\bBFF_[A-Z0-9_]+", str(info.value))))


def _production_value(key: str) -> dict[str, str]:
    """A plausible real value for a setting that production refuses to leave at its default."""
    top, nested = setting_for(key)
    field = Settings.model_fields[top]
    if nested is not None:
        group = field.annotation
        assert isinstance(group, type)
        assert issubclass(group, BaseModel)
        field = group.model_fields[nested]
    annotation = field.annotation
    if annotation is SecretStr:
        return {key: "real-" + secrets.token_urlsafe(24)}
    if annotation == dict[str, SecretStr] and key == "BFF_AUTH_SIGNING_KEYS":
        return {
            key: json.dumps({"prod-1": secrets.token_urlsafe(48)}),
            "BFF_AUTH_ACTIVE_KEY_ID": "prod-1",
        }
    if annotation == list[SecretStr]:
        return {key: json.dumps([Fernet.generate_key().decode()])}
    if annotation is str and key.endswith(("_URL", "_ISSUER")):
        return {key: f"https://{key.removeprefix('BFF_').lower().replace('_', '-')}.example"}
    raise AssertionError(f"no production value known for {key} ({annotation}); extend this test")


def test_compose_production_switch_refuses_placeholders(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _production_refusal(monkeypatch, {"BFF_MODE": "production"})


def test_compose_passes_through_every_variable_production_asks_for(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    names = set(service_env_names("api"))
    missing = [
        n for n in _production_refusal(monkeypatch, {"BFF_MODE": "production"}) if n not in names
    ]
    assert not missing, f"production needs these, but docker-compose.yml cannot set them: {missing}"


def test_compose_production_switch_accepts_real_values(monkeypatch: pytest.MonkeyPatch) -> None:
    shell = {"BFF_MODE": "production", "POSTGRES_PASSWORD": "a-long-db-password"}
    for key in _production_refusal(monkeypatch, shell):
        shell.update(_production_value(key))
    settings = settings_from_env(monkeypatch, service_env("api", shell))
    assert settings.mode == "production"
    assert settings.database.url == "postgresql+asyncpg://bff:a-long-db-password@db:5432/bff"
    assert settings.timeback.client_secret.get_secret_value() == shell["BFF_TIMEBACK_CLIENT_SECRET"]


def test_interpolation_helper() -> None:
    assert interpolate("${A:-x}", {}) == "x"
    assert interpolate("${A:-x}", {"A": ""}) == "x"
    assert interpolate("${A-x}", {"A": ""}) == ""
    assert interpolate("${A}-$A-$$A", {"A": "1"}) == "1-1-$A"
    with pytest.raises(ValueError, match="requires"):
        interpolate("${A:?missing}", {})


# --- Dockerfile -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Instruction:
    keyword: str
    args: str


def parse_dockerfile(text: str) -> list[Instruction]:
    """Instructions with line continuations joined; comments and parser directives dropped."""
    instructions: list[Instruction] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if pending and line.startswith("#"):  # comments may sit inside a continued instruction
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        full = (pending + line).strip()
        pending = ""
        if full:
            keyword, _, args = full.partition(" ")
            instructions.append(Instruction(keyword.upper(), args.strip()))
    assert not pending, "Dockerfile ends inside a line continuation"
    return instructions


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[Instruction]


def dockerfile_stages() -> tuple[dict[str, str], list[Stage]]:
    args: dict[str, str] = {}
    stages: list[Stage] = []
    for ins in parse_dockerfile(DOCKERFILE.read_text()):
        if ins.keyword == "ARG" and not stages:
            arg_name, _, default = ins.args.partition("=")
            args[arg_name] = default
        elif ins.keyword == "FROM":
            words = [w for w in ins.args.split() if not w.startswith("--")]
            base = re.sub(
                r"\$\{(\w+)\}|\$(\w+)", lambda m: args[m.group(1) or m.group(2)], words[0]
            )
            stage_name = words[2] if len(words) >= 3 and words[1].lower() == "as" else None
            stages.append(Stage(base=base, name=stage_name, instructions=[]))
        else:
            assert stages, f"{ins.keyword} before the first FROM"
            stages[-1].instructions.append(ins)
    return args, stages


def _all(stage: Stage, keyword: str) -> list[str]:
    return [i.args for i in stage.instructions if i.keyword == keyword]


def _exec_form(args: str) -> list[str]:
    return list(yaml.safe_load(args)) if args.startswith("[") else shlex.split(args)


def test_dockerfile_is_multi_stage_on_python_311_slim() -> None:
    _, stages = dockerfile_stages()
    assert len(stages) >= 2
    assert all(s.base == "python:3.11-slim" for s in stages)
    assert stages[0].name == "builder"
    builder = " ".join(_all(stages[0], "RUN"))
    assert re.search(r"pip install [^&]*\buv\b", builder), "uv comes from PyPI via pip"
    assert "uv sync --frozen --no-dev" in builder
    assert "playwright install" not in DOCKERFILE.read_text()
    # The project is installed editable (migrations find alembic.ini beside the source), so the
    # venv's .pth names the builder's directory: the source must sit at the same place at runtime.
    assert _all(stages[0], "WORKDIR")[-1] == _all(stages[-1], "WORKDIR")[-1] == "/app"


def test_dockerfile_runtime_stage() -> None:
    _, stages = dockerfile_stages()
    runtime = stages[-1]
    users = _all(runtime, "USER")
    assert users, "the runtime stage must switch to a non-root user"
    assert users[-1].split(":")[0] not in {"root", "0"}
    assert _all(runtime, "EXPOSE") == ["8000"]
    copies_from = [c for c in _all(runtime, "COPY") if c.startswith("--from=")]
    assert any("/app/.venv" in c for c in copies_from), "the venv comes from the builder"
    healthchecks = _all(runtime, "HEALTHCHECK")
    assert len(healthchecks) == 1
    assert "/health" in healthchecks[0]
    assert "urllib" in healthchecks[0]
    assert "curl" not in healthchecks[0]
    (cmd,) = _all(runtime, "CMD")
    assert _exec_form(cmd) == ["bff", "serve", "--host", "0.0.0.0"]  # noqa: S104


def dockerignore_patterns() -> list[str]:
    lines = [line.strip() for line in DOCKERIGNORE.read_text().splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


def _pattern_matches(pattern: str, path: str) -> bool:
    pattern = pattern.strip("/")
    candidates = [path]
    parts = path.split("/")
    candidates += [
        "/".join(parts[:i]) for i in range(1, len(parts))
    ]  # a parent dir excludes its files
    for candidate in candidates:
        if fnmatch.fnmatchcase(candidate, pattern):
            return True
        if pattern.startswith("**/"):
            tail = candidate.split("/")
            if any(fnmatch.fnmatchcase("/".join(tail[i:]), pattern[3:]) for i in range(len(tail))):
                return True
    return False


def dockerignored(path: str) -> bool:
    """Whether .dockerignore leaves ``path`` out of the build context (last matching rule wins)."""
    ignored = False
    for pattern in dockerignore_patterns():
        negate = pattern.startswith("!")
        if _pattern_matches(pattern.lstrip("!"), path):
            ignored = not negate
    return ignored


def _copy_sources(args: str) -> list[str]:
    words = [w for w in _exec_form(args) if not w.startswith("--")]
    assert len(words) >= 2, f"COPY {args}"
    return words[:-1]


def test_dockerfile_copies_only_existing_unignored_paths() -> None:
    _, stages = dockerfile_stages()
    stage_names = {s.name for s in stages if s.name}
    copied: list[str] = []
    for stage in stages:
        for args in _all(stage, "COPY") + _all(stage, "ADD"):
            source_stage = re.match(r"--from=(\S+)", args)
            if source_stage:
                assert source_stage.group(1) in stage_names
                continue
            copied += _copy_sources(args)
    assert copied
    for path in copied:
        assert (ROOT / path).exists(), f"Dockerfile COPYs {path}, which is not in the repository"
        assert not dockerignored(path), f"Dockerfile COPYs {path}, which .dockerignore excludes"
    for needed in (
        "api",
        "domain",
        "adapters",
        "simulators",
        "alembic",
        "alembic.ini",
        "pyproject.toml",
        "uv.lock",
    ):
        assert needed in copied


def test_dockerignore_keeps_secrets_and_local_state_out() -> None:
    for path in (".env", ".venv/bin/python", ".git/HEAD", "var/bff.db", "api/__pycache__/app.pyc"):
        assert dockerignored(path), f".dockerignore lets {path} into the build context"
    assert not dockerignored("api/app.py")
