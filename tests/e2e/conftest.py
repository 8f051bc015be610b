"""Browser tests: a live BFF server and a headless Chromium (see tests/support)."""

from __future__ import annotations

from tests.support.browser import browser, playwright_instance, recorded_page
from tests.support.live_server import live_server

__all__ = ["browser", "live_server", "playwright_instance", "recorded_page"]
