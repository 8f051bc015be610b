"""PowerPath's settings group: ``BFF_POWERPATH_*`` (``.env.example`` documents each)."""

from __future__ import annotations

from pydantic import BaseModel, Field, SecretStr

from adapters.upstream import UpstreamUrl


class PowerPathSettings(BaseModel):
    """PowerPath answers under ``/powerpath`` on the OneRoster host in production (set
    ``base_url`` to it); the sandbox simulates it on a host of its own. It takes TimeBack's token,
    so ``token_url`` and the client are TimeBack's."""

    base_url: UpstreamUrl = "http://powerpath.timeback.sim"
    token_url: UpstreamUrl = "http://timeback.sim/oauth2/token"  # noqa: S105 - a URL
    client_id: str = "sandbox-client"
    client_secret: SecretStr = SecretStr("sandbox-secret")
    timeout_seconds: float = Field(default=30.0, gt=0)
