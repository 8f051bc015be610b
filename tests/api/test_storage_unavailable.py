"""While the database cannot be reached, every route that needs it answers 503 with ``Retry-After``
(a problem the caller can retry), never a 500 "internal-error" (issue 12, item 6).

PostgreSQL is made unreachable for real: the app talks to it through a TCP relay the test closes
(listening socket and every open connection), so the pool's connections die and new ones are
refused, as when the server goes away. The roster list is a lean route on the read engine, the
accounts list and login use units of work, the create writes."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from adapters.db.engine import make_session_factory
from adapters.db.read_engine import SqliteReadEngine
from adapters.db.uow import SqlUnitOfWork
from api.app import create_app
from api.composition import DEMO_PASSWORD, demo_accounts
from domain.errors import StorageUnavailable
from tests.conftest import login, make_settings, pg_database


class Relay:
    """A TCP relay to PostgreSQL that can be cut: closed, it refuses connections and drops those
    it carried."""

    def __init__(self, host: str, port: int) -> None:
        self._target = (host, port)
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self.port = 0

    async def open(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        assert self._server is not None
        self._server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        await self._server.wait_closed()
        self._server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self._target)
        except OSError:
            writer.transport.abort()
            return
        self._writers |= {writer, up_writer}

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError, asyncio.CancelledError):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            dst.transport.abort()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        self._writers -= {writer, up_writer}


@pytest.fixture
async def relayed(pg_template: str) -> AsyncIterator[tuple[str, Relay]]:
    with pg_database(template=pg_template) as url:
        parsed = make_url(url)
        relay = Relay(parsed.host or "127.0.0.1", parsed.port or 5432)
        await relay.open()
        yield parsed.set(port=relay.port).render_as_string(hide_password=False), relay
        with contextlib.suppress(AssertionError):
            await relay.cut()


def unavailable(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert int(response.headers["retry-after"]) >= 1
    body: dict[str, Any] = response.json()
    assert body["type"].endswith("/storage-unavailable"), body
    return body


@pytest.mark.postgres
async def test_login_lists_and_creates_answer_503_while_postgres_is_unreachable(
    relayed: tuple[str, Relay],
) -> None:
    url, relay = relayed
    settings = make_settings(url)
    demo = {a.role.value: a for a in demo_accounts(settings)}
    app = create_app(settings)
    async with LifespanManager(app, startup_timeout=60, shutdown_timeout=30) as manager:
        transport = httpx.ASGITransport(app=manager.app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://bff.test") as http:
            admin = await login(http, demo["admin"].email)
            # the read engine's pool holds a connection from here on
            assert (await http.get("/v1/roster/users", headers=admin)).status_code == 200
            await relay.cut()

            unavailable(
                await http.post(
                    "/v1/auth/token",
                    data={"username": demo["teacher"].email, "password": DEMO_PASSWORD},
                )
            )
            unavailable(await http.get("/v1/roster/users", headers=admin))  # lean, read engine
            unavailable(await http.get("/v1/roster/orgs", headers=admin))
            unavailable(await http.get("/v1/accounts", headers=admin))
            unavailable(
                await http.post(
                    "/v1/accounts",
                    json={"email": "new.admin@school.test", "role": "admin", "password": "x" * 20},
                    headers=admin,
                )
            )
            ready = await http.get("/ready")
            assert ready.status_code == 503
            await relay.open()  # a clean shutdown


@pytest.mark.parametrize("what", ["unit of work", "read engine"])
async def test_an_unopenable_sqlite_file_is_storage_unavailable(tmp_path: Path, what: str) -> None:
    # a database "file" under a regular file: SQLite cannot open it, whoever runs the test
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    url = f"sqlite+aiosqlite:///{blocker}/bff.db"
    if what == "read engine":
        reads = SqliteReadEngine(url)
        with pytest.raises(StorageUnavailable):
            await reads.value("SELECT 1")
        await reads.dispose()
        return
    # not make_engine: it would fail first, making the folder
    engine = create_async_engine(url)
    try:
        with pytest.raises(StorageUnavailable):
            async with SqlUnitOfWork(make_session_factory(engine)) as uow:
                await uow.accounts.by_email("a@b.test")
    finally:
        await engine.dispose()
