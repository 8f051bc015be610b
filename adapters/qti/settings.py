"""QTI's settings group: ``BFF_QTI_*`` (``.env.example`` documents each)."""

from __future__ import annotations

from pydantic import BaseModel, Field, SecretStr

from adapters.upstream import UpstreamUrl


class QtiSettings(BaseModel):
    """TimeBack's QTI service (production ``https://qti.alpha-1edtech.ai/api``): its own base URL,
    TimeBack's token endpoint and client, so one token serves OneRoster and QTI alike."""

    base_url: UpstreamUrl = "http://qti.timeback.sim"
    token_url: UpstreamUrl = "http://timeback.sim/oauth2/token"  # noqa: S105 - a URL
    client_id: str = "sandbox-client"
    client_secret: SecretStr = SecretStr("sandbox-secret")
    timeout_seconds: float = Field(default=30.0, gt=0)
