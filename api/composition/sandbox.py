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
from api.settings import UPSTREAMS, Settings
from domain.errors import DomainError
from domain.models.identity import Actor, NewAccount, Role

if TYPE_CHECKING:
    from simulators.sandbox import SandboxSimulators, SimulatorSpec

log = structlog.get_logger(__name__)

#: What ``bff simulate`` accepts: each upstream's CLI name, and its simulator's module path.
SIMULATED: dict[str, str] = {
    u.cli_name: u.simulator for u in UPSTREAMS if u.cli_name is not None and u.simulator is not None
}
SIMULATED_SYSTEMS: tuple[str, ...] = tuple(SIMULATED)


def simulator_specs(settings: Settings) -> dict[str, SimulatorSpec]:
    """A simulator for each enabled upstream whose address is simulated, called by that address."""
    from simulators.sandbox import SimulatorSpec

    specs: dict[str, SimulatorSpec] = {}
    for upstream, group in settings.upstreams():
        address = upstream.address(group)
        if upstream.simulator is not None and is_simulated(address):
            specs[upstream.name] = SimulatorSpec(upstream.simulator, address, upstream.hosts)
    return specs


def sandbox_simulators(settings: Settings) -> SandboxSimulators:
    """The simulators sandbox mode runs, seeded from ``settings.sandbox``."""
    from simulators.sandbox import SandboxSimulators

    sandbox = settings.sandbox
    return SandboxSimulators.seeded(
        simulator_specs(settings), seed=sandbox.seed, users=sandbox.users, classes=sandbox.classes
    )


def serve_simulator(
    system: str, *, host: str, port: int, seed: int, users: int, classes: int
) -> None:
    """Run the simulator of the upstream whose CLI name is ``system`` on a real socket."""
    from simulators.sandbox import serve_standalone

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
        await service.create(actor=None, new=account)
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
        async with httpx.AsyncClient(transport=sims.transport()) as browser:
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
    lines.append(f"Upstreams   simulated in-process (seed {settings.sandbox.seed})")
    return lines
