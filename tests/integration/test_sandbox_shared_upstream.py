"""One sandbox, one upstream: commands beside a running sandbox server use its simulators
(issue 13, item 3; decision D47)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from api.cli import app
from api.composition import DEMO_PASSWORD
from tests.support.live_server import run_live_server


def test_sync_roster_beside_a_running_server_keeps_what_was_written_through_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with (
        run_live_server(tmp_path / "server") as server,
        httpx.Client(base_url=server.base_url, timeout=30) as http,
    ):
        token = http.post(
            "/v1/auth/token",
            data={"username": "admin@oakpark.example.edu", "password": DEMO_PASSWORD},
        )
        assert token.status_code == 200, token.text
        http.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
        users = http.get("/v1/roster/users", params={"limit": 1}).json()["users"]
        uid = users[0]["sourcedId"]
        changed = http.patch(f"/v1/roster/users/{uid}", json={"user": {"givenName": "Augusta"}})
        assert changed.status_code == 200, changed.text

        monkeypatch.setenv("BFF_DATABASE_URL", server.db_url)
        monkeypatch.setenv("BFF_PORT", str(server.port))
        monkeypatch.chdir(tmp_path)
        synced = CliRunner().invoke(app, ["sync", "roster", "--full"])
        assert synced.exit_code == 0, synced.output

        again = http.get(f"/v1/roster/users/{uid}")
        assert again.json()["user"]["givenName"] == "Augusta"


def test_the_shared_simulators_answer_under_the_servers_origin(tmp_path: Path) -> None:
    with run_live_server(tmp_path / "server") as server:
        answer = httpx.get(server.url("/_sandbox/upstreams/timeback.sim/_sim/state"), timeout=30)
        assert answer.status_code == 200, answer.text
        assert answer.json()["system"] == "timeback"
        refused = httpx.get(server.url("/_sandbox/upstreams/example.com/"), timeout=30)
        assert refused.status_code == 404
        assert refused.headers["content-type"].startswith("application/problem+json")
