"""API keys and session tokens: generated at random, stored only as hashes.

Every key Verdict issues carries 256 bits of randomness, so a fast hash is enough
to keep a stolen table useless (no dictionary to try), and it keeps checking a
Bearer key on every request cheap. Custom admin keys (at least 16 characters) are
hashed the same way. Comparisons of secrets are constant-time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

USER_KEY_PREFIX = "jji_"
SCOPED_KEY_PREFIX = "vdk_"
MIN_CUSTOM_KEY_LENGTH = 16

# Scopes a pipeline key may hold; `admin` implies every other scope.
SCOPES = ("analysis:read", "analysis:write", "history:write", "admin")


def new_key(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


def hash_secret(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def same_secret(presented: str, expected: str) -> bool:
    """Constant-time equality of two secrets (or of two hashes)."""
    return hmac.compare_digest(presented.encode("utf-8"), expected.encode("utf-8"))


def matches_hash(presented: str, stored_hash: str | None) -> bool:
    if not stored_hash:
        return False
    return same_secret(hash_secret(presented), stored_hash)


def display_prefix(key: str) -> str:
    """What a listing may show of a key: enough to recognise it, too little to use it."""
    return key[:12]


def has_scope(granted: frozenset[str], needed: str) -> bool:
    return "admin" in granted or needed in granted
