"""Encryption of stored tracker tokens (Fernet: AES-128-CBC plus HMAC-SHA256).

The key comes from `VERDICT_ENCRYPTION_KEY` (any string; a Fernet key is derived
from it with SHA-256). Without one it is derived from `VERDICT_ADMIN_KEY`; without
either, a random key lives for this process only, and a warning says so: tokens
saved then cannot be read after a restart (they read back as empty strings).
"""

from __future__ import annotations

import base64
import hashlib
import secrets

from cryptography.fernet import Fernet, InvalidToken

from verdict.logging import get_logger
from verdict.settings import Settings

log = get_logger(__name__)

_EPHEMERAL = secrets.token_hex(32)


def _derive(secret: str, purpose: str) -> bytes:
    digest = hashlib.sha256(f"verdict:{purpose}:{secret}".encode()).digest()
    return base64.urlsafe_b64encode(digest)


class TokenCipher:
    """Encrypts and decrypts short secrets (tracker tokens) for storage."""

    def __init__(self, secret: str) -> None:
        self._fernet = Fernet(_derive(secret, "tokens"))

    @classmethod
    def from_settings(cls, settings: Settings) -> TokenCipher:
        secret = settings.encryption_key.get_secret_value()
        if not secret:
            secret = settings.admin_key.get_secret_value()
        if not secret:
            log.warning(
                "no VERDICT_ENCRYPTION_KEY or VERDICT_ADMIN_KEY: stored tokens use a "
                "per-process key and cannot be read after a restart"
            )
            secret = _EPHEMERAL
        return cls(secret)

    def encrypt(self, value: str) -> bytes | None:
        """An empty value is stored as NULL: clearing a token leaves nothing behind."""
        return self._fernet.encrypt(value.encode("utf-8")) if value else None

    def decrypt(self, blob: bytes | None) -> str:
        if not blob:
            return ""
        try:
            return self._fernet.decrypt(bytes(blob)).decode("utf-8")
        except InvalidToken:
            log.warning("a stored token cannot be decrypted with the current key")
            return ""
