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
