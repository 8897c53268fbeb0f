"""Key hashing, constant-time checks, token encryption."""

from __future__ import annotations

from pydantic import SecretStr

from verdict.security.crypto import TokenCipher
from verdict.security.keys import (
    USER_KEY_PREFIX,
    has_scope,
    hash_secret,
    matches_hash,
    new_key,
    same_secret,
)
from verdict.settings import Settings


def test_keys_are_random_and_hashed():
    a, b = new_key(USER_KEY_PREFIX), new_key(USER_KEY_PREFIX)
    assert a != b and a.startswith("jji_") and len(a) > 40
    assert hash_secret(a) != a and len(hash_secret(a)) == 64
    assert matches_hash(a, hash_secret(a))
    assert not matches_hash(b, hash_secret(a))
    assert not matches_hash(a, None)
    assert same_secret("x", "x") and not same_secret("x", "y")


def test_scopes():
    assert has_scope(frozenset({"admin"}), "analysis:write")
    assert has_scope(frozenset({"analysis:read"}), "analysis:read")
    assert not has_scope(frozenset({"analysis:read"}), "analysis:write")


def test_cipher_round_trip_and_key_change():
    settings = Settings(encryption_key=SecretStr("one"))
    cipher = TokenCipher.from_settings(settings)
    blob = cipher.encrypt("ghp_secret")
    assert blob is not None and b"ghp_secret" not in blob
    assert cipher.decrypt(blob) == "ghp_secret"
    assert cipher.encrypt("") is None and cipher.decrypt(None) == ""
    other = TokenCipher.from_settings(Settings(encryption_key=SecretStr("two")))
    assert other.decrypt(blob) == ""  # unreadable with another key, never an error


def test_cipher_falls_back_to_admin_key():
    by_admin = TokenCipher.from_settings(Settings(admin_key=SecretStr("k" * 20)))
    blob = by_admin.encrypt("t")
    assert TokenCipher.from_settings(Settings(admin_key=SecretStr("k" * 20))).decrypt(blob) == "t"
