"""Encryption of stored and queued secrets (Fernet: AES-128-CBC plus HMAC-SHA256).

One key encrypts everything a process stores or hands to another (tracker tokens,
webhook secrets, request credentials in job_secrets and on the tracker queue):
`VERDICT_ENCRYPTION_KEY`, at least 32 characters, or the contents of
`VERDICT_ENCRYPTION_KEY_FILE`. It is required: there is no per-process fallback and no
derivation from the admin key, so rotating the admin key never makes a secret
unreadable and nothing travels through Redis in plain text. `make run` uses a
development key that deploy/devstack.py generates into .devstack/ (git-ignored).

The Fernet key is derived from the configured string with HKDF-SHA256. Keys named in
`VERDICT_ENCRYPTION_OLD_KEYS` still decrypt, and so does the SHA-256 derivation
earlier versions used (of the current key, an old key, or an old admin key listed
there), so a new key can be rolled out first and `verdict rotate-key` then re-encrypts
every stored secret with it.
"""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from verdict.errors import VerdictError
from verdict.logging import get_logger
from verdict.settings import Settings

log = get_logger(__name__)

MIN_KEY_LENGTH = 32
_HKDF_INFO = b"verdict secret encryption v1"


class EncryptionKeyMissing(VerdictError):
    """No usable VERDICT_ENCRYPTION_KEY: secrets can be neither stored nor read."""

    status = 500
    error = "encryption_key_missing"


def configured_key(settings: Settings) -> str:
    """VERDICT_ENCRYPTION_KEY, else the first line of VERDICT_ENCRYPTION_KEY_FILE."""
    key = settings.encryption_key.get_secret_value().strip()
    if not key and settings.encryption_key_file:
        try:
            key = Path(settings.encryption_key_file).read_text("utf-8").strip()
        except OSError as exc:
            raise EncryptionKeyMissing(
                f"VERDICT_ENCRYPTION_KEY_FILE {settings.encryption_key_file} cannot be read: "
                f"{exc.strerror}"
            ) from None
    return key


def key_problem(settings: Settings) -> str:
    """Why the configured key cannot be used ("" when it can): checked at start-up."""
    try:
        key = configured_key(settings)
    except EncryptionKeyMissing as exc:
        return exc.detail
    if not key:
        return (
            "VERDICT_ENCRYPTION_KEY is not set: it encrypts tracker tokens, webhook secrets "
            "and request credentials. Set it to 32+ random characters, e.g. the output of "
            "python3 -c 'import secrets; print(secrets.token_urlsafe(32))' "
            "(make run generates a development key into .devstack/)"
        )
    if len(key) < MIN_KEY_LENGTH:
        return f"VERDICT_ENCRYPTION_KEY must be at least {MIN_KEY_LENGTH} characters"
    return ""


def _hkdf(secret: str) -> bytes:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_HKDF_INFO).derive(
        secret.encode("utf-8")
    )
    return base64.urlsafe_b64encode(derived)


def _legacy(secret: str) -> bytes:
    """The derivation of earlier versions, kept only to read what they wrote."""
    digest = hashlib.sha256(f"verdict:tokens:{secret}".encode()).digest()
    return base64.urlsafe_b64encode(digest)


class TokenCipher:
    """Encrypts with the current key; decrypts with it or any key being retired."""

    def __init__(self, secret: str, old_secrets: tuple[str, ...] = ()) -> None:
        keys = [_hkdf(secret), *(_hkdf(s) for s in old_secrets)]
        keys += [_legacy(secret), *(_legacy(s) for s in old_secrets)]
        self._fernet = MultiFernet([Fernet(k) for k in keys])

    @classmethod
    def from_settings(cls, settings: Settings) -> TokenCipher:
        problem = key_problem(settings)
        if problem:
            raise EncryptionKeyMissing(problem)
        old = tuple(k.get_secret_value() for k in settings.encryption_old_keys if k)
        return cls(configured_key(settings), old)

    def encrypt(self, value: str) -> bytes | None:
        """An empty value is stored as NULL: clearing a token leaves nothing behind."""
        return self._fernet.encrypt(value.encode("utf-8")) if value else None

    def decrypt(self, blob: bytes | None) -> str:
        if not blob:
            return ""
        try:
            return self._fernet.decrypt(bytes(blob)).decode("utf-8")
        except InvalidToken:
            log.warning("a stored secret cannot be decrypted with the current or old keys")
            return ""

    def rotate(self, blob: bytes) -> bytes | None:
        """The same secret encrypted with the current key; None if no key reads it."""
        try:
            return self._fernet.rotate(bytes(blob))
        except InvalidToken:
            return None
