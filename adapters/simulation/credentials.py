"""Reading client credentials the way OAuth servers do (RFC 6749 §2.3.1), for simulators."""

from __future__ import annotations

import base64
import binascii
from urllib.parse import unquote_plus


def basic_credentials(authorization: str) -> tuple[str, str] | None:
    """``(client_id, secret)`` from an HTTP Basic header, or None if it is not one."""
    scheme, _, encoded = authorization.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, sep, secret = decoded.partition(":")
    # both halves are form-encoded before base64
    return (unquote_plus(client_id), unquote_plus(secret)) if sep else None
