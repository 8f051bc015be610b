"""The baseline: a bare Starlette app answering with fixed bytes, no middleware, no database."""

from __future__ import annotations

import os

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

BODY = os.environ.get("BENCH_BODY", '{"status":"ok"}').encode()
if path := os.environ.get("BENCH_BODY_FILE"):  # bodies past the 128 KiB an env variable may hold
    with open(path, "rb") as body_file:
        BODY = body_file.read()


async def fixed(_: Request) -> Response:
    return Response(BODY, media_type="application/json")


app = Starlette(routes=[Route("/{path:path}", fixed)])
