"""Settings, read from the environment (prefix ``BFF_``) and an optional ``.env`` file.

Nested groups use one underscore after the group name: ``BFF_DATABASE_URL`` sets ``database.url``,
``BFF_TIMEBACK_CLIENT_SECRET`` sets ``timeback.client_secret``. Every variable is listed in
``.env.example``.

``mode=sandbox`` (the default) runs on SQLite with in-process simulators and demo data and needs no
credentials. ``mode=production`` refuses to start while any secret is still a sandbox placeholder.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

#: Upstream hosts under this suffix are served by the in-tree simulators, in-process.
SIMULATED_HOST_SUFFIX = ".sim"

#: Secrets that ship in ``.env.example`` and the defaults; production refuses every one of them.
PLACEHOLDER_SECRETS = frozenset({"", "sandbox", "sandbox-secret", "changeme", "change-me"})


class DatabaseSettings(BaseModel):
    url: str = "sqlite+aiosqlite:///var/bff.db"
    echo: bool = False
    pool_size: int = Field(default=10, ge=1, le=200)


class TimebackSettings(BaseModel):
    """TimeBack (OneRoster, QTI, PowerPath, Caliper) behind a Cognito-style token endpoint."""

    base_url: str = "http://timeback.sim"
    token_url: str = "http://timeback.sim/oauth2/token"
    client_id: str = "sandbox-client"
    client_secret: SecretStr = SecretStr("sandbox-secret")
    timeout_seconds: float = Field(default=30.0, gt=0)


class AppsemblerSettings(BaseModel):
    """Open edX through the Appsembler API; tokens from Open edX's client-credentials endpoint."""

    base_url: str = "http://appsembler.sim"
    client_id: str = "sandbox-client"
    client_secret: SecretStr = SecretStr("sandbox-secret")
    timeout_seconds: float = Field(default=30.0, gt=0)


class ZohoSettings(BaseModel):
    """Zoho accounts (OAuth), Projects v2 and Desk; the BFF's own OAuth client at Zoho."""

    accounts_url: str = "http://accounts.zoho.sim"
    projects_url: str = "http://projectsapi.zoho.sim"
    desk_url: str = "http://desk.zoho.sim"
    client_id: str = "sandbox-client"
    client_secret: SecretStr = SecretStr("sandbox-secret")
    timeout_seconds: float = Field(default=30.0, gt=0)


class JobsSettings(BaseModel):
    """Background work. ``auto`` picks procrastinate on PostgreSQL and the in-process runner on SQLite."""

    backend: Literal["auto", "inprocess", "procrastinate"] = "auto"
    reconcile_seconds: float = Field(default=15.0, gt=0)
    upstream_check_seconds: float = Field(default=300.0, gt=0)
    concurrency: int = Field(default=2, ge=1, le=64)


class SandboxSettings(BaseModel):
    """Size of the demo data the simulators are seeded with in sandbox mode."""

    seed: int = 42
    users: int = Field(default=60, ge=1)
    classes: int = Field(default=6, ge=1)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="BFF_",
        env_nested_delimiter="_",
        env_nested_max_split=1,
        env_file=".env",
        extra="ignore",
    )

    mode: Literal["sandbox", "production"] = "sandbox"
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    log_format: Literal["auto", "json", "console"] = "auto"
    var_dir: Path = Path("var")

    database: DatabaseSettings = DatabaseSettings()
    timeback: TimebackSettings = TimebackSettings()
    appsembler: AppsemblerSettings = AppsemblerSettings()
    zoho: ZohoSettings = ZohoSettings()
    jobs: JobsSettings = JobsSettings()
    sandbox: SandboxSettings = SandboxSettings()

    @model_validator(mode="after")
    def _refuse_placeholders_in_production(self) -> Settings:
        if self.mode != "production":
            return self
        missing = [name for name, value in self.secrets().items() if value in PLACEHOLDER_SECRETS]
        simulated = [name for name, url in self.upstream_urls().items() if is_simulated(url)]
        problems = []
        if missing:
            problems.append("set real secrets for " + ", ".join(f"BFF_{n.upper()}" for n in missing))
        if simulated:
            problems.append(
                "point these at real upstreams, not simulators: "
                + ", ".join(f"BFF_{n.upper()}" for n in simulated)
            )
        if self.database.url.startswith("sqlite"):
            problems.append("BFF_DATABASE_URL must name PostgreSQL in production")
        if problems:
            raise ValueError("production mode refuses to start: " + "; ".join(problems))
        return self

    def secrets(self) -> dict[str, str]:
        return {
            "timeback_client_secret": self.timeback.client_secret.get_secret_value(),
            "appsembler_client_secret": self.appsembler.client_secret.get_secret_value(),
            "zoho_client_secret": self.zoho.client_secret.get_secret_value(),
        }

    def upstream_urls(self) -> dict[str, str]:
        return {
            "timeback_base_url": self.timeback.base_url,
            "timeback_token_url": self.timeback.token_url,
            "appsembler_base_url": self.appsembler.base_url,
            "zoho_accounts_url": self.zoho.accounts_url,
            "zoho_projects_url": self.zoho.projects_url,
            "zoho_desk_url": self.zoho.desk_url,
        }

    @property
    def jobs_backend(self) -> Literal["inprocess", "procrastinate"]:
        if self.jobs.backend != "auto":
            return self.jobs.backend
        return "procrastinate" if self.database.url.startswith("postgresql") else "inprocess"


def is_simulated(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    return host.endswith(SIMULATED_HOST_SUFFIX)
