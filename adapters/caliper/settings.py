"""Caliper's settings group: ``BFF_CALIPER_*`` (``.env.example`` documents each)."""

from __future__ import annotations

from pydantic import BaseModel, Field, SecretStr

from adapters.upstream import UpstreamUrl


class CaliperSettings(BaseModel):
    """TimeBack's Caliper host, behind TimeBack's token endpoint: with the same token URL and
    client as ``BFF_TIMEBACK_*`` the two share one token."""

    base_url: UpstreamUrl = "http://caliper.timeback.sim"
    token_url: UpstreamUrl = "http://timeback.sim/oauth2/token"  # noqa: S105 - a URL
    client_id: str = "sandbox-client"
    client_secret: SecretStr = SecretStr("sandbox-secret")
    timeout_seconds: float = Field(default=30.0, gt=0)
