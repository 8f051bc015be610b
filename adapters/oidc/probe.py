"""The identity provider's health probe: its discovery document, read and checked.

Discovery is public, so the probe needs no token; it checks what sign-in needs before the first
user tries: the document answers for our issuer and names the authorize, token and JWKS endpoints.
"""

from __future__ import annotations

import httpx

from adapters.http.probe import HttpProbe
from adapters.oidc.errors import FAMILY, OidcUnavailable, raise_for_status

DISCOVERY_PATH = "/.well-known/openid-configuration"
REQUIRED = ("authorization_endpoint", "token_endpoint", "jwks_uri")


class OidcProbe(HttpProbe):
    name = "oidc"
    family = FAMILY
    base_url_label = "issuer"

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        issuer: str,
        client_id: str,
        secret_set: bool,
    ) -> None:
        super().__init__(client, client_id=client_id, secret_set=secret_set)
        self._issuer = issuer

    async def call(self) -> str:
        # the issuer may carry a path (a Keycloak realm): discovery sits below it
        url = self._issuer.rstrip("/") + DISCOVERY_PATH
        document = raise_for_status(await self._client.get(url)).json()
        if not isinstance(document, dict) or document.get("issuer") != self._issuer:
            raise OidcUnavailable("discovery document names a different issuer")
        missing = [field for field in REQUIRED if not isinstance(document.get(field), str)]
        if missing:
            raise OidcUnavailable("discovery document has no " + ", ".join(missing))
        return "discovery document answered for this issuer"
