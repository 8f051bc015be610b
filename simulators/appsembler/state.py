"""What the Open edX simulator holds: OAuth applications and LMS user accounts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class OAuthApp:
    """A DOT application; client-credentials tokens act as its owner user."""

    client_id: str
    client_secret: str
    user_id: int


@dataclass(slots=True)
class Account:
    id: int
    username: str
    email: str
    is_active: bool
    is_staff: bool
    date_joined: datetime


@dataclass(slots=True)
class LmsState:
    apps: dict[str, OAuthApp] = field(default_factory=dict)
    accounts: dict[int, Account] = field(default_factory=dict)

    def add_account(self, account: Account) -> None:
        self.accounts[account.id] = account

    def account(self, user_id: int) -> Account | None:
        return self.accounts.get(user_id)
