"""The composition root: the one module in ``api`` that imports adapters and wires them to ports.

``create_app`` (HTTP) and the ``bff`` CLI both build a :class:`Container` here. Nothing is built at
import time; everything built is closed by :func:`running`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta

import httpx
import structlog
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.appsembler.client import AppsemblerProbe, make_appsembler_client
from adapters.clock import SystemClock
from adapters.db import migrations
from adapters.db.engine import SessionFactory, make_engine, make_session_factory
from adapters.db.probe import SqlDatabaseProbe, wait_until_reachable
from adapters.db.uow import SqlUnitOfWork
from adapters.jobs.inprocess import InProcessJobRunner
from adapters.jobs.procrastinate_runner import ProcrastinateJobRunner, conninfo_from_url
from adapters.jobs.runner import JobRunner
from adapters.oidc.provider import OidcIdentityProvider
from adapters.oidc.simulator import OidcProviderSimulator
from adapters.security.cipher import FernetCipher
from adapters.security.common_passwords import ZxcvbnCommonPasswords
from adapters.security.passwords import Argon2PasswordHasher
from adapters.security.tokens import JwtAccessTokenCodec
from adapters.simulation.population import build_population
from adapters.simulation.sandbox import SANDBOX_SYSTEMS, SandboxSimulators, serve_standalone
from adapters.timeback.client import TimebackProbe, make_timeback_client
from adapters.timeback.directory import TimebackRosterDirectory
from adapters.timeback.relations import TimebackRosterRelations
from adapters.zoho.client import ZohoProbe, make_zoho_accounts_client
from api.observability import configure_logging
from api.settings import Settings, is_simulated
from domain.errors import NotFound
from domain.models.identity import Account, NewAccount, Role
from domain.policy import Policy
from domain.ports import Clock, JobHandler, UnitOfWork, UpstreamProbe
from domain.ports.identity import AccessTokenCodec, Cipher, PasswordHasher
from domain.ports.roster_relations import RosterRelations
from domain.services.accounts import AccountService
from domain.services.audit import AuditService
from domain.services.auth import AuthConfig, AuthService
from domain.services.passwords import CommonPasswords
from domain.services.people import PeopleService
from domain.services.scheduling import PERIODIC_JOB, Scheduler, TaskSpec
from domain.services.sso import SsoService
from domain.services.system import SystemService

log = structlog.get_logger(__name__)

UPSTREAM_CHECK_TASK = "upstream-health"
PRUNE_LOGIN_FAILURES_TASK = "prune-login-failures"


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
            ],
        )


def _transport(
    settings: Settings, url: str, sims: SandboxSimulators | None
) -> httpx.AsyncBaseTransport | None:
    if sims is not None and is_simulated(url):
        return sims.transport()
    return None


def _upstream_clients(
    settings: Settings, sims: SandboxSimulators | None
) -> tuple[dict[str, httpx.AsyncClient], list[UpstreamProbe]]:
    tb, ap, zo = settings.timeback, settings.appsembler, settings.zoho
    timeback = make_timeback_client(
        base_url=tb.base_url,
        token_url=tb.token_url,
        client_id=tb.client_id,
        client_secret=tb.client_secret.get_secret_value(),
        timeout=tb.timeout_seconds,
        transport=_transport(settings, tb.base_url, sims),
    )
    appsembler = make_appsembler_client(
        base_url=ap.base_url,
        client_id=ap.client_id,
        client_secret=ap.client_secret.get_secret_value(),
        timeout=ap.timeout_seconds,
        transport=_transport(settings, ap.base_url, sims),
    )
    zoho = make_zoho_accounts_client(
        accounts_url=zo.accounts_url,
        timeout=zo.timeout_seconds,
        transport=_transport(settings, zo.accounts_url, sims),
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


def _job_runner(settings: Settings, handlers: dict[str, JobHandler]) -> JobRunner:
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


async def migrate(settings: Settings) -> None:
    await asyncio.to_thread(migrations.upgrade_if_behind, settings.database.url)


@asynccontextmanager
async def running(
    settings: Settings, *, run_jobs: bool = True, apply_migrations: bool | None = None
) -> AsyncIterator[Container]:
    """Build the container, start background work if asked, and close everything on exit.

    Sandbox mode applies migrations at start so the first README command needs nothing else;
    production expects ``bff migrate`` to have run (a deploy step) and ``/ready`` says if not.
    """
    engine = make_engine(
        settings.database.url, echo=settings.database.echo, pool_size=settings.database.pool_size
    )
    sims = (
        SandboxSimulators.seeded(
            seed=settings.sandbox.seed,
            users=settings.sandbox.users,
            classes=settings.sandbox.classes,
        )
        if settings.mode == "sandbox"
        else None
    )
    http, probes = _upstream_clients(settings, sims)
    handlers: dict[str, JobHandler] = {}
    auth = settings.auth
    oidc = settings.oidc
    if sims is not None and oidc.enabled and is_simulated(oidc.issuer):
        sims.include(
            OidcProviderSimulator(
                oidc.issuer,
                seed=settings.sandbox.seed,
                users=settings.sandbox.users,
                classes=settings.sandbox.classes,
            )
        )
    provider = (
        OidcIdentityProvider(
            issuer=oidc.issuer,
            client_id=oidc.client_id,
            client_secret=oidc.client_secret.get_secret_value(),
            scopes=oidc.scopes,
            timeout=oidc.timeout_seconds,
            transport=_transport(settings, oidc.issuer, sims),
        )
        if oidc.enabled
        else None
    )
    container = Container(
        settings=settings,
        engine=engine,
        sessions=make_session_factory(engine),
        clock=SystemClock(),
        http=http,
        probes=probes,
        jobs=_job_runner(settings, handlers),
        simulators=sims,
        hasher=Argon2PasswordHasher(
            time_cost=auth.password_time_cost, memory_kib=auth.password_memory_kib
        ),
        codec=JwtAccessTokenCodec(
            keys={kid: key.get_secret_value() for kid, key in auth.signing_keys.items()},
            active_key_id=auth.active_key_id,
            issuer=auth.issuer,
            audience=auth.audience,
        ),
        cipher=FernetCipher([k.get_secret_value() for k in auth.encryption_keys]),
        common_passwords=ZxcvbnCommonPasswords(),
        relations=TimebackRosterRelations(http["timeback"]),
        identity_provider=provider,
        database_probe=SqlDatabaseProbe(engine, settings.database.url),
        handlers=handlers,
    )
    scheduler = container.scheduler()
    handlers[PERIODIC_JOB] = scheduler.run
    container.jobs.set_reconciler(scheduler.reconcile)
    try:
        await wait_until_reachable(engine)
        if apply_migrations if apply_migrations is not None else settings.mode == "sandbox":
            await migrate(settings)
        if settings.mode == "sandbox":
            await seed_demo_accounts(container)
        else:
            await refuse_demo_accounts_in_production(container)
        if run_jobs:
            await scheduler.register()
            await container.jobs.start()
        yield container
    finally:
        await container.jobs.stop()
        for client in http.values():
            await client.aclose()
        if provider is not None:
            await provider.aclose()
        await engine.dispose()


SIMULATED_SYSTEMS = SANDBOX_SYSTEMS


def serve_simulator(
    system: str, *, host: str, port: int, seed: int, users: int, classes: int
) -> None:
    serve_standalone(system, host=host, port=port, seed=seed, users=users, classes=classes)


DEMO_PASSWORD = "learn-with-the-bff"  # noqa: S105 - sandbox-only, printed at start; production refuses demo accounts


def demo_accounts(settings: Settings) -> list[NewAccount]:
    """One account per role, linked to people of the simulators' shared demo population."""
    sandbox = settings.sandbox
    population = build_population(sandbox.seed, users=sandbox.users, classes=sandbox.classes)
    school_keys = {s.key for s in population.schools}
    staff = next(p for p in population.with_role("administrator") if p.org in school_keys)
    teacher = population.with_role("teacher")[0]
    student = next(p for p in population.with_role("student") if p.agents and p.org == teacher.org)
    guardian = next(p for p in population.people if p.key == student.agents[0])
    accounts = [
        NewAccount(
            email=f"admin@{population.domain}",
            display_name="Demo Admin",
            role=Role.ADMIN,
            person_sourced_id=None,
            password=DEMO_PASSWORD,
            is_demo=True,
        )
    ]
    for role, person in [
        (Role.STAFF, staff),
        (Role.TEACHER, teacher),
        (Role.STUDENT, student),
        (Role.GUARDIAN, guardian),
    ]:
        accounts.append(
            NewAccount(
                email=person.email,
                display_name=f"{person.given_name} {person.family_name}",
                role=role,
                person_sourced_id=person.key,
                password=DEMO_PASSWORD,
                is_demo=True,
            )
        )
    return accounts


async def seed_demo_accounts(container: Container) -> list[NewAccount]:
    """Create the demo accounts that do not exist yet; idempotent."""
    service = container.accounts()
    wanted = demo_accounts(container.settings)
    async with container.uow() as uow:
        missing = [a for a in wanted if await uow.accounts.by_email(a.email) is None]
    for account in missing:
        await service.create(actor=None, new=account)
    return wanted


async def refuse_demo_accounts_in_production(container: Container) -> None:
    async with container.uow() as uow:
        if await uow.accounts.any_demo():
            raise RuntimeError(
                "production mode refuses to start: sandbox demo accounts exist in this database; "
                "deactivate or delete them (they have is_demo set) before going live"
            )


def demo_login_lines(settings: Settings) -> list[str]:
    """What `bff serve` prints about logging in (the demo accounts exist in sandbox mode only)."""
    if settings.mode != "sandbox":
        return []
    lines = [f"Demo logins (password {DEMO_PASSWORD!r}):"]
    lines += [f"  {a.role.value:<9} {a.email}" for a in demo_accounts(settings)]
    lines.append(f"Upstreams   simulated in-process (seed {settings.sandbox.seed})")
    return lines


async def create_account(settings: Settings, new: NewAccount) -> Account:
    async with running(settings, run_jobs=False) as container:
        return await container.accounts().create(actor=None, new=new)


async def seed(settings: Settings) -> list[str]:
    async with running(settings, run_jobs=False) as container:
        created = await seed_demo_accounts(container)
    return [f"{a.role.value:<9} {a.email}" for a in created]


async def run_worker(settings: Settings) -> None:
    """The ``bff worker`` process: runs jobs until interrupted."""
    configure_logging(level=settings.log_level, fmt=settings.log_format)
    async with running(settings, run_jobs=False, apply_migrations=False) as container:
        await container.scheduler().register()
        await container.jobs.run_worker()
