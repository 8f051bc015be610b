"""TimeBack's settings group: ``BFF_TIMEBACK_*`` (``.env.example`` documents each)."""

from __future__ import annotations

from pydantic import BaseModel, Field, SecretStr

from adapters.upstream import UpstreamUrl


class TimebackServiceSettings(BaseModel):
    """One of TimeBack's hosts (OneRoster, QTI, PowerPath, Caliper): its address, and TimeBack's
    token endpoint and client, which every host accepts; with the same token URL and client id
    the hosts' clients share one token (the composition root's ``TokenRegistry``)."""

    base_url: UpstreamUrl
    token_url: UpstreamUrl = "http://timeback.sim/oauth2/token"  # noqa: S105 - a URL
    client_id: str = "sandbox-client"
    client_secret: SecretStr = SecretStr("sandbox-secret")
    timeout_seconds: float = Field(default=30.0, gt=0)
    #: one process's connections to this host; calls beyond it wait for a free one
    max_connections: int = Field(default=20, ge=1, le=1000)


class TimebackSettings(TimebackServiceSettings):
    """TimeBack's OneRoster host (rostering, gradebook, resources) and the roster cache's sync."""

    base_url: UpstreamUrl = "http://timeback.sim"
    #: how often the incremental roster sync runs, and how it pages
    sync_interval_seconds: float = Field(default=900.0, gt=0)
    sync_page_size: int = Field(default=1000, ge=1, le=3000)
    sync_concurrency: int = Field(default=4, ge=1, le=32)
    #: megabytes of cached roster pages each process keeps by entity tag (0: none); an answer is
    #: reused only for the same query, scope and cache version, so it is never stale
    answer_cache_mb: float = Field(default=32.0, ge=0, le=4096)
