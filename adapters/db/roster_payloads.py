"""A roster payload as the cache stores it: compact UTF-8 JSON, keys in the order given.

Serialised once per record: those bytes are what is stored, hashed and served.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import orjson


def _json_default(value: Any) -> Any:
    # a payload is JSON from TimeBack, or a Mapping built by a write; anything else as text
    return dict(value) if isinstance(value, Mapping) else str(value)


def payload_bytes(payload: Any) -> bytes:
    """The payload as stored (compact UTF-8 JSON, keys in the order given): serialised once, and
    those bytes are also what is hashed."""
    try:
        return orjson.dumps(payload, default=_json_default, option=orjson.OPT_NON_STR_KEYS)
    except TypeError:
        # orjson refuses integers past 64 bits; JSON (and TimeBack) have no such limit, and a
        # record upstream holds must never fail to be cached. Same format, slower encoder.
        return json.dumps(
            payload, default=_json_default, ensure_ascii=False, separators=(",", ":")
        ).encode()


def payload_text(payload: Any) -> str:
    return payload_bytes(payload).decode()
