"""Access tokens: HS256 JWTs through joserfc, signed with the active key, verified by key id.

Several keys may be configured at once. New tokens are signed with the active one; tokens signed with
any configured key still verify, so a key can be rotated in without logging anybody out and retired
once the access-token lifetime has passed.

A front end sends the same token with every request until it expires, and checking a signature
with joserfc costs ~0.3 ms, a large share of a cached roster read. So a token that verified is
remembered (a bounded, least-recently-used map of token text to claims) and only its expiry is
checked again. Nothing else in the signature's verdict can change while the process lives: the keys
are fixed at start. Revocation is not this check's business: the token carries its account's
``ver`` (token version), which ``AuthService.authenticate`` compares with the account's (D39).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from datetime import UTC, datetime

from joserfc import jws, jwt
from joserfc.errors import (
    BadSignatureError,
    ExpiredTokenError,
    InvalidClaimError,
    JoseError,
    MissingClaimError,
)
from joserfc.jwk import OctKey
from joserfc.jwt import JWTClaimsRegistry

from domain.errors import Unauthenticated
from domain.models.identity import AccessClaims, Role
from domain.ports.identity import AccessTokenCodec

ALGORITHM = "HS256"
#: tokens remembered as verified, per process (a few hundred bytes each)
VERIFIED_CACHE_SIZE = 4096


class JwtAccessTokenCodec(AccessTokenCodec):
    def __init__(
        self, *, keys: Mapping[str, str], active_key_id: str, issuer: str, audience: str
    ) -> None:
        if active_key_id not in keys:
            raise ValueError(
                f"the active signing key {active_key_id!r} is not among the configured keys"
            )
        self._keys = {kid: OctKey.import_key(secret, {"kid": kid}) for kid, secret in keys.items()}
        self._active = active_key_id
        self._issuer = issuer
        self._audience = audience
        self._verified: OrderedDict[str, AccessClaims] = OrderedDict()

    def issue(self, claims: AccessClaims, *, now: datetime) -> str:
        payload = {
            "iss": self._issuer,
            "aud": self._audience,
            "sub": claims.account_id,
            "role": claims.role.value,
            "person": claims.person_sourced_id,
            "ver": claims.token_version,
            # the caller's clock, the one ``verify`` is given: a token is never issued "in the future"
            "iat": int(now.timestamp()),
            "exp": int(claims.expires_at.timestamp()),
        }
        header = {"alg": ALGORITHM, "kid": self._active}
        return jwt.encode(header, payload, self._keys[self._active], algorithms=[ALGORITHM])

    def verify(self, token: str, *, now: datetime) -> AccessClaims:
        known = self._verified.get(token)
        # the claims registry's rule: expired from the second of ``exp`` on
        if known is not None and int(now.timestamp()) < int(known.expires_at.timestamp()):
            self._verified.move_to_end(token)
            return known
        claims = self._verify(token, now=now)  # an expired one raises here, as it always did
        self._verified[token] = claims
        if len(self._verified) > VERIFIED_CACHE_SIZE:
            self._verified.popitem(last=False)
        return claims

    def _verify(self, token: str, *, now: datetime) -> AccessClaims:
        try:
            kid = jws.extract_compact(token.encode()).headers().get("kid")
        except (JoseError, ValueError) as exc:
            raise Unauthenticated("The access token is malformed.") from exc
        key = self._keys.get(kid) if isinstance(kid, str) else None
        if key is None:
            raise Unauthenticated("The access token was signed with an unknown key.")
        try:
            decoded = jwt.decode(token, key, algorithms=[ALGORITHM])
            JWTClaimsRegistry(
                now=int(now.timestamp()),
                iss={"essential": True, "value": self._issuer},
                aud={"essential": True, "value": self._audience},
                sub={"essential": True},
                exp={"essential": True},
            ).validate(decoded.claims)
            claims = decoded.claims
            return AccessClaims(
                account_id=str(claims["sub"]),
                role=Role(claims["role"]),
                person_sourced_id=claims.get("person"),
                expires_at=datetime.fromtimestamp(int(claims["exp"]), UTC),
                # tokens from before versions existed count as version 0, every account's first
                token_version=int(claims.get("ver", 0)),
            )
        except (JoseError, KeyError, ValueError) as exc:
            raise Unauthenticated(f"The access token is not valid: {_reason(exc)}") from exc


def _reason(exc: Exception) -> str:
    if isinstance(exc, ExpiredTokenError):
        return "it has expired"
    if isinstance(exc, BadSignatureError):
        return "bad signature"
    if isinstance(exc, InvalidClaimError | MissingClaimError):
        return str(exc.description)  # names the claim: "Invalid claim: 'iss'", "Missing ..."
    return "unreadable claims"
