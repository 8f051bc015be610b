"""An OpenID Connect provider simulator: discovery, JWKS, authorize, token and userinfo endpoints,
id_tokens signed with its own RSA keys, and scripted misbehaviour for tests."""

from adapters.oidc.simulator.app import OidcProviderSimulator
from adapters.oidc.simulator.state import TAMPER_KINDS, SimClient, SimUser, TamperKind

__all__ = ["TAMPER_KINDS", "OidcProviderSimulator", "SimClient", "SimUser", "TamperKind"]
