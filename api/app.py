"""The app factory. Run with ``uvicorn api.app:create_app --factory`` (or ``bff serve``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TypedDict

from fastapi import FastAPI
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from api import composition
from api.audit_trail import AuditTrailMiddleware
from api.docs_ui import mount_docs
from api.edge import EdgeMiddleware
from api.errors import COMMON_RESPONSES, add_exception_handlers
from api.observability import RequestIdMiddleware, configure_logging, instrument
from api.routers import (
    accounts,
    assessment_scoring,
    assessment_tests,
    assessments,
    audit,
    auth,
    caliper_events,
    gradebook,
    learning_activity,
    learning_flow,
    learning_lessons,
    learning_plans,
    lms,
    lms_links,
    me,
    resources,
    roster,
    roster_writes,
    sandbox,
    sync,
    system,
    timesheet_integrations,
    timesheet_logs,
)
from api.routing import add_routes, use_indexed_routing
from api.settings import Settings

TAGS = [
    {"name": "auth", "description": "Log in (password or single sign-on), refresh and log out."},
    {"name": "me", "description": "The caller's own account and personal API tokens."},
    {
        "name": "roster",
        "description": "OneRoster collections from the local cache, narrowed to what you may see.",
    },
    {
        "name": "gradebook",
        "description": "TimeBack's gradebook (line items, results, categories, score scales, "
        "assessments), passed through and guarded by the policy.",
    },
    {
        "name": "resources",
        "description": "TimeBack's learning resources: the catalogue (admins) and per class, "
        "course and person.",
    },
    {"name": "accounts", "description": "BFF accounts and their link to roster people (admins)."},
    {"name": "audit", "description": "The append-only trail of every write (admins)."},
    {"name": "sync", "description": "The local roster cache: sync runs and the change feed."},
    {
        "name": "timesheets",
        "description": "Time trackers you connect (Zoho Projects, Zoho Desk), their projects, "
        "and your time logs, synced to them.",
    },
    {
        "name": "lms links",
        "description": "OneRoster classes linked to Open edX courses: the course follows the "
        "class (enrollments, drops), with each run's per-person outcome and the students' progress.",
    },
    {
        "name": "events",
        "description": "Caliper 1.2 learning events: validated, stored once and delivered to "
        "TimeBack, with each event's delivery state.",
    },
    {
        "name": "learning",
        "description": "A learner's app over PowerPath: lessons, placement, screening, "
        "lesson plans, test assignments and the lesson flow.",
    },
    {"name": "system", "description": "Liveness, readiness, upstream status and background tasks."},
]

DESCRIPTION = """
One authenticated API over TimeBack (OneRoster, QTI, PowerPath, Caliper), Open edX (Appsembler) and
Zoho. Errors are RFC 9457 problem details (`application/problem+json`). Every route states who may
call it in `x-access`. Send `X-Request-ID` to correlate logs; it is echoed on every response.
"""


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
        description=DESCRIPTION,
        openapi_tags=TAGS,
        responses=COMMON_RESPONSES,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    use_indexed_routing(app)
    add_exception_handlers(app)
    # Added last runs first: the request id must exist before the edge refuses a request (its
    # 413s carry the id and are logged) and before the audit trail records one.
    app.add_middleware(AuditTrailMiddleware)
    if settings.http.trusted_proxies:
        # Only here: uvicorn's own handling trusts 127.0.0.1 by default, so `bff serve` turns
        # it off and this is the one place forwarded headers are believed (docs/operations.md).
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.http.trusted_proxies)
    app.add_middleware(
        EdgeMiddleware,
        max_body_bytes=settings.http.max_body_bytes,
        cors_origins=settings.cors.origins,
        cors_origin_regex=settings.cors.pattern(settings.mode),
    )
    app.add_middleware(RequestIdMiddleware)
    instrument(app)
    mount_docs(app)
    for router in (
        auth.router,
        me.router,
        roster.router,
        roster_writes.router,
        gradebook.router,
        resources.router,
        accounts.router,
        audit.router,
        sync.router,
        timesheet_integrations.router,
        timesheet_logs.router,
        lms.router,
        lms_links.router,
        caliper_events.router,
        system.router,
        assessments.router,
        assessment_tests.router,
        assessment_scoring.router,
        learning_lessons.router,
        learning_plans.router,
        learning_flow.router,
        learning_activity.router,
    ):
        add_routes(app, router)
    if settings.mode == "sandbox":
        add_routes(app, sandbox.router)
    return app
