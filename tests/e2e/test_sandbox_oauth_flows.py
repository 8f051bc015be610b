"""Sandbox SSO and Zoho connect in a real browser, on the live server's (random) port: the
simulated providers' pages are served under the BFF's own origin and the callbacks name the port
the browser used, so no request goes to ``*.sim`` (issue 13, sandbox redirects; decision D48)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from api.composition import DEMO_PASSWORD, demo_accounts
from api.settings import Settings
from domain.models.identity import Role
from tests.support.browser import RecordedPage
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.browser

TIMEOUT_MS = 20_000
expect.set_options(timeout=TIMEOUT_MS)


def _teacher_email() -> str:
    return next(a.email for a in demo_accounts(Settings(_env_file=None)) if a.role is Role.TEACHER)


def _json_body(recorded: RecordedPage) -> dict[str, object]:
    text = recorded.page.locator("body").inner_text()
    data = json.loads(text)
    assert isinstance(data, dict)
    return data


def test_sso_signs_in_through_the_simulated_provider_in_a_browser(
    live_server: LiveServer, recorded_page: RecordedPage, tmp_path: Path
) -> None:
    recorded_page.allow(live_server.netloc)
    page = recorded_page.page
    page.set_default_timeout(TIMEOUT_MS)

    page.goto(live_server.url("/v1/auth/sso/login"))
    # the provider's sign-in page, at the BFF's origin
    assert page.url.startswith(live_server.url("/_sandbox/upstreams/idp.sim/authorize?"))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.select_option("#login_hint", _teacher_email())
    page.screenshot(path=str(tmp_path / "sso-sign-in.png"))
    page.click("#sign-in")

    page.wait_for_url(f"{live_server.base_url}/v1/auth/sso/callback?**")
    tokens = _json_body(recorded_page)
    assert tokens["token_type"] == "bearer"
    assert tokens["access_token"]
    assert not recorded_page.external_requests(), recorded_page.external_requests()


def test_zoho_connect_goes_through_the_simulated_consent_in_a_browser(
    live_server: LiveServer, recorded_page: RecordedPage
) -> None:
    with httpx.Client(base_url=live_server.base_url, timeout=30) as api:
        token = api.post(
            "/v1/auth/token", data={"username": _teacher_email(), "password": DEMO_PASSWORD}
        )
        assert token.status_code == 200, token.text
        started = api.post(
            "/v1/timesheets/integrations/connect",
            json={"kind": "zoho_projects", "data_centre": "com"},
            headers={"Authorization": f"Bearer {token.json()['access_token']}"},
        )
    assert started.status_code == 200, started.text
    url = started.json()["authorization_url"]
    assert url.startswith(live_server.url("/_sandbox/upstreams/accounts.zoho.sim/oauth/v2/auth?"))

    recorded_page.allow(live_server.netloc)
    page = recorded_page.page
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(url)  # the simulated consent approves at once and sends the browser back
    page.wait_for_url(f"{live_server.base_url}/v1/timesheets/integrations/callback?**")
    integration = _json_body(recorded_page)
    assert integration["kind"] == "zoho_projects"
    assert integration["status"] == "connected"
    assert not recorded_page.external_requests(), recorded_page.external_requests()
