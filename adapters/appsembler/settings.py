"""Appsembler's settings group: ``BFF_APPSEMBLER_*`` (``.env.example`` documents each)."""

from __future__ import annotations

from pydantic import BaseModel, Field, SecretStr

from adapters.upstream import UpstreamUrl


class AppsemblerSettings(BaseModel):
    """Open edX through the Appsembler API; tokens from Open edX's client-credentials endpoint."""

    base_url: UpstreamUrl = "http://appsembler.sim"
    client_id: str = "sandbox-client"
    client_secret: SecretStr = SecretStr("sandbox-secret")
    timeout_seconds: float = Field(default=30.0, gt=0)
    #: the LMS's EDX_API_KEY, sent as X-Edx-Api-Key so bulk enrollment is not throttled; empty:
    #: none (DRF's 120 calls a minute for a staff token)
    edx_api_key: SecretStr = SecretStr("")
