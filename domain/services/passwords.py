"""Password rules a person can understand, stated in the error they get."""

from __future__ import annotations

from typing import Protocol

from domain.errors import InvalidInput

MIN_LENGTH = 12
MAX_LENGTH = 256


class CommonPasswords(Protocol):
    def __contains__(self, password: str) -> bool: ...


def check_password(password: str, *, email: str, common: CommonPasswords) -> None:
    """Raise ``InvalidInput`` (field ``password``) naming the first rule the password breaks."""
    if len(password) < MIN_LENGTH:
        raise InvalidInput(f"Use at least {MIN_LENGTH} characters.", field="password")
    if len(password) > MAX_LENGTH:
        raise InvalidInput(f"Use at most {MAX_LENGTH} characters.", field="password")
    lowered = password.casefold()
    local_part = email.split("@", 1)[0].casefold()
    if lowered == email.casefold() or (len(local_part) >= 4 and local_part in lowered):
        raise InvalidInput("Do not use your email address or user name in it.", field="password")
    if lowered in common or lowered.rstrip("0123456789!") in common:
        raise InvalidInput(
            "That password is one of the most common ones; choose something less guessable.",
            field="password",
        )
