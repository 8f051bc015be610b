"""Swagger UI 5 and ReDoc served from this app's own static files, and ``GET /`` pointing at them.

FastAPI's defaults load them from a public CDN, which leaves the pages blank on a closed network.
The assets come from the ``fastapi-offline`` wheel (Swagger UI 5, which renders OpenAPI 3.1).
"""

from __future__ import annotations

import hashlib
import re
from base64 import b64encode
from pathlib import Path
from typing import Any

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


_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.S)
#: what the pages load: scripts and styles from here; ReDoc's styled-components inject <style>
#: elements (so inline styles), its search runs in a blob: worker, both pages draw data: images.
_DOCS_POLICY = (
    "default-src 'none'; script-src 'self'{hashes}; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
ASSET_CACHE = "public, max-age=86400"


def _with_policy(page: HTMLResponse) -> HTMLResponse:
    """The page with a CSP that lets its own inline scripts run (by their hashes) and no other."""
    html = bytes(page.body).decode("utf-8")
    hashes = "".join(
        " 'sha256-" + b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"
        for script in _INLINE_SCRIPT.findall(html)
    )
    return HTMLResponse(
        html, headers={"Content-Security-Policy": _DOCS_POLICY.format(hashes=hashes)}
    )


class _Assets(StaticFiles):
    """The pages' scripts and styles: public, the same for everyone, revalidated daily."""

    def file_response(self, *args: Any, **kwargs: Any) -> Response:
        response = super().file_response(*args, **kwargs)
        response.headers["Cache-Control"] = ASSET_CACHE
        return response


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
            headers={"Cache-Control": ASSET_CACHE},
        )

    @app.get(SWAGGER_EXTRA_CSS_URL, include_in_schema=False, openapi_extra=access(Access.PUBLIC))
    async def swagger_extra_css() -> Response:
        return Response(
            _SWAGGER_EXTRA_CSS, media_type="text/css", headers={"Cache-Control": ASSET_CACHE}
        )

    @app.get("/", include_in_schema=False, openapi_extra=access(Access.PUBLIC))
    async def home() -> RedirectResponse:
        """A browser pointed at the server lands on the documentation."""
        return RedirectResponse("/docs", status_code=307)

    app.mount(STATIC_URL, _Assets(directory=_ASSETS), name="docs-static")
    oauth_redirect = "/docs/oauth2-redirect"
    # Built once: the pages never change while the app runs, and their CSP hashes their scripts.
    swagger = get_swagger_ui_html(
        openapi_url=app.openapi_url or "/openapi.json",
        title=f"{app.title} - Swagger UI",
        oauth2_redirect_url=oauth_redirect,
        swagger_js_url=f"{STATIC_URL}/swagger-ui-bundle.js",
        swagger_css_url=f"{STATIC_URL}/swagger-ui.css",
        swagger_favicon_url=f"{STATIC_URL}/favicon.png",
        swagger_ui_parameters={"persistAuthorization": True, "displayRequestDuration": True},
    )
    extra = f'<link type="text/css" rel="stylesheet" href="{SWAGGER_EXTRA_CSS_URL}">'
    swagger_page = _with_policy(
        HTMLResponse(bytes(swagger.body).replace(b"</head>", f"{extra}\n</head>".encode(), 1))
    )
    redirect_page = _with_policy(get_swagger_ui_oauth2_redirect_html())
    redoc_page = _with_policy(
        get_redoc_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} - ReDoc",
            redoc_js_url=REDOC_JS_URL,
            redoc_favicon_url=f"{STATIC_URL}/favicon.png",
            with_google_fonts=False,
        )
    )

    @app.get("/docs", include_in_schema=False, openapi_extra=access(Access.PUBLIC))
    async def swagger_ui() -> HTMLResponse:
        return swagger_page

    @app.get(oauth_redirect, include_in_schema=False, openapi_extra=access(Access.PUBLIC))
    async def swagger_ui_redirect() -> HTMLResponse:
        return redirect_page

    @app.get("/redoc", include_in_schema=False, openapi_extra=access(Access.PUBLIC))
    async def redoc() -> HTMLResponse:
        return redoc_page
