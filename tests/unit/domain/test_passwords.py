from __future__ import annotations

import pytest

from adapters.security.common_passwords import ZxcvbnCommonPasswords
from domain.errors import InvalidInput
from domain.services.passwords import check_password

COMMON = ZxcvbnCommonPasswords()


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short", "at least 12"),
        ("x" * 257, "at most 256"),
        ("ada.lovelace@school.example", "email"),
        ("my-ada.lovelace-pass", "email"),
        ("password1234", "most common"),
        ("iloveyou123456", "most common"),
    ],
)
def test_rules_are_stated_in_the_error(password: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message) as caught:
        check_password(password, email="ada.lovelace@school.example", common=COMMON)
    assert caught.value.field == "password"


def test_a_long_uncommon_passphrase_is_fine() -> None:
    check_password("violet tram sings at noon", email="ada.lovelace@school.example", common=COMMON)
