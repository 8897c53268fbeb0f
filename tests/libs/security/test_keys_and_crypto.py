"""Key hashing, constant-time checks, token encryption."""

from __future__ import annotations

import pytest
from pydantic import SecretStr, ValidationError

from verdict.analysis.secrets import seal
from verdict.security.crypto import EncryptionKeyMissing, TokenCipher, key_problem
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


KEY_ONE = "encryption-key-one-0123456789abcdef"
KEY_TWO = "encryption-key-two-0123456789abcdef"


def test_cipher_round_trip_and_key_change():
    settings = Settings(encryption_key=SecretStr(KEY_ONE))
    cipher = TokenCipher.from_settings(settings)
    blob = cipher.encrypt("ghp_secret")
    assert blob is not None and b"ghp_secret" not in blob
    assert cipher.decrypt(blob) == "ghp_secret"
    assert cipher.encrypt("") is None and cipher.decrypt(None) == ""
    other = TokenCipher.from_settings(Settings(encryption_key=SecretStr(KEY_TWO)))
    assert other.decrypt(blob) == ""  # unreadable with another key, never an error


def test_an_encryption_key_is_required_and_long():
    """Issue 15 (low): without a key, secrets used a per-process key or travelled
    through Redis in plain text; now nothing is encrypted or sent without one."""
    for key in ("", "short-key"):
        settings = Settings(encryption_key=SecretStr(key))
        assert key_problem(settings)
        with pytest.raises(EncryptionKeyMissing):
            TokenCipher.from_settings(settings)
    with pytest.raises(EncryptionKeyMissing):
        seal(Settings(encryption_key=SecretStr(""), encryption_key_file=""), {"github_token": "x"})


def test_rotating_the_admin_key_leaves_secrets_readable():
    """The key was derived from VERDICT_ADMIN_KEY when unset: a new admin key made
    every stored token unreadable. The admin key plays no part now."""
    admin_a = "admin-key-a-0123456789abcdef012345"
    admin_b = "admin-key-b-0123456789abcdef012345"
    before = Settings(encryption_key=SecretStr(KEY_ONE), admin_key=SecretStr(admin_a))
    after = Settings(encryption_key=SecretStr(KEY_ONE), admin_key=SecretStr(admin_b))
    blob = TokenCipher.from_settings(before).encrypt("jira-token")
    assert TokenCipher.from_settings(after).decrypt(blob) == "jira-token"


def test_an_admin_key_shorter_than_32_characters_is_refused():
    with pytest.raises(ValidationError, match="at least 32"):
        Settings(admin_key=SecretStr("k" * 31))
    assert Settings(admin_key=SecretStr("k" * 32)).admin_key.get_secret_value() == "k" * 32


def test_key_file(tmp_path):
    path = tmp_path / "encryption.key"
    path.write_text(KEY_ONE + "\n")
    from_file = TokenCipher.from_settings(Settings(encryption_key_file=str(path)))
    blob = from_file.encrypt("t")
    assert (
        TokenCipher.from_settings(Settings(encryption_key=SecretStr(KEY_ONE))).decrypt(blob) == "t"
    )
    assert "cannot be read" in key_problem(Settings(encryption_key_file=str(tmp_path / "none")))


def test_old_keys_still_decrypt_and_rotate_moves_them_to_the_new_key():
    old = TokenCipher.from_settings(Settings(encryption_key=SecretStr(KEY_ONE)))
    blob = old.encrypt("t")
    assert blob is not None
    new = TokenCipher.from_settings(
        Settings(encryption_key=SecretStr(KEY_TWO), encryption_old_keys=[SecretStr(KEY_ONE)])
    )
    assert new.decrypt(blob) == "t"
    rotated = new.rotate(blob)
    assert rotated is not None
    only_new = TokenCipher.from_settings(Settings(encryption_key=SecretStr(KEY_TWO)))
    assert only_new.decrypt(rotated) == "t" and only_new.decrypt(blob) == ""


def test_secrets_written_by_the_old_derivation_stay_readable():
    """Earlier versions derived the Fernet key with SHA-256 (of the encryption key, or
    of the admin key when none was set): both still decrypt, for rotate-key to move."""
    import base64
    import hashlib

    from cryptography.fernet import Fernet

    def legacy(secret: str) -> Fernet:
        digest = hashlib.sha256(f"verdict:tokens:{secret}".encode()).digest()
        return Fernet(base64.urlsafe_b64encode(digest))

    old_admin = "the-old-admin-key-16+"
    by_key = legacy(KEY_ONE).encrypt(b"a")
    by_admin = legacy(old_admin).encrypt(b"b")
    cipher = TokenCipher.from_settings(
        Settings(encryption_key=SecretStr(KEY_ONE), encryption_old_keys=[SecretStr(old_admin)])
    )
    assert cipher.decrypt(by_key) == "a" and cipher.decrypt(by_admin) == "b"
