"""The ``bff`` command: serve, migrate, simulate, seed, users, worker."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
import uvicorn
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn

from api import composition
from api.settings import Settings
from domain.errors import DomainError
from domain.models.identity import NewAccount, Role
from domain.roster.sync import SyncRun

app = typer.Typer(no_args_is_help=True, add_completion=False, help="The learning BFF.")
console = Console(stderr=True)


def _settings() -> Settings:
    try:
        return Settings()
    except (
        ValueError
    ) as exc:  # pydantic's ValidationError is a ValueError; its text says what is wrong
        console.print(f"[red]Invalid settings:[/red] {exc}")
        raise typer.Exit(2) from exc


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind (default BFF_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default BFF_PORT).")] = None,
    reload: Annotated[bool, typer.Option(help="Restart on code changes (development).")] = False,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="Worker processes (production: about one per core; each has its own pool of "
            "database connections, BFF_DATABASE_POOL_SIZE).",
        ),
    ] = 1,
) -> None:
    """Run the HTTP API (sandbox mode: SQLite, simulators and demo data, migrations applied)."""
    settings = _settings()
    if workers > 1 and (settings.mode == "sandbox" or reload):
        # Sandbox simulators and the SQLite job runner live inside one process; several would
        # each hold different upstream state. Reloading watches one process by design.
        console.print(
            "[red]--workers > 1 is for production mode[/red] (PostgreSQL, real upstreams, "
            "`bff worker` for jobs) and cannot be combined with --reload."
        )
        raise typer.Exit(2)
    bind_host = host or settings.host
    bind_port = port or settings.port
    shown = "127.0.0.1" if bind_host in {"0.0.0.0", "::"} else bind_host  # noqa: S104
    base = f"http://{shown}:{bind_port}"
    console.print(
        f"[bold]Learning BFF[/bold] ({settings.mode} mode, database {_db_label(settings)})"
    )
    console.print(f"  Swagger UI  {base}/docs")
    console.print(f"  ReDoc       {base}/redoc")
    console.print(f"  Readiness   {base}/ready")
    for line in composition.demo_login_lines(settings):
        console.print(f"  {line}")
    uvicorn.run(
        "api.app:create_app",
        factory=True,
        host=bind_host,
        port=bind_port,
        reload=reload,
        workers=workers if workers > 1 else None,
        # A worker still importing the app (a few seconds; more on a busy machine) cannot answer
        # the supervisor's ping, and uvicorn's 5 s default then kills and restarts it, forever.
        timeout_worker_healthcheck=30,
        access_log=False,  # the app logs each request itself, with its request id
        log_level=settings.log_level,
        # uvicorn believes X-Forwarded-For from 127.0.0.1 by default; the app believes it only
        # from BFF_HTTP_TRUSTED_PROXIES (api/app.py), so the server must not rewrite it first.
        proxy_headers=False,
        server_header=False,
    )


def _db_label(settings: Settings) -> str:
    url = settings.database.url
    return url.split("@")[-1] if "@" in url else url


@app.command()
def migrate() -> None:
    """Apply every pending Alembic migration to BFF_DATABASE_URL."""
    settings = _settings()
    asyncio.run(composition.migrate(settings))
    console.print(f"Database at {_db_label(settings)} is at the newest migration.")


@app.command()
def simulate(
    system: Annotated[
        str,
        typer.Argument(help=f"Which upstream: {' | '.join(composition.SIMULATED_SYSTEMS)}."),
    ],
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1.")] = 8100,
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    seed: Annotated[
        int | None, typer.Option(help="Seed of the generated data (default BFF_SANDBOX_SEED).")
    ] = None,
    users: Annotated[
        int | None, typer.Option(help="Roster users to generate (default BFF_SANDBOX_USERS).")
    ] = None,
    classes: Annotated[
        int | None, typer.Option(help="Classes to generate (default BFF_SANDBOX_CLASSES).")
    ] = None,
) -> None:
    """Run one upstream simulator standalone on a real socket; ``all``: every simulated upstream
    on one socket, the shared simulators of a sandbox of several processes (set
    BFF_SANDBOX_SIMULATORS_URL to its address in each of them)."""
    if system not in composition.SIMULATED_SYSTEMS:
        console.print(
            f"[red]Unknown system {system!r}[/red]; choose from {', '.join(composition.SIMULATED_SYSTEMS)}"
        )
        raise typer.Exit(2)
    settings = _settings()
    # the sandbox's own sizes by default: its demo accounts name people of this population
    sandbox = settings.sandbox
    seed = sandbox.seed if seed is None else seed
    users = sandbox.users if users is None else users
    classes = sandbox.classes if classes is None else classes
    where = (
        "/{host}/..., each with its control API at /{host}/_sim/" if system == "all" else "/_sim/"
    )
    console.print(
        f"Simulating {system} on http://{host}:{port} (seed {seed}); control API at {where}"
    )
    composition.serve_simulator(
        system, settings=settings, host=host, port=port, seed=seed, users=users, classes=classes
    )


users = typer.Typer(no_args_is_help=True, help="BFF accounts.")
app.add_typer(users, name="users")


@users.command("create")
def users_create(
    email: Annotated[str, typer.Option(help="Login email.")],
    role: Annotated[Role, typer.Option(help="admin, staff, teacher, student or guardian.")],
    person: Annotated[
        str | None, typer.Option(help="OneRoster sourcedId of the person (all but admins).")
    ] = None,
    name: Annotated[str, typer.Option(help="Display name.")] = "",
    password: Annotated[
        str | None,
        typer.Option(
            help="Password; asked for when omitted.",
            prompt=True,
            hide_input=True,
            confirmation_prompt=True,
        ),
    ] = None,
) -> None:
    """Create an account (the operator's way in before any admin exists)."""
    settings = _settings()
    new = NewAccount(
        email=email, display_name=name, role=role, person_sourced_id=person, password=password
    )
    try:
        account = asyncio.run(composition.create_account(settings, new))
    except DomainError as exc:
        console.print(f"[red]Not created:[/red] {exc.detail}")
        raise typer.Exit(1) from exc
    console.print(f"Created {account.role.value} account {account.email} (id {account.id}).")


@app.command()
def seed() -> None:
    """Create the sandbox demo accounts (one per role, linked to simulated roster people)."""
    settings = _settings()
    if settings.mode != "sandbox":
        console.print("[red]Demo accounts exist only in sandbox mode.[/red]")
        raise typer.Exit(2)
    for line in asyncio.run(composition.seed(settings)):
        console.print(line)


sync = typer.Typer(no_args_is_help=True, help="The local caches of upstream data.")
app.add_typer(sync, name="sync")


@sync.command("roster")
def sync_roster(
    full: Annotated[bool, typer.Option(help="Re-read everything, not only what changed.")] = False,
) -> None:
    """Sync the roster cache from TimeBack now, with a progress bar per entity."""
    settings = _settings()
    with Progress(
        TextColumn("{task.description:<18}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rows]} rows"),
        console=console,
    ) as progress:
        bars: dict[str, TaskID] = {}

        def show(run: SyncRun) -> None:
            for entity in run.entities:
                name = entity.entity.value
                if name not in bars:
                    bars[name] = progress.add_task(name, total=None, rows=0)
                progress.update(
                    bars[name],
                    completed=entity.pages_done,
                    total=entity.pages_total,
                    rows=entity.rows,
                )

        run = asyncio.run(composition.sync_roster(settings, full=full, on_progress=show))
    colour = "green" if run.status.value == "succeeded" else "red"
    console.print(f"[{colour}]Sync {run.kind.value} {run.status.value}[/{colour}] ({run.id})")
    if run.error:
        console.print(run.error)
        raise typer.Exit(1)


@app.command()
def worker() -> None:
    """Run background jobs (procrastinate on PostgreSQL; the in-process runner on SQLite)."""
    settings = _settings()
    console.print(f"Worker: {settings.jobs_backend} jobs on {_db_label(settings)}")
    asyncio.run(composition.run_worker(settings))


def main() -> None:
    app()


if __name__ == "__main__":
    main()
