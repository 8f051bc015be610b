"""Upstream tests reference section 1.5 names, ported to the simulator: the Hawthorn fork's
update-user and course-roles tests and the plugin's create test; then ``bff simulate appsembler``
on a real socket with the sandbox credentials ``.env.example`` documents."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from adapters.appsembler.client import make_appsembler_client
from adapters.appsembler.lms import AppsemblerLms
from domain.models.lms import AccountFilter
from simulators.appsembler import AppsemblerSimulator
from simulators.appsembler.state import Account
from tests.contract.appsembler_wire import class_course, learners, wire
from tests.support.live_server import free_port

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def sim() -> AppsemblerSimulator:
    return AppsemblerSimulator(seed=11, users=8, classes=2)


@pytest.fixture
def user(sim: AppsemblerSimulator) -> Account:
    return learners(sim)[0]


# -- update user (Hawthorn fork, tests/test_views.py) --------------------------------------------


async def test_update_user_happy_path_changes_name_not_email(
    sim: AppsemblerSimulator, user: Account
) -> None:
    async with wire(sim) as http:
        reply = await http.post(
            "/accounts/update_user", json={"user_lookup": user.username, "name": "Changed"}
        )
    assert reply.status_code == 200
    assert "name=" in reply.json()["success"]
    assert "email=" not in reply.json()["success"]
    assert user.name == "Changed"


async def test_update_user_invalid_email(sim: AppsemblerSimulator, user: Account) -> None:
    async with wire(sim) as http:
        reply = await http.post(
            "/accounts/update_user", json={"user_lookup": user.username, "email": "zzz%%"}
        )
    assert reply.status_code == 400
    assert "success" not in reply.json()


async def test_update_user_two_users_match_the_lookup(
    sim: AppsemblerSimulator, user: Account
) -> None:
    other = learners(sim)[1]
    sim.state.by_username.pop(other.username)
    other.username = user.email  # one user's username is the other's email
    sim.state.by_username[other.username] = other
    async with wire(sim) as http:
        reply = await http.post("/accounts/update_user", json={"user_lookup": user.email})
    assert reply.status_code == 400
    assert reply.json() == {
        "lookup_error": "Two users have been found with the provided user_lookup"
    }


async def test_update_user_unknown_lookup(sim: AppsemblerSimulator) -> None:
    async with wire(sim) as http:
        reply = await http.post("/accounts/update_user", json={"user_lookup": "nobody"})
    assert reply.status_code == 404
    assert "user_not_found" in reply.json()


async def test_update_user_missing_lookup(sim: AppsemblerSimulator) -> None:
    async with wire(sim) as http:
        reply = await http.post("/accounts/update_user", json={"name": "x"})
    assert reply.status_code == 400
    assert "lookup_error" in reply.json()


async def test_update_user_to_an_existing_email(sim: AppsemblerSimulator, user: Account) -> None:
    async with wire(sim) as http:
        reply = await http.post(
            "/accounts/update_user",
            json={"user_lookup": user.username, "email": learners(sim)[1].email},
        )
    assert reply.status_code == 400
    assert reply.json() == {"integrity_error": "An account with this e-mail already exists."}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "Someone Else"),
        ("country", "JO"),
        ("gender", "m"),
        ("level_of_education", "p"),
        ("year_of_birth", 1985),
        ("city", "Amman"),
        ("mailing_address", "1 Main St"),
        ("language", "ES"),
        ("goals", "learn"),
        ("bio", "a bio"),
    ],
)
async def test_update_user_profile_fields_round_trip(
    sim: AppsemblerSimulator, user: Account, field: str, value: object
) -> None:
    async with wire(sim) as http:
        reply = await http.post(
            "/accounts/update_user", json={"user_lookup": user.username, field: value}
        )
    assert reply.json() == {"success": f"The following fields has been updated: {field}={value}"}
    stored = user.name if field == "name" else user.profile[field]
    assert stored == str(value)


# -- course roles (Hawthorn fork) ----------------------------------------------------------------


async def test_roles_are_empty_by_default(sim: AppsemblerSimulator) -> None:
    async with wire(sim) as http:
        reply = await http.get(f"/courses/{class_course(sim)}/roles")
    assert reply.json() == {"roles": {"instructor": [], "staff": [], "beta": [], "ccx_coach": []}}


async def test_put_accepts_usernames_or_emails_and_get_lists_user_objects(
    sim: AppsemblerSimulator, user: Account
) -> None:
    other, course = learners(sim)[1], class_course(sim)
    async with wire(sim) as http:
        await http.put(
            f"/courses/{course}/roles",
            json={"roles": {"staff": [user.username], "instructor": [other.email]}},
        )
        listed = (await http.get(f"/courses/{course}/roles")).json()["roles"]
    assert [u["username"] for u in listed["staff"]] == [user.username]
    assert [u["username"] for u in listed["instructor"]] == [other.username]


async def test_delete_twice_is_idempotent(sim: AppsemblerSimulator, user: Account) -> None:
    course = class_course(sim)
    roles = json.dumps({"staff": [user.username]})
    async with wire(sim) as http:
        await http.put(f"/courses/{course}/roles", json={"roles": {"staff": [user.username]}})
        first = await http.delete(f"/courses/{course}/roles", params={"roles": roles})
        second = await http.delete(f"/courses/{course}/roles", params={"roles": roles})
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert first.json()["roles"]["staff"] == []


async def test_put_moves_a_user_between_roles_without_duplicates(
    sim: AppsemblerSimulator, user: Account
) -> None:
    course = class_course(sim)
    async with wire(sim) as http:
        await http.put(f"/courses/{course}/roles", json={"roles": {"staff": [user.username]}})
        moved = await http.put(
            f"/courses/{course}/roles", json={"roles": {"instructor": [user.username]}}
        )
    roles = moved.json()["roles"]
    assert roles["staff"] == []
    assert [u["username"] for u in roles["instructor"]] == [user.username]


# -- the plugin's create test --------------------------------------------------------------------


async def test_create_returns_200_and_the_user_id_key_with_a_space(
    sim: AppsemblerSimulator,
) -> None:
    async with wire(sim) as http:
        reply = await http.post(
            "/accounts/create",
            json={"username": "plugin1", "password": "edx", "email": "p1@x.org", "name": "P"},
        )
    assert reply.status_code == 200
    assert "user_id " in reply.json()


# -- around them -------------------------------------------------------------------------------


async def test_session_login_needs_the_csrf_pair(sim: AppsemblerSimulator) -> None:
    async with wire(sim) as http:
        await http.post(
            "/accounts/create",
            json={"username": "sess", "password": "pw1", "email": "s@x.org", "name": "S"},
        )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=sim.app), base_url="http://appsembler.sim"
    ) as browser:
        no_csrf = await browser.post(
            "/appsembler_api/v0/account/login_session/", data={"email": "s@x.org"}
        )
        token = (await browser.get("/csrf/api/v1/token")).json()["csrfToken"]
        headers = {"X-CSRFToken": token}
        wrong = await browser.post(
            "/appsembler_api/v0/account/login_session/",
            data={"email": "s@x.org", "password": "nope"},
            headers=headers,
        )
        right = await browser.post(
            "/appsembler_api/v0/account/login_session/",
            data={"email": "s@x.org", "password": "pw1"},
            headers=headers,
        )
    assert no_csrf.status_code == 403
    assert wrong.json() == {
        "success": False,
        "value": "Email or password is incorrect.",
        "error_code": "incorrect-email-or-password",
        "context": {"failure_count": 0},
        "email": "s@x.org",
    }
    assert right.json()["success"] is True


async def test_search_courses_needs_no_token(sim: AppsemblerSimulator) -> None:
    course = sim.state.courses[class_course(sim)]
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=sim.app), base_url="http://appsembler.sim"
    ) as http:
        reply = await http.get(
            "/appsembler_api/v0/search_courses", params={"search_term": course.number}
        )
    body = reply.json()
    assert [c["course_id"] for c in body["results"]] == [course.course_id]
    assert body["pagination"] == {"next": None, "previous": None, "count": 1, "num_pages": 1}


def _env_example() -> dict[str, str]:
    pairs = (
        line.split("=", 1)
        for line in (ROOT / ".env.example").read_text().splitlines()
        if line.startswith("BFF_APPSEMBLER_")
    )
    return dict(pairs)


@contextmanager
def _simulating(tmp_path: Path) -> Iterator[str]:
    """``bff simulate appsembler --port N`` in its own process, until it answers."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("BFF_")}
    env["PYTHONPATH"] = str(ROOT)
    cmd = [sys.executable, "-m", "api.cli", "simulate", "appsembler", "--port", str(port),
           "--users", "6", "--classes", "2"]  # fmt: skip
    with (tmp_path / "sim.log").open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            cmd, cwd=tmp_path, env=env, stdout=log, stderr=log, stdin=subprocess.DEVNULL
        )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                httpx.get(f"{url}/_sim/state", timeout=1)
                break
            except httpx.TransportError:
                assert process.poll() is None, (tmp_path / "sim.log").read_text()
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


async def test_bff_simulate_appsembler_on_a_real_socket(tmp_path: Path) -> None:
    documented = _env_example()
    with _simulating(tmp_path) as url:
        async with make_appsembler_client(
            base_url=url,
            client_id=documented["BFF_APPSEMBLER_CLIENT_ID"],
            client_secret=documented["BFF_APPSEMBLER_CLIENT_SECRET"],
            timeout=10,
            transport=None,
        ) as http:
            accounts = await AppsemblerLms(http).accounts(AccountFilter())
    # the service user, 6 students, 2 teachers, district and school administrators
    assert len(accounts) == 1 + 6 + 2 + 2
