"""The composition root: the one place in ``api`` that imports adapters and wires them to ports.

``create_app`` (HTTP) and the ``bff`` CLI both build a :class:`Container` through :func:`running`.
Nothing is built at import time; everything built is closed when ``running`` exits.

    container.py   the Container and the builders of its parts
    upstreams.py   every declared upstream's client, probe, trackers, identity provider
    lifecycle.py   running(): build, migrate (sandbox), seed or refuse demo accounts, start jobs, close
    sandbox.py     simulated upstreams (the only importer of simulators) and the demo accounts
    commands.py    what `bff users create`, `bff seed` and `bff worker` run
"""

from api.composition.commands import create_account, run_worker, seed, sync_roster
from api.composition.container import Container
from api.composition.lifecycle import migrate, running
from api.composition.sandbox import (
    DEMO_PASSWORD,
    SIMULATED_SYSTEMS,
    UPSTREAMS_PATH,
    browser_url,
    demo_accounts,
    demo_login_lines,
    is_sandbox_host,
    serve_simulator,
)

__all__ = [
    "DEMO_PASSWORD",
    "SIMULATED_SYSTEMS",
    "UPSTREAMS_PATH",
    "Container",
    "browser_url",
    "create_account",
    "demo_accounts",
    "demo_login_lines",
    "is_sandbox_host",
    "migrate",
    "run_worker",
    "running",
    "seed",
    "serve_simulator",
    "sync_roster",
]
