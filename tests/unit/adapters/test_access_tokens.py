"""Access-token signing and verification: expiry, signature, key ids and rotation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from adapters.security.tokens import JwtAccessTokenCodec
from domain.errors import Unauthenticated
from domain.models.identity import AccessClaims, Role

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def codec(
    keys: dict[str, str], active: str, *, issuer: str = "bff", audience: str = "bff"
) -> JwtAccessTokenCodec:
    return JwtAccessTokenCodec(keys=keys, active_key_id=active, issuer=issuer, audience=audience)


def claims(expires_in: timedelta = timedelta(minutes=15)) -> AccessClaims:
    return AccessClaims(
        account_id="a1", role=Role.TEACHER, person_sourced_id="t1", expires_at=NOW + expires_in
    )


def test_round_trip_keeps_the_claims() -> None:
    c = codec({"k1": "secret-one-" * 4}, "k1")
    verified = c.verify(c.issue(claims(), now=NOW), now=NOW)
    assert (verified.account_id, verified.role, verified.person_sourced_id) == (
        "a1",
        Role.TEACHER,
        "t1",
    )


def test_expired_token_is_refused() -> None:
    c = codec({"k1": "secret-one-" * 4}, "k1")
    token = c.issue(claims(timedelta(minutes=15)), now=NOW)
    with pytest.raises(Unauthenticated, match="expired"):
        c.verify(token, now=NOW + timedelta(minutes=16))


def test_wrong_signature_is_refused() -> None:
    signer = codec({"k1": "secret-one-" * 4}, "k1")
    verifier = codec({"k1": "another-secret" * 4}, "k1")
    with pytest.raises(Unauthenticated, match="bad signature"):
        verifier.verify(signer.issue(claims(), now=NOW), now=NOW)


def test_unknown_key_id_is_refused() -> None:
    signer = codec({"k9": "secret-nine-" * 4}, "k9")
    verifier = codec({"k1": "secret-one-" * 4}, "k1")
    with pytest.raises(Unauthenticated, match="unknown key"):
        verifier.verify(signer.issue(claims(), now=NOW), now=NOW)


def test_tampered_payload_is_refused() -> None:
    c = codec({"k1": "secret-one-" * 4}, "k1")
    header, payload, signature = c.issue(claims(), now=NOW).split(".")
    with pytest.raises(Unauthenticated):
        c.verify(f"{header}.{payload[:-2]}AA.{signature}", now=NOW)


def test_wrong_audience_or_issuer_is_refused() -> None:
    keys = {"k1": "secret-one-" * 4}
    other = codec(keys, "k1", audience="someone-else")
    with pytest.raises(Unauthenticated):
        codec(keys, "k1").verify(other.issue(claims(), now=NOW), now=NOW)


def test_garbage_is_refused() -> None:
    with pytest.raises(Unauthenticated, match="malformed"):
        codec({"k1": "secret-one-" * 4}, "k1").verify("not-a-jwt", now=NOW)


def test_rotation_keeps_old_tokens_valid_until_the_old_key_is_retired() -> None:
    old_key, new_key = "secret-old-" * 4, "secret-new-" * 4
    before = codec({"k1": old_key}, "k1").issue(claims(), now=NOW)
    rotated = codec({"k1": old_key, "k2": new_key}, "k2")
    assert rotated.verify(before, now=NOW).account_id == "a1"
    after = rotated.issue(claims(), now=NOW)
    assert after.split(".")[0] != before.split(".")[0]  # new kid in the header
    retired = codec({"k2": new_key}, "k2")
    assert retired.verify(after, now=NOW).account_id == "a1"
    with pytest.raises(Unauthenticated, match="unknown key"):
        retired.verify(before, now=NOW)


def test_active_key_must_be_configured() -> None:
    with pytest.raises(ValueError, match="not among"):
        codec({"k1": "x" * 40}, "k2")


def test_a_verified_token_is_remembered_but_still_expires() -> None:
    c = codec({"k1": "secret-one-" * 4}, "k1")
    token = c.issue(claims(timedelta(minutes=15)), now=NOW)
    first = c.verify(token, now=NOW)
    assert c.verify(token, now=NOW + timedelta(minutes=14)) is first  # no second signature check
    assert c.verify(token, now=NOW + timedelta(minutes=14, seconds=59)) is first
    fresh = codec({"k1": "secret-one-" * 4}, "k1")
    for verifier in (c, fresh):  # from the second of exp on, remembered or not
        with pytest.raises(Unauthenticated, match="expired"):
            verifier.verify(token, now=NOW + timedelta(minutes=15))


def test_a_refused_token_is_not_remembered() -> None:
    c = codec({"k1": "secret-one-" * 4}, "k1")
    good = c.issue(claims(), now=NOW)
    c.verify(good, now=NOW)
    head, payload, signature = good.split(".")
    forged = f"{head}.{payload}.{signature[:-2]}AA"
    for _ in range(2):
        with pytest.raises(Unauthenticated):
            c.verify(forged, now=NOW)


def test_the_issue_time_is_the_callers_clock_not_the_wall_clock() -> None:
    # A token issued and checked at a moment other than now (a test clock, a skewed host) is
    # valid: "iat" comes from the same clock as the check, so it is never "in the future".
    later = NOW + timedelta(days=400)
    c = codec({"k1": "secret-one-" * 4}, "k1")
    token = c.issue(claims(timedelta(days=401)), now=later)
    assert c.verify(token, now=later).account_id == "a1"
    with pytest.raises(Unauthenticated, match="issued in the future"):
        codec({"k1": "secret-one-" * 4}, "k1").verify(token, now=NOW)


def test_a_wrong_issuer_is_named() -> None:
    token = codec({"k1": "secret-one-" * 4}, "k1", issuer="someone-else").issue(claims(), now=NOW)
    with pytest.raises(Unauthenticated, match="Invalid claim: 'iss'"):
        codec({"k1": "secret-one-" * 4}, "k1").verify(token, now=NOW)
