"""(b) of ``bench.roster_read``: the lean FastAPI reference for a cached 100-row roster page.

One route, the BFF's own bearer check (``JwtAccessTokenCodec`` with its verified-token cache and
the sandbox keys), one ``sqlite3`` statement for the 100 stored payloads and the count, and the
stored text spliced into the envelope. No middleware, no scope, no unit of work: what this stack
costs when it does only the page's work, so the BFF can be measured against it.

Reads ``BENCH_SQLITE_PATH`` (the BFF's cache file, already filled).
"""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, datetime
from typing import Annotated

from fastapi import FastAPI, Header, HTTPException
from fastapi.responses import Response

from adapters.security.tokens import JwtAccessTokenCodec
from api.settings import AuthSettings

_auth = AuthSettings()
codec = JwtAccessTokenCodec(
    keys={kid: key.get_secret_value() for kid, key in _auth.signing_keys.items()},
    active_key_id=_auth.active_key_id,
    issuer=_auth.issuer,
    audience=_auth.audience,
)
db = sqlite3.connect(os.environ["BENCH_SQLITE_PATH"], check_same_thread=False)
PAGE = (
    "SELECT payload, (SELECT count(*) FROM roster_users) FROM roster_users "
    "ORDER BY sourced_id LIMIT ? OFFSET ?"
)

app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/v1/roster/users")
async def users(
    authorization: Annotated[str, Header()], limit: int = 100, offset: int = 0
) -> Response:
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer":
        raise HTTPException(401)
    codec.verify(token, now=datetime.now(UTC))
    rows = db.execute(PAGE, (limit, offset)).fetchall()
    total = rows[0][1] if rows else 0
    body = '{"users":[' + ",".join(r[0] for r in rows) + "]}"
    return Response(
        body.encode(), media_type="application/json", headers={"X-Total-Count": str(total)}
    )
