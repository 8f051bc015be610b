"""Sandbox mode: simulated upstreams and the demo accounts, linked to simulated roster people.

The one module of the BFF that imports simulators, and only inside the functions sandbox mode and
``bff simulate`` call: production imports this module (it refuses demo accounts) and must load no
simulator. Which simulators exist comes from the upstream list (``api.settings.UPSTREAMS``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

import httpx
import structlog

from adapters.upstream import is_simulated
from api.composition.container import Container
from api.composition.upstreams import transport_for
from api.settings import UPSTREAMS, Settings
from domain.errors import Conflict, DomainError
from domain.models.identity import Actor, NewAccount, Role

if TYPE_CHECKING:
    from api.composition.upstreams import SimulatedUpstreams
    from simulators.sandbox import SandboxSimulators, SimulatorSpec

log = structlog.get_logger(__name__)

#: What ``bff simulate`` accepts: each upstream's CLI name, and its simulator's module path.
SIMULATED: dict[str, str] = {
    u.cli_name: u.simulator for u in UPSTREAMS if u.cli_name is not None and u.simulator is not None
}
#: ``bff simulate all``: the shared simulators of a sandbox of several processes (D47)
ALL_SYSTEMS = "all"
SIMULATED_SYSTEMS: tuple[str, ...] = (*SIMULATED, ALL_SYSTEMS)


def simulator_specs(settings: Settings) -> dict[str, SimulatorSpec]:
    """A simulator for each enabled upstream whose address is simulated, called by that address."""
    from simulators.sandbox import SimulatorSpec

    specs: dict[str, SimulatorSpec] = {}
    for upstream, group in settings.upstreams():
        address = upstream.address(group)
        if upstream.simulator is not None and is_simulated(address):
            specs[upstream.name] = SimulatorSpec(upstream.simulator, address, upstream.hosts)
    return specs


#: Where a sandbox ``bff serve`` with in-process simulators serves them to the sandbox's other
#: processes and to browsers (``/_sandbox/upstreams/{host}/{path}``).
UPSTREAMS_PATH = "/_sandbox/upstreams"


def is_sandbox_host(host: str) -> bool:
    """Whether ``host`` is a simulated upstream's (the only hosts the sandbox routes forward to)."""
    return is_simulated(f"http://{host}/")


def browser_url(url: str, origin: str) -> str:
    """``url`` as a browser reaches it from the BFF at ``origin``: a simulated upstream's address
    becomes ``{origin}/_sandbox/upstreams/{host}/...``; any other is left alone (D48)."""
    if not is_simulated(url):
        return url
    parts = urlsplit(url)
    query = f"?{parts.query}" if parts.query else ""
    return f"{origin.rstrip('/')}{UPSTREAMS_PATH}/{parts.hostname}{parts.path or '/'}{query}"


def local_server_url(settings: Settings) -> str:
    """The sandbox server's own address (``BFF_HOST``:``BFF_PORT``), as a client reaches it."""
    host = "127.0.0.1" if settings.host in {"0.0.0.0", "::", ""} else settings.host  # noqa: S104
    return f"http://{host}:{settings.port}"


def shared_simulators_url(settings: Settings, *, own: bool) -> str | None:
    """Where this process reaches the sandbox's simulators; None: it runs them itself.

    ``own`` is true for ``bff serve``: with no ``BFF_SANDBOX_SIMULATORS_URL`` it runs them
    in-process. Every other command (worker, sync, seed) then uses that server's, never a fresh
    copy of its own whose writes and grants the server would not see.
    """
    if settings.sandbox.simulators_url:
        return settings.sandbox.simulators_url.rstrip("/")
    return None if own else local_server_url(settings) + UPSTREAMS_PATH


async def answers(url: str) -> bool:
    """Whether anything serves HTTP at ``url`` (any status)."""
    try:
        async with httpx.AsyncClient(timeout=2) as client:
            await client.get(url + "/")
    except httpx.HTTPError:
        return False
    return True


async def sandbox_simulators(settings: Settings, *, own: bool | None = True) -> SimulatedUpstreams:
    """The simulators this sandbox process uses: shared ones (D47) or its own, seeded from
    ``settings.sandbox``. ``own=None`` (one-off commands): the sandbox server's when one answers,
    else simulators of its own, since then no other process holds upstream state."""
    from simulators.sandbox import RemoteSimulators

    shared = shared_simulators_url(settings, own=bool(own))
    if shared is not None and (
        own is False or settings.sandbox.simulators_url or await answers(shared)
    ):
        return RemoteSimulators(shared)
    return own_simulators(settings)


def own_simulators(settings: Settings) -> SandboxSimulators:
    """Simulators of this process's own, seeded from ``settings.sandbox``."""
    from simulators.sandbox import SandboxSimulators

    sandbox = settings.sandbox
    return SandboxSimulators.seeded(
        simulator_specs(settings), seed=sandbox.seed, users=sandbox.users, classes=sandbox.classes
    )


def serve_simulator(
    system: str, *, settings: Settings, host: str, port: int, seed: int, users: int, classes: int
) -> None:
    """Run the simulator of the upstream whose CLI name is ``system`` on a real socket; ``all``:
    every simulated upstream of ``settings`` on one socket, as ``/{host}/{path}``."""
    from simulators.sandbox import serve_all, serve_standalone

    if system == ALL_SYSTEMS:
        serve_all(
            simulator_specs(settings), host=host, port=port, seed=seed, users=users, classes=classes
        )
        return
    serve_standalone(
        SIMULATED[system], host=host, port=port, seed=seed, users=users, classes=classes
    )


DEMO_PASSWORD = "learn-with-the-bff"  # noqa: S105 - sandbox-only, printed at start; production refuses demo accounts


def demo_accounts(settings: Settings) -> list[NewAccount]:
    """One account per role, linked to people of the simulators' shared demo population."""
    from simulators.kit.population import build_population

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
        try:
            await service.create(actor=None, new=account)
        except Conflict:
            # created meanwhile by another process (the seeding lock covers the sandbox's APIs,
            # not `bff users create`): what we wanted exists
            log.info("sandbox: demo account already exists", email=account.email)
    return wanted


async def connect_demo_tracker(container: Container, kind: str = "zoho_projects") -> str | None:
    """Give the demo teacher a connected Zoho Projects portal through the real code grant against
    the simulator. Runs at every sandbox start: the simulator forgets its grants when the process
    ends, so an existing integration is reconnected (same id) rather than left with a dead token."""
    sims = container.simulators
    if sims is None or kind not in container.trackers:
        return None
    teacher = next(a for a in demo_accounts(container.settings) if a.role is Role.TEACHER)
    async with container.uow() as uow:
        account = await uow.accounts.by_email(teacher.email)
    if account is None:
        return None
    actor = Actor(
        account_id=account.id, role=account.role, person_sourced_id=teacher.person_sourced_id
    )
    service = container.integrations()
    try:
        url = await service.start(actor=actor, kind=kind, data_centre="com")
        # The browser: the simulators' transport for a simulated address, else the network (a
        # tracker simulated on a real socket, `bff simulate zoho`).
        async with httpx.AsyncClient(transport=transport_for(url, sims)) as browser:
            approved = await browser.get(url)  # the simulator approves at once and redirects
        back = {k: v[0] for k, v in parse_qs(urlsplit(approved.headers["location"]).query).items()}
        integration = await service.callback(
            code=back["code"],
            state=back["state"],
            location=back.get("location"),
            accounts_server=back.get("accounts-server"),
        )
    except (DomainError, KeyError, httpx.HTTPError) as exc:
        log.warning(
            "sandbox: could not connect the demo teacher's tracker", kind=kind, error=str(exc)
        )
        return None
    return integration.id


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
    shared = shared_simulators_url(settings, own=True)
    where = f"simulated at {shared}" if shared else "simulated in-process"
    lines.append(f"Upstreams   {where} (seed {settings.sandbox.seed})")
    # an upstream pointed at a real address (`bff simulate zoho` on a socket, or the vendor)
    lines += [
        f"  {upstream.name:<9} {upstream.address(group)}"
        for upstream, group in settings.upstreams()
        if not is_simulated(upstream.address(group))
    ]
    return lines
