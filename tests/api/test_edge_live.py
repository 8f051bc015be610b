"""The HTTP edge over a real server started as operators start it (``bff serve``), on 127.0.0.1.

What only the server shows: whether it rewrites the caller's address from ``X-Forwarded-For``
(uvicorn trusts 127.0.0.1 by default), its ``server`` header, and a body refused from its
``Content-Length`` before the server waits for it.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import httpx
import pytest

from api.composition import DEMO_PASSWORD, demo_accounts
from api.settings import Settings
from tests.support.live_server import LiveServer, run_live_server

MAX_FAILURES_PER_ADDRESS = 3


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    env = {
        "BFF_AUTH_MAX_FAILURES_PER_ADDRESS": str(MAX_FAILURES_PER_ADDRESS),
        "BFF_AUTH_PASSWORD_TIME_COST": "1",
        "BFF_AUTH_PASSWORD_MEMORY_KIB": "64",
    }
    with run_live_server(tmp_path_factory.mktemp("edge-live"), env=env) as live:
        yield live


def test_a_spoofed_forwarded_for_from_loopback_is_ignored(server: LiveServer) -> None:
    admin = next(a for a in demo_accounts(Settings(_env_file=None)) if a.role.value == "admin")
    with httpx.Client(base_url=server.base_url, timeout=30) as http:
        statuses = [
            http.post(
                "/v1/auth/token",
                data={"username": f"nobody{i}@example.org", "password": "wrong-password"},
                headers={"X-Forwarded-For": f"198.51.100.{i + 1}"},
            ).status_code
            for i in range(MAX_FAILURES_PER_ADDRESS + 2)
        ]
        assert statuses[MAX_FAILURES_PER_ADDRESS:] == [429, 429], (
            f"a spoofed X-Forwarded-For escaped the per-address throttle: {statuses}"
        )
        # The throttle now holds 127.0.0.1 too; the admin logs in from another loopback address.
    with httpx.Client(
        base_url=server.base_url,
        timeout=30,
        transport=httpx.HTTPTransport(local_address="127.0.0.2"),
    ) as other:
        token = other.post(
            "/v1/auth/token", data={"username": admin.email, "password": DEMO_PASSWORD}
        )
        assert token.status_code == 200, token.text
        page = other.get(
            "/v1/audit",
            params={"limit": 100, "outcome": "denied"},
            headers={"Authorization": f"Bearer {token.json()['access_token']}"},
        )
    assert page.status_code == 200, page.text
    addresses = {
        e["client_address"] for e in page.json()["items"] if e["action"] == "POST /v1/auth/token"
    }
    assert addresses == {"127.0.0.1"}


def test_the_server_does_not_name_itself_and_sends_the_security_headers(
    server: LiveServer,
) -> None:
    response = httpx.get(server.url("/health"), timeout=30)
    assert response.status_code == 200
    assert "server" not in response.headers
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"


def _raw_request(server: LiveServer, head: bytes, body: bytes) -> bytes:
    with socket.create_connection((server.host, server.port), timeout=30) as sock:
        sock.sendall(head + body)
        received = b""
        while b"\r\n\r\n" not in received:
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
        return received


def test_a_huge_declared_body_is_answered_413_without_waiting_for_it(server: LiveServer) -> None:
    # 100 MB declared, a few bytes sent: an answer can only come from the declared length.
    head = (
        b"POST /v1/auth/refresh HTTP/1.1\r\n"
        + f"Host: {server.netloc}\r\n".encode()
        + b"Content-Type: application/json\r\nContent-Length: 104857600\r\n\r\n"
    )
    answer = _raw_request(server, head, b'{"refresh_token": "')
    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line.split()[1] == b"413", answer[:500]
    assert b"application/problem+json" in rest.lower()
