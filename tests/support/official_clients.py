"""A Python 3.12 venv holding TimeBack's official clients, for the contract test that runs their
documented calls against the simulator (decision D29).

The clients need Python >= 3.12 (``timeback-oneroster``) and must stay out of the project's own
environment (``timeback`` pins httpx < 0.28; the project pins 0.28). The venv lives at
``.venv-official-clients/`` in the project root, built once from the pinned
``tests/contract/official_clients/requirements.txt`` with uv, and reused while the hash of that
file and the interpreter's version match the stamp inside it. A lock file keeps two pytest-xdist
workers from building it at once.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DRIVERS = ROOT / "tests" / "contract" / "official_clients"
REQUIREMENTS = DRIVERS / "requirements.txt"
VENV = ROOT / ".venv-official-clients"
STAMP = VENV / "requirements.sha256"
WANTED = (3, 12)
#: set to a Python 3.12 interpreter to skip the search
PYTHON_ENV = "OFFICIAL_CLIENTS_PYTHON"
BUILD_TIMEOUT = 600


class Unavailable(RuntimeError):
    """The venv cannot be built here (no Python 3.12, no uv, or PyPI unreachable)."""


def venv_python() -> Path:
    """The venv's interpreter, building the venv first when it is missing or stale."""
    with (ROOT / ".venv-official-clients.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        python = VENV / "bin" / "python"
        stamp = _stamp()
        if python.exists() and STAMP.exists() and STAMP.read_text() == stamp:
            return python
        uv = shutil.which("uv")
        if uv is None:
            raise Unavailable("uv is not on PATH")
        _build(uv, _find_python(uv))
        STAMP.write_text(stamp)
        return python


def run_driver(python: Path, script: str, plan: dict[str, Any], timeout: float = 300) -> Any:
    """Run ``script`` from the drivers' folder with ``plan`` on standard input; its JSON."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TIMEBACK", "ONEROSTER"))}
    done = subprocess.run(  # noqa: S603 (our own interpreter and script)
        [str(python), str(DRIVERS / script)],
        input=json.dumps(plan),
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=DRIVERS,
        env=env,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{script} exited {done.returncode}:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _stamp() -> str:
    return hashlib.sha256(REQUIREMENTS.read_bytes() + repr(WANTED).encode()).hexdigest()


def _build(uv: str, interpreter: str) -> None:
    shutil.rmtree(VENV, ignore_errors=True)
    env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never"}
    env.pop("VIRTUAL_ENV", None)
    for command in (
        [uv, "venv", "--quiet", "--python", interpreter, str(VENV)],
        [uv, "pip", "install", "--quiet", "--python", str(VENV / "bin" / "python"),
         "--requirement", str(REQUIREMENTS)],
    ):  # fmt: skip
        done = subprocess.run(  # noqa: S603 (uv, found on PATH)
            command, capture_output=True, text=True, timeout=BUILD_TIMEOUT, env=env, check=False
        )
        if done.returncode != 0:
            shutil.rmtree(VENV, ignore_errors=True)
            raise Unavailable(f"{' '.join(command[:3])} failed: {done.stderr.strip()[-1500:]}")


def _find_python(uv: str) -> str:
    """A Python 3.12: the one named by $OFFICIAL_CLIENTS_PYTHON, the one uv finds, or one that
    pyenv installed (uv cannot see through pyenv's shims)."""
    candidates: list[str] = []
    if named := os.environ.get(PYTHON_ENV):
        candidates.append(named)
    found = subprocess.run(  # noqa: S603
        [uv, "python", "find", f"{WANTED[0]}.{WANTED[1]}"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "UV_PYTHON_DOWNLOADS": "never"},
        check=False,
    )
    if found.returncode == 0 and found.stdout.strip():
        candidates.append(found.stdout.strip())
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    prefix = f"{WANTED[0]}.{WANTED[1]}."
    versions = pyenv_root / "versions"
    if versions.is_dir():
        for version in sorted(versions.iterdir(), key=_version_key, reverse=True):
            if version.name.startswith(prefix):
                candidates.append(str(version / "bin" / "python3"))
    for candidate in candidates:
        if _is_wanted(candidate):
            return candidate
    raise Unavailable(
        f"no Python {WANTED[0]}.{WANTED[1]} found (set {PYTHON_ENV}); running {sys.version}"
    )


def _is_wanted(python: str) -> bool:
    try:
        done = subprocess.run(  # noqa: S603
            [python, "-c", "import sys; print(sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except OSError:
        return False
    return done.returncode == 0 and done.stdout.strip() == str(WANTED)


def _version_key(path: Path) -> tuple[int, ...]:
    return tuple(int(p) if p.isdigit() else -1 for p in path.name.split("."))
