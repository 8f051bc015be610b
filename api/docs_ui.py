"""Swagger UI 5 and ReDoc served from this app's own static files, and ``GET /`` pointing at them.

FastAPI's defaults load them from a public CDN, which leaves the pages blank on a closed network.
The assets come from the ``fastapi-offline`` wheel (Swagger UI 5, which renders OpenAPI 3.1).
"""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from api.access import Access, access

STATIC_URL = "/static/docs"
REDOC_JS_URL = "/static/redoc/redoc.standalone.js"
_ASSETS = Path(fastapi_offline.__file__).parent / "static"
# ReDoc's footer loads its logo from Redocly's CDN and has no option to stop it; an empty inline SVG
# takes its place so the page makes no request beyond this server.
_REDOC_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"
_EMPTY_SVG = "data:image/svg+xml,%3Csvg xmlns=%27http://www.w3.org/2000/svg%27/%3E"
SWAGGER_EXTRA_CSS_URL = "/static/swagger-ui-bff.css"
#: Swagger UI's password-flow dialog also asks for client_id, client_secret and where to send them;
#: this API's token endpoint takes neither (it is a first-party login), and no Swagger UI option
#: hides them, so they are hidden by style: the dialog shows username and password only.
_SWAGGER_EXTRA_CSS = """
.auth-container :has(> label[for="password_type"]),
.auth-container :has(> label[for="client_id_password"]),
.auth-container :has(> label[for="client_secret_password"]) { display: none; }
"""


def mount_docs(app: FastAPI) -> None:
    redoc_js = (
        (_ASSETS / "redoc.standalone.js")
        .read_text(encoding="utf-8")
        .replace(_REDOC_LOGO, _EMPTY_SVG)
    )

    @app.get(REDOC_JS_URL, include_in_schema=False, openapi_extra=access(Access.PUBLIC))
    async def redoc_script() -> Response:
        return Response(
            redoc_js,
            media_type="text/javascript",
            headers={"Cache-Control": "public, max-age=86400"},
        )

    @app.get(SWAGGER_EXTRA_CSS_URL, include_in_schema=False, openapi_extra=access(Access.PUBLIC))
    async def swagger_extra_css() -> Response:
        return Response(
            _SWAGGER_EXTRA_CSS,
            media_type="text/css",
            headers={"Cache-Control": "public, max-age=86400"},
        )

    @app.get("/", include_in_schema=False, openapi_extra=access(Access.PUBLIC))
    async def home() -> RedirectResponse:
        """A browser pointed at the server lands on the documentation."""
        return RedirectResponse("/docs", status_code=307)

    app.mount(STATIC_URL, StaticFiles(directory=_ASSETS), name="docs-static")
    oauth_redirect = "/docs/oauth2-redirect"

    @app.get("/docs", include_in_schema=False, openapi_extra=access(Access.PUBLIC))
    async def swagger_ui() -> HTMLResponse:
        page = get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} - Swagger UI",
            oauth2_redirect_url=oauth_redirect,
            swagger_js_url=f"{STATIC_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{STATIC_URL}/swagger-ui.css",
            swagger_favicon_url=f"{STATIC_URL}/favicon.png",
            swagger_ui_parameters={"persistAuthorization": True, "displayRequestDuration": True},
        )
        extra = f'<link type="text/css" rel="stylesheet" href="{SWAGGER_EXTRA_CSS_URL}">'
        return HTMLResponse(bytes(page.body).replace(b"</head>", f"{extra}\n</head>".encode(), 1))

    @app.get(oauth_redirect, include_in_schema=False, openapi_extra=access(Access.PUBLIC))
    async def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get("/redoc", include_in_schema=False, openapi_extra=access(Access.PUBLIC))
    async def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} - ReDoc",
            redoc_js_url=REDOC_JS_URL,
            redoc_favicon_url=f"{STATIC_URL}/favicon.png",
            with_google_fonts=False,
        )
