"""What the Zoho simulator holds: OAuth clients, users with their refresh tokens, a portal and a
Desk organisation."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: Zoho's data centres and their accounts servers, as ``/oauth/serverinfo`` lists them.
ZOHO_LOCATIONS = {
    "us": "https://accounts.zoho.com",
    "eu": "https://accounts.zoho.eu",
    "in": "https://accounts.zoho.in",
    "au": "https://accounts.zoho.com.au",
    "jp": "https://accounts.zoho.jp",
    "uk": "https://accounts.zoho.uk",
    "ca": "https://accounts.zohocloud.ca",
    "sa": "https://accounts.zoho.sa",
    "cn": "https://accounts.zoho.com.cn",
}


@dataclass(frozen=True, slots=True)
class ZohoUser:
    zuid: str
    email: str
    name: str


@dataclass(frozen=True, slots=True)
class RefreshGrant:
    """A refresh token a user granted one client; access tokens minted from it act as that user."""

    token: str
    client_id: str
    zuid: str
    scope: str


@dataclass(slots=True)
class ZohoState:
    clients: dict[str, str] = field(default_factory=dict)  # client id -> secret
    users: dict[str, ZohoUser] = field(default_factory=dict)
    refresh_tokens: dict[str, RefreshGrant] = field(default_factory=dict)
    portals: list[dict[str, Any]] = field(default_factory=list)
    desk_orgs: list[dict[str, Any]] = field(default_factory=list)
