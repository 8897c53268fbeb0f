"""Error signatures: the same root cause signs the same across builds.

First version (walking skeleton); the triage-engine work replaces the normalizer.
"""

from __future__ import annotations

import hashlib
import re

_NUMBERS = re.compile(r"\d+")


def normalize_message(message: str) -> str:
    return _NUMBERS.sub("<N>", message.strip())


def error_signature(message: str, stack: str = "", error_type: str = "") -> str:
    """SHA-256 hex of exception type + normalized message + normalized top frames."""
    frames = [normalize_message(line) for line in stack.strip().splitlines()[:5]]
    text = "\x1f".join([error_type.strip(), normalize_message(message), *frames])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
