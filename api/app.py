"""The app factory. Run with ``uvicorn api.app:create_app --factory`` (or ``bff serve``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TypedDict

from fastapi import FastAPI

from api import composition
from api.docs_ui import mount_docs
from api.errors import COMMON_RESPONSES, add_exception_handlers
from api.observability import RequestIdMiddleware, configure_logging, instrument
from api.routers import system
from api.settings import Settings

TAGS = [
    {"name": "system", "description": "Liveness, readiness, upstream status and background tasks."},
]


class State(TypedDict):
    container: composition.Container


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    configure_logging(level=settings.log_level, fmt=settings.log_format)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[State]:
        async with composition.running(settings) as container:
            yield {"container": container}

    app = FastAPI(
        title="Learning BFF",
        version="0.1.0",
        summary="One authenticated API over TimeBack, Open edX (Appsembler) and Zoho.",
        openapi_tags=TAGS,
        responses=COMMON_RESPONSES,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    add_exception_handlers(app)
    app.add_middleware(RequestIdMiddleware)
    instrument(app)
    mount_docs(app)
    app.include_router(system.router)
    return app
