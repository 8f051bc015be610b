"""Reading client credentials the way OAuth servers do (RFC 6749 §2.3.1), for simulators."""

from __future__ import annotations

import base64
import binascii
import secrets
from collections.abc import Callable, Mapping
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


def authenticate_client(
    authorization: str, form: Mapping[str, object], secret_of: Callable[[str], str | None]
) -> str | None:
    """The id of the client a token request authenticates, from HTTP Basic or else the form;
    None when the credentials are missing or wrong. ``secret_of`` looks a client's secret up."""
    client_id, secret = basic_credentials(authorization) or (
        form.get("client_id"),
        form.get("client_secret"),
    )
    if not isinstance(client_id, str) or not isinstance(secret, str):
        return None
    known = secret_of(client_id)
    return client_id if known is not None and secrets.compare_digest(known, secret) else None
