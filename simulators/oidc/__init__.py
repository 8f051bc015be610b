"""An OpenID Connect provider simulator: discovery, JWKS, authorize, token and userinfo endpoints,
id_tokens signed with its own RSA keys, and scripted misbehaviour for tests."""

from simulators.oidc.app import OidcProviderSimulator
from simulators.oidc.state import TAMPER_KINDS, SimClient, SimUser, TamperKind

__all__ = ["TAMPER_KINDS", "OidcProviderSimulator", "SimClient", "SimUser", "TamperKind"]
