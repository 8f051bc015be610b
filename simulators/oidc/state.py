"""What the OIDC provider simulator knows: clients, users, authorization codes and signing keys,
and how it mints (and, when a test asks, deliberately spoils) an id_token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass, field
from typing import Literal, get_args
from urllib.parse import urlsplit

from joserfc import jwt
from joserfc.jwk import RSAKey

from simulators.kit.population import build_population
from simulators.kit.seed import SeedGenerator

DEFAULT_CLIENT_ID = "learning-bff"
DEFAULT_CLIENT_SECRET = "sandbox-secret"  # noqa: S105 - the public sandbox placeholder
DEFAULT_REDIRECT_URIS = frozenset({"http://127.0.0.1:8000/v1/auth/sso/callback"})
#: Tests run the BFF as http://bff.test, on whatever callback path they like.
DEFAULT_REDIRECT_PREFIXES = ("http://bff.test/",)

TamperKind = Literal[
    "bad_signature", "wrong_audience", "wrong_nonce", "expired", "wrong_issuer", "unknown_kid"
]
TAMPER_KINDS: tuple[str, ...] = get_args(TamperKind)

# RFC 7636 §4.1 (verifier) and §4.2 (an S256 challenge is always 43 base64url characters)
_VERIFIER = re.compile(r"[A-Za-z0-9\-._~]{43,128}")
_S256_CHALLENGE = re.compile(r"[A-Za-z0-9\-_]{43}")


@dataclass(slots=True)
class SimClient:
    client_id: str
    secret: str
    redirect_uris: frozenset[str] = frozenset()
    redirect_prefixes: tuple[str, ...] = ()
    #: RFC 8252 §7.3: an http redirect to a loopback address may use any port (a sandbox BFF in
    #: a browser runs on whatever port it was given)
    loopback_any_port: bool = False

    def allows(self, redirect_uri: str) -> bool:
        if self.loopback_any_port and _is_loopback(redirect_uri):
            return True
        return redirect_uri in self.redirect_uris or any(
            redirect_uri.startswith(prefix) for prefix in self.redirect_prefixes
        )


def _is_loopback(uri: str) -> bool:
    try:
        parts = urlsplit(uri)
        _ = parts.port  # a malformed port is no loopback address
    except ValueError:
        return False
    return parts.scheme == "http" and parts.hostname in {"127.0.0.1", "localhost", "::1"}


@dataclass(frozen=True, slots=True)
class SimUser:
    subject: str
    email: str | None
    email_verified: bool
    name: str | None


@dataclass(slots=True)
class IssuedCode:
    value: str
    client_id: str
    redirect_uri: str
    subject: str
    scope: str
    nonce: str | None
    code_challenge: str
    expires_at: float
    used: bool = False


@dataclass(slots=True)
class OidcState:
    clients: dict[str, SimClient]
    users: dict[str, SimUser]  # by subject
    keys: list[RSAKey]  # all published; the last one signs
    codes: dict[str, IssuedCode] = field(default_factory=dict)
    #: who the next authorize requests log in as, overriding login_hint (consumed in order)
    next_logins: list[str] = field(default_factory=list)
    tampers: list[TamperKind] = field(default_factory=list)

    @property
    def active_key(self) -> RSAKey:
        return self.keys[-1]

    def find_user(self, hint: str) -> SimUser | None:
        """By subject, else by email (case-insensitive, as people type it)."""
        if hint in self.users:
            return self.users[hint]
        folded = hint.casefold()
        return next(
            (u for u in self.users.values() if u.email and u.email.casefold() == folded), None
        )


def new_signing_key() -> RSAKey:
    # kid is the RFC 7638 thumbprint, so a kid never names two different keys
    return RSAKey.generate_key(2048, parameters={"use": "sig", "alg": "RS256"}, auto_kid=True)


def seeded_users(seed: int, *, users: int, classes: int) -> dict[str, SimUser]:
    """The shared demo population, so a demo person signs in here with the email the BFF knows."""
    population = build_population(seed, users=users, classes=classes)
    subjects = SeedGenerator(seed, "oidc/subjects")
    out: dict[str, SimUser] = {}
    for person in population.people:
        subject = subjects.hex(24)
        out[subject] = SimUser(
            subject=subject,
            email=person.email,
            email_verified=True,
            name=f"{person.given_name} {person.family_name}",
        )
    return out


def verifier_matches(verifier: str, challenge: str) -> bool:
    if not _VERIFIER.fullmatch(verifier):
        return False
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    expected = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    return hmac.compare_digest(expected, challenge)


def is_s256_challenge(value: str) -> bool:
    return bool(_S256_CHALLENGE.fullmatch(value))


def mint_id_token(
    state: OidcState,
    *,
    issuer: str,
    code: IssuedCode,
    user: SimUser,
    now: float,
    ttl: int,
    tamper: TamperKind | None = None,
) -> str:
    scopes = set(code.scope.split())
    claims: dict[str, object] = {
        "iss": issuer,
        "sub": user.subject,
        "aud": code.client_id,
        "iat": int(now),
        "auth_time": int(now),
        "exp": int(now) + ttl,
    }
    if code.nonce is not None:
        claims["nonce"] = code.nonce
    if "email" in scopes and user.email is not None:
        claims["email"] = user.email
        claims["email_verified"] = user.email_verified
    if "profile" in scopes and user.name is not None:
        claims["name"] = user.name

    key = state.active_key
    header = {"alg": "RS256", "kid": key.kid}
    if tamper == "wrong_audience":
        claims["aud"] = "some-other-client"
    elif tamper == "wrong_nonce":
        claims["nonce"] = "not-the-nonce-you-sent"
    elif tamper == "wrong_issuer":
        claims["iss"] = "http://impostor.sim"
    elif tamper == "expired":
        claims["iat"], claims["exp"] = int(now) - 2 * ttl, int(now) - ttl
    elif tamper == "bad_signature":
        # a key nobody publishes, under the kid of one that is published
        key = new_signing_key()
    elif tamper == "unknown_kid":
        key = new_signing_key()
        header["kid"] = key.kid
    return jwt.encode(header, claims, key, algorithms=["RS256"])
