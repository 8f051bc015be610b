"""Sandbox mode in a real browser on any port (decision D48): OAuth callbacks named as the request
reached the BFF, and simulated providers' pages under the BFF's own origin."""

from __future__ import annotations

from fastapi import Request
from pydantic import BaseModel

from api.composition import browser_url
from api.settings import Settings


def callback_url(
    request: Request, settings: Settings, route: str, group: BaseModel, field: str
) -> str | None:
    """The callback route ``route`` at this request's origin, in sandbox mode unless the setting
    ``field`` of ``group`` was given; None: the configured one (production always)."""
    if settings.mode != "sandbox" or field in group.model_fields_set:
        return None
    return str(request.url_for(route))


def for_browser(url: str, request: Request, settings: Settings) -> str:
    """A provider URL a browser can open: a simulated one goes through ``/_sandbox/upstreams``."""
    return browser_url(url, str(request.base_url)) if settings.mode == "sandbox" else url
