from __future__ import annotations

import pytest

from adapters.security.cipher import FernetCipher
from domain.errors import InvalidInput


def test_round_trip_and_rotation() -> None:
    old, new = FernetCipher.generate_key(), FernetCipher.generate_key()
    sealed_old = FernetCipher([old]).encrypt(b"zoho refresh token")
    both = FernetCipher([new, old])
    assert both.decrypt(sealed_old) == b"zoho refresh token"
    rotated = both.rotate(sealed_old)
    assert FernetCipher([new]).decrypt(rotated) == b"zoho refresh token"
    with pytest.raises(InvalidInput):
        FernetCipher([new]).decrypt(sealed_old)


def test_ciphertext_does_not_contain_the_secret() -> None:
    sealed = FernetCipher([FernetCipher.generate_key()]).encrypt(b"s3cret-value")
    assert "s3cret" not in sealed


def test_garbage_is_an_invalid_input() -> None:
    with pytest.raises(InvalidInput):
        FernetCipher([FernetCipher.generate_key()]).decrypt("garbage")
