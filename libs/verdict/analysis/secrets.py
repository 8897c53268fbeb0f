"""Credentials a request brings for its own job, carried to the workers encrypted.

They never enter request_params (which responses show); they live encrypted in
job_secrets until the job is done with them, with the key every process shares
(VERDICT_ENCRYPTION_KEY, required: see security.crypto).
"""

from __future__ import annotations

import json
from typing import Any

from verdict.contracts.requests import is_secret_key
from verdict.logging import get_logger
from verdict.security.crypto import TokenCipher
from verdict.settings import Settings

log = get_logger(__name__)


def seal(settings: Settings, body: dict[str, Any]) -> bytes | None:
    """The secret fields of a request body, encrypted; None when there are none."""
    found = {k: v for k, v in body.items() if is_secret_key(k) and isinstance(v, str) and v}
    if not found:
        return None
    return TokenCipher.from_settings(settings).encrypt(json.dumps(found))


def unseal(settings: Settings, payload: bytes | None) -> dict[str, str]:
    if not payload:
        return {}
    text = TokenCipher.from_settings(settings).decrypt(payload)
    return dict(json.loads(text)) if text else {}
