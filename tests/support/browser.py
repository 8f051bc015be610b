"""Headless Chromium for browser tests: Debian's ``chromium`` driven by Playwright.

``playwright install`` is never used (it downloads a browser build, which this network refuses);
``.ci/install-system-deps.sh`` installs Debian's package instead. Without it the tests skip, except
under ``CI=true``, where a missing browser is a failure.

Every request a page makes is recorded, and requests to any host other than the servers a test
allows are aborted (and still recorded), so "no request left the machine" is a plain assertion.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    Request,
    Route,
    sync_playwright,
)

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

#: Another name for 127.0.0.1 inside the browser, for pages that behave differently on loopback
#: names (Swagger UI skips its online validator for "localhost" and "127.0.0.1" only).
ALIAS_HOST = "bff-docs.test"

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    f"--host-resolver-rules=MAP {ALIAS_HOST} 127.0.0.1",
]

#: Schemes that never reach the network.
LOCAL_SCHEMES = frozenset({"data", "blob", "about"})


def chromium_executable() -> str:
    """Debian's chromium, or skip (fail under CI=true) when it is not installed."""
    path = shutil.which("chromium")
    if path is None:
        message = "chromium is not installed (run .ci/install-system-deps.sh as root)"
        if IN_CI:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return path


# Module scope, not session: while Playwright's sync API is active it leaves its event loop marked
# as running in the main thread, and every pytest-asyncio test after it would then fail with
# "Runner.run() cannot be called from a running event loop". It must stop with the module.
@pytest.fixture(scope="module")
def playwright_instance() -> Iterator[Playwright]:
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="module")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    executable = chromium_executable()
    browser = playwright_instance.chromium.launch(
        executable_path=executable, headless=True, args=CHROMIUM_FLAGS
    )
    try:
        yield browser
    finally:
        browser.close()


@dataclass
class RecordedPage:
    """A page in a fresh context, with every request it made and every uncaught page error."""

    page: Page
    context: BrowserContext
    allowed_netlocs: set[str]
    requests: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    #: what the page wrote to the console as a warning or an error (ReDoc reports schemas so)
    console_warnings: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    @property
    def csp_violations(self) -> list[str]:
        """What the page's Content-Security-Policy refused (Chromium reports it on the console)."""
        return [m for m in self.console_errors if "Content Security Policy" in m]

    def allow(self, *netlocs: str) -> None:
        self.allowed_netlocs.update(netlocs)

    def external_requests(self) -> list[str]:
        return [url for url in self.requests if not is_allowed(url, self.allowed_netlocs)]

    def settle(self, quiet_ms: int = 1000, timeout_ms: int = 15_000) -> None:
        """Wait until the page has made no new request for ``quiet_ms``.

        Pages like ReDoc add images after their first render, later than Playwright's
        "networkidle", so "no request left the machine" is only meaningful once they are quiet.
        """
        waited = 0
        seen = -1
        while len(self.requests) != seen:
            if waited >= timeout_ms:
                raise AssertionError(f"the page kept making requests for {timeout_ms} ms")
            seen = len(self.requests)
            self.page.wait_for_timeout(quiet_ms)
            waited += quiet_ms


def is_allowed(url: str, netlocs: Iterable[str]) -> bool:
    parts = urlsplit(url)
    return parts.scheme in LOCAL_SCHEMES or parts.netloc in set(netlocs)


@pytest.fixture
def recorded_page(browser: Browser) -> Iterator[RecordedPage]:
    """A page that records its requests and aborts those to hosts not ``allow()``-ed."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    recorded = RecordedPage(page=page, context=context, allowed_netlocs=set())

    def on_request(request: Request) -> None:
        recorded.requests.append(request.url)

    def guard(route: Route) -> None:
        if is_allowed(route.request.url, recorded.allowed_netlocs):
            route.continue_()
        else:
            route.abort("blockedbyclient")

    context.on("request", on_request)
    context.route("**/*", guard)
    page.on("pageerror", lambda exc: recorded.page_errors.append(str(exc)))
    page.on(
        "console",
        lambda message: (
            recorded.console_warnings.append(message.text)
            if message.type in ("warning", "error")
            else None
        ),
    )
    page.on(
        "console",
        lambda message: (
            recorded.console_errors.append(message.text) if message.type == "error" else None
        ),
    )
    try:
        yield recorded
    finally:
        context.close()
