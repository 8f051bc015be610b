"""Swagger UI and ReDoc render in a real browser from the app's own assets, with no outside request.

FastAPI's default pages load their JavaScript from a public CDN and stay blank on a closed network;
``api/docs_ui.py`` serves them itself. These tests drive Debian's chromium against the live BFF:
Swagger UI must list the operations and run one ("Try it out" -> "Execute"), ReDoc must render, and
every request either page made must have gone to the BFF.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from api.composition import DEMO_PASSWORD, demo_accounts
from api.settings import Settings
from tests.support.browser import ALIAS_HOST, RecordedPage
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.browser

TITLE = "Learning BFF"
#: Rendering Swagger UI / ReDoc from a cold cache takes ~1 s here, more as the API grows (ReDoc lays
#: out every operation before the title shows); leave room for a slow CI machine. Assertions wait
#: as long as page actions: ``expect`` has its own 5 s default otherwise.
RENDER_TIMEOUT_MS = 20_000
expect.set_options(timeout=RENDER_TIMEOUT_MS)


def _screenshot(page: Page, path: Path, *, full_page: bool = True) -> None:
    page.screenshot(path=str(path), full_page=full_page)
    assert path.stat().st_size > 0


def _assert_only_local(recorded: RecordedPage, server: LiveServer) -> None:
    assert recorded.requests, "the page made no request at all"
    external = recorded.external_requests()
    assert not external, f"the page reached beyond {server.netloc}: {external}"


def test_swagger_ui_renders_and_runs_an_operation_offline(
    live_server: LiveServer, recorded_page: RecordedPage, tmp_path: Path
) -> None:
    recorded_page.allow(live_server.netloc)
    page = recorded_page.page
    page.set_default_timeout(RENDER_TIMEOUT_MS)

    page.goto(live_server.url("/docs"))
    expect(page).to_have_title(f"{TITLE} - Swagger UI")
    expect(page.locator(".information-container .title")).to_contain_text(TITLE)

    # The operation list: the `system` tag with GET /health and GET /ready.
    expect(page.locator("#operations-tag-system")).to_be_visible()
    health = page.locator("#operations-system-health")
    expect(health.locator(".opblock-summary-method")).to_have_text("GET")
    expect(health.locator(".opblock-summary-path")).to_have_attribute("data-path", "/health")

    # Try it out -> Execute against the live server.
    readiness = page.locator("#operations-system-readiness")
    expect(readiness.locator(".opblock-summary-path")).to_have_attribute("data-path", "/ready")
    readiness.locator(".opblock-summary").click()
    readiness.get_by_role("button", name="Try it out").click()
    readiness.get_by_role("button", name="Execute").click()
    live = readiness.locator(".live-responses-table .response")
    expect(live.locator(".response-col_status").first).to_have_text("200")
    expect(live.locator(".response-col_description pre").first).to_contain_text(
        re.compile(r'"ready":\s*true')
    )

    recorded_page.settle()
    _screenshot(page, tmp_path / "swagger-ui.png")
    readiness.screenshot(path=str(tmp_path / "swagger-ui-readiness.png"))
    assert not recorded_page.page_errors, recorded_page.page_errors
    assert not recorded_page.csp_violations, recorded_page.csp_violations
    _assert_only_local(recorded_page, live_server)
    paths = {url.removeprefix(live_server.base_url) for url in recorded_page.requests}
    assert "/openapi.json" in paths
    assert "/ready" in paths, "Execute did not call the server"
    assert any(p.startswith("/static/docs/swagger-ui-bundle.js") for p in paths)


def test_authorize_with_a_demo_account_then_a_scoped_call(
    live_server: LiveServer, recorded_page: RecordedPage, tmp_path: Path
) -> None:
    """Swagger UI's Authorize dialog logs in through the password flow; GET /v1/me then answers
    as that person, and a call outside their scope is refused."""
    teacher = next(a for a in demo_accounts(Settings(_env_file=None)) if a.role.value == "teacher")
    recorded_page.allow(live_server.netloc)
    page = recorded_page.page
    page.set_default_timeout(RENDER_TIMEOUT_MS)
    page.goto(live_server.url("/docs"))

    page.get_by_role("button", name="Authorize").first.click()
    dialog = page.locator(".dialog-ux")
    flow = dialog.locator(".auth-container").filter(has_text="OAuth2PasswordBearer")
    # only what the password flow needs: no client_id, client_secret or where to send them
    expect(flow.locator("input#oauth_username")).to_be_visible()
    fields = flow.locator("input:visible, select:visible")
    expect(fields).to_have_count(2)
    assert {fields.nth(i).get_attribute("id") for i in range(2)} == {
        "oauth_username",
        "oauth_password",
    }
    expect(flow.get_by_text("client_id:")).to_be_hidden()
    flow.locator("input#oauth_username").fill(teacher.email)
    flow.locator("input#oauth_password").fill(DEMO_PASSWORD)
    # Swagger UI labels its buttons for screen readers ("Apply credentials"), so CSS classes it is.
    flow.locator("button.authorize").click()
    expect(flow).to_contain_text("Authorized")  # Swagger UI got a token from /v1/auth/token
    dialog.locator("button.btn-done").first.click()

    me = page.locator("#operations-me-get_me")
    me.locator(".opblock-summary").click()
    me.get_by_role("button", name="Try it out").click()
    me.get_by_role("button", name="Execute").click()
    live = me.locator(".live-responses-table .response")
    expect(live.locator(".response-col_status").first).to_have_text("200")
    expect(live.locator(".response-col_description pre").first).to_contain_text(teacher.email)

    audit = page.locator("#operations-audit-list_audit_events")
    audit.locator(".opblock-summary").click()
    audit.get_by_role("button", name="Try it out").click()
    audit.get_by_role("button", name="Execute").click()
    refused = audit.locator(".live-responses-table .response .response-col_status").first
    expect(refused).to_have_text("403")

    recorded_page.settle()
    me.screenshot(path=str(tmp_path / "swagger-ui-me.png"))
    assert not recorded_page.page_errors, recorded_page.page_errors
    assert not recorded_page.csp_violations, recorded_page.csp_violations
    _assert_only_local(recorded_page, live_server)
    paths = {url.removeprefix(live_server.base_url) for url in recorded_page.requests}
    assert "/v1/auth/token" in paths
    assert "/v1/me" in paths


def test_redoc_renders_from_the_apps_own_assets(
    live_server: LiveServer, recorded_page: RecordedPage, tmp_path: Path
) -> None:
    recorded_page.allow(live_server.netloc)
    page = recorded_page.page
    page.set_default_timeout(RENDER_TIMEOUT_MS)

    page.goto(live_server.url("/redoc"))
    expect(page).to_have_title(f"{TITLE} - ReDoc")
    expect(page.locator(".api-info h1")).to_contain_text(TITLE)
    expect(page.get_by_text("/health").first).to_be_attached()

    # ReDoc lays every operation out on one page, tens of thousands of pixels tall with ~200
    # operations: a full-page capture of it measured the machine, not the page. The viewport shows
    # that it rendered; the checks above and below say what it rendered.
    _screenshot(page, tmp_path / "redoc.png", full_page=False)
    assert not recorded_page.page_errors, recorded_page.page_errors
    # ReDoc logs what it cannot render faithfully in a schema (e.g. a subschema without a type)
    assert recorded_page.console_warnings == []
    assert not recorded_page.csp_violations, recorded_page.csp_violations
    paths = {url.removeprefix(live_server.base_url) for url in recorded_page.requests}
    assert "/openapi.json" in paths
    assert any(p.endswith("/redoc.standalone.js") for p in paths)
    # Requests elsewhere: test_docs_make_no_external_request.


@pytest.mark.parametrize(
    ("host", "path"),
    [
        ("127.0.0.1", "/docs"),
        # Deployed, the pages are reached by a real hostname, and Swagger UI treats "localhost" and
        # "127.0.0.1" specially (for instance, its online validator badge skips them).
        (ALIAS_HOST, "/docs"),
        pytest.param("127.0.0.1", "/redoc"),
        pytest.param(ALIAS_HOST, "/redoc"),
    ],
)
def test_docs_make_no_external_request(
    live_server: LiveServer, recorded_page: RecordedPage, host: str, path: str
) -> None:
    netloc = f"{host}:{live_server.port}"
    recorded_page.allow(netloc)
    page = recorded_page.page
    page.set_default_timeout(RENDER_TIMEOUT_MS)

    page.goto(f"http://{netloc}{path}")
    if path == "/docs":
        expect(page.locator("#operations-system-health")).to_be_visible()
    else:
        expect(page.locator(".api-info h1")).to_contain_text(TITLE)
    recorded_page.settle()

    assert recorded_page.requests
    external = recorded_page.external_requests()
    assert not external, f"{path} reached beyond {netloc}: {external}"
    assert not recorded_page.csp_violations, recorded_page.csp_violations
