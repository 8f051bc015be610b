"""Settings, read from the environment (prefix ``BFF_``) and an optional ``.env`` file.

Nested groups use one underscore after the group name: ``BFF_DATABASE_URL`` sets ``database.url``,
``BFF_TIMEBACK_CLIENT_SECRET`` sets ``timeback.client_secret``. Every variable is listed in
``.env.example``.

``mode=sandbox`` (the default) runs on SQLite with simulators (D47) and demo data and needs no
credentials. ``mode=production`` refuses to start while any secret is still a sandbox placeholder.

Each upstream's group is declared by its adapter package (``adapters/<name>/upstream.py``: settings
model, secrets, addresses); this module lists them, one line each, and that list is ``UPSTREAMS``.
"""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    Field,
    SecretStr,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from adapters.appsembler.upstream import APPSEMBLER, AppsemblerSettings
from adapters.caliper.upstream import CALIPER, CaliperSettings
from adapters.oidc.upstream import OIDC, OidcSettings
from adapters.powerpath.upstream import POWERPATH, PowerPathSettings
from adapters.qti.upstream import QTI, QtiSettings
from adapters.timeback.upstream import TIMEBACK, TimebackSettings
from adapters.upstream import Upstream, declared, is_simulated
from adapters.zoho.upstream import ZOHO, ZohoSettings

#: Secrets that ship in ``.env.example`` and the defaults; production refuses every one of them.
PLACEHOLDER_SECRETS = frozenset(
    {
        "",
        "sandbox",
        "sandbox-secret",
        "changeme",
        "change-me",
        "sandbox-signing-key-not-for-production-use",
        "c2FuZGJveC1vbmx5LWZlcm5ldC1rZXktMzJieXRlcyE=",
    }
)


class DatabaseSettings(BaseModel):
    url: str = "sqlite+aiosqlite:///var/bff.db"
    echo: bool = False
    pool_size: int = Field(default=10, ge=1, le=200)


class TimesheetIntegrationSettings(BaseModel):
    """Connecting time trackers (Zoho Projects, Zoho Desk) and searching their projects."""

    #: The BFF's OAuth callback, exactly as registered with the tracker's OAuth client.
    callback_url: str = "http://127.0.0.1:8000/v1/timesheets/integrations/callback"
    #: The front-end page the browser returns to after connecting (``?integration_id=`` or
    #: ``?error=`` appended); empty: the callback answers JSON.
    return_url: str = ""
    #: How long a started connection may take to come back from the tracker.
    state_ttl_seconds: int = Field(default=600, ge=30, le=3600)
    #: How long each integration's project list is reused by the project search.
    projects_cache_seconds: float = Field(default=60.0, ge=0, le=3600)
    #: How long the project search waits for one tracker before answering without it.
    search_timeout_seconds: float = Field(default=10.0, gt=0, le=120)


class TimesheetSettings(BaseModel):
    """Time logs: validation, the rounding applied to what is pushed, and the sync's retries."""

    max_duration_hours: float = Field(default=24.0, gt=0, le=24 * 31)
    #: false: a log may not overlap another of the same person (422)
    allow_overlap: bool = False
    #: pushed minutes are rounded to this increment (1 = whole minutes); local times stay exact
    rounding_increment_minutes: int = Field(default=1, ge=1, le=240)
    rounding_mode: Literal["nearest", "up", "down"] = "nearest"
    #: a log that keeps failing is marked failed_permanent after this many attempts
    max_attempts: int = Field(default=8, ge=1, le=100)
    backoff_base_seconds: float = Field(default=5.0, gt=0)
    backoff_max_seconds: float = Field(default=900.0, gt=0)
    #: how long one push may hold a log before another worker may take it over
    lease_seconds: float = Field(default=120.0, gt=0)
    #: how often logs waiting for a reconnect are tried anyway
    reconnect_retry_seconds: float = Field(default=900.0, gt=0)
    #: how often the reconciler looks for due logs (lost jobs, back-offs, dead workers' leases)
    reconcile_seconds: float = Field(default=30.0, gt=0)


class LmsLinkSettings(BaseModel):
    """Class-to-course links (``BFF_LMS_LINKS_*``): how provisioning runs talk to Open edX."""

    #: people per bulk-enrollment call
    batch_size: int = Field(default=100, ge=1, le=250)
    #: Open edX calls in flight at once, across every run of a process
    concurrency: int = Field(default=8, ge=1, le=64)
    #: how long a run holds its link without renewing (a dead worker's run resumes after it)
    lease_seconds: float = Field(default=120.0, gt=0)
    #: how often the roster change feed is read for adds and drops
    follow_seconds: float = Field(default=300.0, gt=0)


class EventSettings(BaseModel):
    """Caliper events from front ends (``/v1/events``) and their delivery to TimeBack (D60, D61)."""

    #: the envelope ``sensor`` when a request names none, and of every envelope sent to TimeBack
    sensor: str = Field(default="https://bff.example/caliper/sensor", min_length=1)
    #: an event's ``edApp`` when it names none
    ed_app: str = Field(default="https://bff.example/caliper/app", min_length=1)
    #: events sent to TimeBack in one envelope
    batch_size: int = Field(default=100, ge=1, le=1000)
    #: delivery jobs that may run at once
    lanes: int = Field(default=2, ge=1, le=16)
    #: how long one delivery round may hold its events before another worker may take them
    lease_seconds: float = Field(default=120.0, gt=0)
    #: after a send of unknown outcome, how long before TimeBack is asked whether it stored the
    #: events (longer than the Caliper call timeout plus TimeBack's time to run a job)
    settle_seconds: float = Field(default=60.0, gt=0)
    #: how long one round follows an ingestion job, and how often it asks
    job_wait_seconds: float = Field(default=20.0, gt=0)
    job_poll_seconds: float = Field(default=0.5, gt=0)
    backoff_base_seconds: float = Field(default=2.0, gt=0)
    backoff_max_seconds: float = Field(default=300.0, gt=0)
    #: how often the reconciler looks for due events (lost jobs, back-offs, dead workers' leases)
    reconcile_seconds: float = Field(default=15.0, gt=0)


class LearningSettings(BaseModel):
    """The learner flow's completions: delivering their gradebook results (D89)."""

    #: how long a request or worker holds a completion before another may take it over
    lease_seconds: float = Field(default=120.0, gt=0)
    backoff_base_seconds: float = Field(default=30.0, gt=0)
    backoff_max_seconds: float = Field(default=3600.0, gt=0)
    #: gradebook attempts before a result is marked failed
    max_attempts: int = Field(default=12, ge=1, le=1000)
    #: how often the periodic task delivers due results and checks intents left behind
    reconcile_seconds: float = Field(default=30.0, gt=0)


class JobsSettings(BaseModel):
    """Background work. ``auto`` picks procrastinate on PostgreSQL and the in-process runner on SQLite."""

    backend: Literal["auto", "inprocess", "procrastinate"] = "auto"
    reconcile_seconds: float = Field(default=15.0, gt=0)
    upstream_check_seconds: float = Field(default=300.0, gt=0)
    concurrency: int = Field(default=2, ge=1, le=64)


#: Sandbox-only key material: valid, public, and refused by production mode.
SANDBOX_SIGNING_KEY = "sandbox-signing-key-not-for-production-use"
SANDBOX_FERNET_KEY = "c2FuZGJveC1vbmx5LWZlcm5ldC1rZXktMzJieXRlcyE="


class AuthSettings(BaseModel):
    """BFF logins. ``signing_keys`` is a JSON object of key id to secret; the active id signs."""

    signing_keys: dict[str, SecretStr] = {"sandbox-1": SecretStr(SANDBOX_SIGNING_KEY)}
    active_key_id: str = "sandbox-1"
    issuer: str = "learning-bff"
    audience: str = "learning-bff"
    access_ttl_seconds: int = Field(default=900, ge=60, le=86_400)
    refresh_ttl_days: int = Field(default=14, ge=1, le=365)
    #: a spent refresh token still gets the pair it was exchanged for this long (decision D40)
    refresh_grace_seconds: int = Field(default=10, ge=0, le=60)
    #: how long a process trusts what it read about an account's sessions (decision D39)
    session_check_seconds: int = Field(default=5, ge=0, le=60)
    #: Fernet keys (JSON list), newest first: the first encrypts, all decrypt.
    encryption_keys: list[SecretStr] = [SecretStr(SANDBOX_FERNET_KEY)]
    #: argon2id costs; the defaults are pwdlib's recommendation. Tests lower them to run fast;
    #: production refuses less memory than OWASP's floor (19 MiB).
    password_time_cost: int = Field(default=3, ge=1, le=10)
    password_memory_kib: int = Field(default=65_536, ge=8, le=1_048_576)
    throttle_window_seconds: int = Field(default=900, ge=1)
    max_failures_per_account: int = Field(default=5, ge=1)
    max_failures_per_address: int = Field(default=30, ge=1)

    @model_validator(mode="after")
    def _active_key_exists(self) -> AuthSettings:
        if self.active_key_id not in self.signing_keys:
            raise ValueError(
                f"BFF_AUTH_ACTIVE_KEY_ID {self.active_key_id!r} is not a key of BFF_AUTH_SIGNING_KEYS"
            )
        if not self.encryption_keys:
            raise ValueError("BFF_AUTH_ENCRYPTION_KEYS needs at least one key")
        return self


def _address_list(value: Any) -> Any:
    """A list from the environment as JSON (``["a", "b"]``) or comma-separated (``a,b``)."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            return json.loads(text)
        return [part.strip() for part in text.split(",") if part.strip()]
    return value


AddressList = Annotated[list[str], NoDecode, BeforeValidator(_address_list)]


def _networks(value: list[str]) -> list[str]:
    for entry in value:
        if entry != "*":
            ipaddress.ip_network(entry, strict=False)  # ValueError names the bad entry
    return value


class HttpSettings(BaseModel):
    """The HTTP edge (``api/edge.py``): request body limit and which proxies to believe."""

    #: larger bodies are refused with 413 before they are read (by their Content-Length, or
    #: counted as they arrive)
    max_body_bytes: int = Field(default=1_048_576, ge=1024, le=1_073_741_824)
    #: peers whose ``X-Forwarded-For`` / ``X-Forwarded-Proto`` are believed: IP addresses or
    #: networks (``10.0.0.0/8``); empty (the default): none, the connection's address is the caller
    trusted_proxies: Annotated[AddressList, AfterValidator(_networks)] = []


#: the sandbox's CORS default: a front end on this machine, any port
SANDBOX_CORS_ORIGIN_REGEX = r"https?://(localhost|127\.0\.0\.1|\[::1\])(:[0-9]{1,5})?"


class CorsSettings(BaseModel):
    """Browser front ends on other origins. Credentials are granted to these origins only."""

    #: exact origins (``https://app.school.example``); comma-separated or a JSON list
    origins: AddressList = []
    #: origins matching this regular expression (whole origin) are listed too
    origin_regex: str = ""

    def pattern(self, mode: str) -> str | None:
        """The regex in force: the setting, else in the sandbox (with no origins set) localhost."""
        if self.origin_regex:
            return self.origin_regex
        return SANDBOX_CORS_ORIGIN_REGEX if mode == "sandbox" and not self.origins else None


class SandboxSettings(BaseModel):
    """Sandbox mode: size of the simulators' demo data, and where its processes find them."""

    seed: int = 42
    users: int = Field(default=60, ge=1)
    classes: int = Field(default=6, ge=1)
    #: The shared simulators every process of this sandbox uses (``bff simulate all``, e.g.
    #: ``http://127.0.0.1:8100``). Empty: ``bff serve`` runs them in-process (and serves them at
    #: ``/_sandbox/upstreams``), and ``bff worker`` / ``bff sync roster`` / ``bff seed`` use that
    #: server's (``BFF_HOST``:``BFF_PORT``), so one sandbox never has two upstreams (D47).
    simulators_url: str = ""


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

    # The upstreams, one line each: what each one is lives in adapters/<name>/upstream.py. The
    # composition root, the production checks below, the sandbox and `bff simulate` read this list
    # (UPSTREAMS) and name no upstream. Adding one: docs/architecture.md, "Adding an upstream".
    timeback: Annotated[TimebackSettings, TIMEBACK] = TimebackSettings()
    powerpath: Annotated[PowerPathSettings, POWERPATH] = PowerPathSettings()
    appsembler: Annotated[AppsemblerSettings, APPSEMBLER] = AppsemblerSettings()
    zoho: Annotated[ZohoSettings, ZOHO] = ZohoSettings()
    oidc: Annotated[OidcSettings, OIDC] = OidcSettings()
    qti: Annotated[QtiSettings, QTI] = QtiSettings()
    caliper: Annotated[CaliperSettings, CALIPER] = CaliperSettings()

    integrations: TimesheetIntegrationSettings = TimesheetIntegrationSettings()
    jobs: JobsSettings = JobsSettings()
    timesheets: TimesheetSettings = TimesheetSettings()
    lms_links: LmsLinkSettings = LmsLinkSettings()
    events: EventSettings = EventSettings()
    learning: LearningSettings = LearningSettings()
    sandbox: SandboxSettings = SandboxSettings()
    auth: AuthSettings = AuthSettings()
    http: HttpSettings = HttpSettings()
    cors: CorsSettings = CorsSettings()

    @model_validator(mode="after")
    def _refuse_placeholders_in_production(self) -> Settings:
        if self.mode != "production":
            return self
        missing = [name for name, value in self.secrets().items() if value in PLACEHOLDER_SECRETS]
        simulated = [name for name, url in self.upstream_urls().items() if is_simulated(url)]
        problems = []
        if missing:
            problems.append(
                "set real secrets for " + ", ".join(f"BFF_{_env_name(n)}" for n in missing)
            )
        if simulated:
            problems.append(
                "point these at real upstreams, not simulators: "
                + ", ".join(f"BFF_{n.upper()}" for n in simulated)
            )
        if self.database.url.startswith("sqlite"):
            problems.append("BFF_DATABASE_URL must name PostgreSQL in production")
        if self.auth.password_memory_kib < 19 * 1024 or self.auth.password_time_cost < 2:
            problems.append(
                "BFF_AUTH_PASSWORD_MEMORY_KIB must be >= 19456 and BFF_AUTH_PASSWORD_TIME_COST >= 2"
            )
        if problems:
            raise ValueError("production mode refuses to start: " + "; ".join(problems))
        return self

    def secrets(self) -> dict[str, str]:
        keys = {
            f"auth_signing_keys[{kid}]": secret.get_secret_value()
            for kid, secret in self.auth.signing_keys.items()
        }
        for index, key in enumerate(self.auth.encryption_keys):
            keys[f"auth_encryption_keys[{index}]"] = key.get_secret_value()
        for upstream, group in self.upstreams():
            keys |= {f"{upstream.name}_{n}": v for n, v in upstream.secrets(group).items()}
        return keys

    def upstream_urls(self) -> dict[str, str]:
        return {
            f"{upstream.name}_{name}": url
            for upstream, group in self.upstreams()
            for name, url in upstream.urls(group).items()
        }

    def upstreams(self) -> list[tuple[Upstream[Any], BaseModel]]:
        """The enabled upstreams, each with its settings group."""
        groups = [(upstream, upstream.group(self)) for upstream in UPSTREAMS]
        return [(upstream, group) for upstream, group in groups if upstream.enabled(group)]

    @property
    def jobs_backend(self) -> Literal["inprocess", "procrastinate"]:
        if self.jobs.backend != "auto":
            return self.jobs.backend
        return "procrastinate" if self.database.url.startswith("postgresql") else "inprocess"


def _env_name(secret_name: str) -> str:
    return secret_name.split("[", 1)[0].upper()


#: Every upstream, in the order Settings lists them.
UPSTREAMS: tuple[Upstream[Any], ...] = declared(Settings)
