"""The container: everything long-lived a request or a job needs, and the builders that make it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.appsembler.client import AppsemblerProbe, make_appsembler_client
from adapters.db.engine import SessionFactory
from adapters.db.probe import SqlDatabaseProbe
from adapters.db.uow import SqlUnitOfWork
from adapters.jobs.inprocess import InProcessJobRunner
from adapters.jobs.procrastinate_runner import ProcrastinateJobRunner, conninfo_from_url
from adapters.jobs.runner import JobRunner
from adapters.oidc.provider import OidcIdentityProvider
from adapters.simulation.sandbox import SandboxSimulators
from adapters.timeback.client import TimebackProbe, make_timeback_client
from adapters.timeback.directory import TimebackRosterDirectory
from adapters.timeback.oneroster import OneRosterClient
from adapters.timeback.roster_source import TimebackRosterSource
from adapters.zoho.client import ZohoProbe, make_zoho_accounts_client
from api.settings import Settings, is_simulated
from domain.errors import NotFound
from domain.policy import Policy
from domain.ports import Clock, JobHandler, UnitOfWork, UpstreamProbe
from domain.ports.identity import AccessTokenCodec, Cipher, PasswordHasher
from domain.ports.roster_relations import RosterRelations
from domain.services.accounts import AccountService
from domain.services.audit import AuditService
from domain.services.auth import AuthConfig, AuthService
from domain.services.passwords import CommonPasswords
from domain.services.people import PeopleService
from domain.services.roster_reads import RosterReadService
from domain.services.roster_sync import RosterSyncService
from domain.services.scheduling import Scheduler, TaskSpec
from domain.services.sso import SsoService
from domain.services.sync_admin import SyncAdminService
from domain.services.system import SystemService

UPSTREAM_CHECK_TASK = "upstream-health"
PRUNE_LOGIN_FAILURES_TASK = "prune-login-failures"
ROSTER_SYNC_TASK = "roster-sync"


@dataclass
class Container:
    """Everything long-lived that a request or a job needs, built once per process."""

    settings: Settings
    engine: AsyncEngine
    sessions: SessionFactory
    clock: Clock
    http: dict[str, httpx.AsyncClient]
    probes: list[UpstreamProbe]
    jobs: JobRunner
    simulators: SandboxSimulators | None
    hasher: PasswordHasher
    codec: AccessTokenCodec
    cipher: Cipher
    common_passwords: CommonPasswords
    relations: RosterRelations
    identity_provider: OidcIdentityProvider | None
    database_probe: SqlDatabaseProbe
    handlers: dict[str, JobHandler] = field(default_factory=dict)

    def uow(self) -> UnitOfWork:
        return SqlUnitOfWork(self.sessions)

    def policy(self) -> Policy:
        return Policy(self.relations)

    def system(self) -> SystemService:
        return SystemService(
            database=self.database_probe, upstreams=self.probes, uow=self.uow, policy=self.policy()
        )

    def auth(self) -> AuthService:
        a = self.settings.auth
        return AuthService(
            uow=self.uow,
            hasher=self.hasher,
            codec=self.codec,
            clock=self.clock,
            config=AuthConfig(
                access_ttl=timedelta(seconds=a.access_ttl_seconds),
                refresh_ttl=timedelta(days=a.refresh_ttl_days),
                throttle_window=timedelta(seconds=a.throttle_window_seconds),
                max_failures_per_account=a.max_failures_per_account,
                max_failures_per_address=a.max_failures_per_address,
            ),
        )

    def accounts(self) -> AccountService:
        return AccountService(
            uow=self.uow,
            policy=self.policy(),
            hasher=self.hasher,
            common_passwords=self.common_passwords,
            clock=self.clock,
        )

    def people(self) -> PeopleService:
        return PeopleService(
            directory=TimebackRosterDirectory(self.http["timeback"]), policy=self.policy()
        )

    def roster_reads(self) -> RosterReadService:
        return RosterReadService(uow=self.uow, policy=self.policy())

    def audit(self) -> AuditService:
        return AuditService(uow=self.uow, policy=self.policy())

    def sso(self) -> SsoService:
        if self.identity_provider is None:
            raise NotFound("Single sign-on is not enabled on this BFF.")
        return SsoService(
            provider=self.identity_provider,
            cipher=self.cipher,
            auth=self.auth(),
            uow=self.uow,
            clock=self.clock,
            redirect_url=self.settings.oidc.redirect_url,
            match_by=self.settings.oidc.match_by,
        )

    def roster_sync(self) -> RosterSyncService:
        tb = self.settings.timeback
        source = TimebackRosterSource(
            OneRosterClient(self.http["timeback"]),
            page_size=tb.sync_page_size,
            concurrency=tb.sync_concurrency,
        )
        return RosterSyncService(uow=self.uow, source=source, clock=self.clock)

    def sync_admin(self) -> SyncAdminService:
        return SyncAdminService(
            uow=self.uow, policy=self.policy(), jobs=self.jobs, sync=self.roster_sync()
        )

    def scheduler(self) -> Scheduler:
        return Scheduler(
            uow=self.uow,
            jobs=self.jobs,
            clock=self.clock,
            tasks=[
                TaskSpec(
                    name=UPSTREAM_CHECK_TASK,
                    interval=timedelta(seconds=self.settings.jobs.upstream_check_seconds),
                    work=self.system().check_upstreams,
                ),
                TaskSpec(
                    name=PRUNE_LOGIN_FAILURES_TASK,
                    interval=timedelta(hours=1),
                    work=self.auth().prune_login_failures,
                ),
                TaskSpec(
                    name=ROSTER_SYNC_TASK,
                    interval=timedelta(seconds=self.settings.timeback.sync_interval_seconds),
                    work=self.roster_sync().incremental,
                ),
            ],
        )


def transport_for(
    settings: Settings, url: str, sims: SandboxSimulators | None
) -> httpx.AsyncBaseTransport | None:
    if sims is not None and is_simulated(url):
        return sims.transport()
    return None


def upstream_clients(
    settings: Settings, sims: SandboxSimulators | None
) -> tuple[dict[str, httpx.AsyncClient], list[UpstreamProbe]]:
    tb, ap, zo = settings.timeback, settings.appsembler, settings.zoho
    timeback = make_timeback_client(
        base_url=tb.base_url,
        token_url=tb.token_url,
        client_id=tb.client_id,
        client_secret=tb.client_secret.get_secret_value(),
        timeout=tb.timeout_seconds,
        transport=transport_for(settings, tb.base_url, sims),
    )
    appsembler = make_appsembler_client(
        base_url=ap.base_url,
        client_id=ap.client_id,
        client_secret=ap.client_secret.get_secret_value(),
        timeout=ap.timeout_seconds,
        transport=transport_for(settings, ap.base_url, sims),
    )
    zoho = make_zoho_accounts_client(
        accounts_url=zo.accounts_url,
        timeout=zo.timeout_seconds,
        transport=transport_for(settings, zo.accounts_url, sims),
    )
    probes: list[UpstreamProbe] = [
        TimebackProbe(
            timeback, client_id=tb.client_id, secret_set=bool(tb.client_secret.get_secret_value())
        ),
        AppsemblerProbe(
            appsembler, client_id=ap.client_id, secret_set=bool(ap.client_secret.get_secret_value())
        ),
        ZohoProbe(
            zoho, client_id=zo.client_id, secret_set=bool(zo.client_secret.get_secret_value())
        ),
    ]
    return {"timeback": timeback, "appsembler": appsembler, "zoho": zoho}, probes


def job_runner(settings: Settings, handlers: dict[str, JobHandler]) -> JobRunner:
    if settings.jobs_backend == "procrastinate":
        return ProcrastinateJobRunner(
            conninfo_from_url(settings.database.url),
            handlers,
            concurrency=settings.jobs.concurrency,
            reconcile_seconds=settings.jobs.reconcile_seconds,
        )
    return InProcessJobRunner(
        handlers,
        concurrency=settings.jobs.concurrency,
        reconcile_seconds=settings.jobs.reconcile_seconds,
    )
