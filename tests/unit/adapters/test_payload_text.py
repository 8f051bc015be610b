"""How a roster payload is serialised for the cache (and hashed)."""

from __future__ import annotations

from adapters.db.roster_payloads import payload_bytes


def test_a_payload_is_compact_utf8_json_in_the_order_given() -> None:
    assert payload_bytes({"z": 1, "s": "é", "a": [True, None]}) == (
        '{"z":1,"s":"é","a":[true,null]}'.encode()
    )


def test_an_integer_past_64_bits_is_stored_as_json_has_it() -> None:
    """orjson refuses it; a create whose body carried one answered 500 after TimeBack stored it."""
    assert payload_bytes({"n": 2**70, "s": "é"}) == '{"n":1180591620717411303424,"s":"é"}'.encode()
