"""The identity provider's settings group: ``BFF_OIDC_*`` (``.env.example`` documents each)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, SecretStr

from adapters.upstream import UpstreamUrl


class OidcSettings(BaseModel):
    """Single sign-on through an OpenID Connect provider (authorization code with PKCE)."""

    enabled: bool = True
    issuer: UpstreamUrl = "http://idp.sim"
    client_id: str = "learning-bff"
    client_secret: SecretStr = SecretStr("sandbox-secret")
    #: the BFF's own callback, as registered at the provider (not an upstream address)
    redirect_url: str = "http://127.0.0.1:8000/v1/auth/sso/callback"
    scopes: str = "openid email profile"
    #: How a provider identity finds its BFF account: by verified email, or by a stored subject.
    match_by: Literal["email", "subject"] = "email"
    timeout_seconds: float = Field(default=15.0, gt=0)
