"""Error signatures: the same root cause signs the same across builds.

signature = SHA-256 of (exception type, normalized message, normalized top frames).
When no frame can be parsed, the normalized head of the stack stands in for the
frames, so two failures with empty messages but different stacks never collide.
"""

from __future__ import annotations

import hashlib

from verdict.triage.normalize import (
    exception_type,
    normalize_message,
    parse_frames,
    scrub,
    scrub_frame,
    strip_ansi,
    strip_type_prefix,
)

__all__ = ["TOP_FRAMES", "error_signature", "normalize_message", "signature_parts"]

TOP_FRAMES = 5
_SEP = "\x1f"


def signature_parts(message: str, stack: str = "", error_type: str = "") -> list[str]:
    """The normalized pieces that are hashed; exposed so a signature can be explained."""
    message, stack = strip_ansi(message), strip_ansi(stack)
    etype = error_type.strip() or exception_type(message, stack)
    text = normalize_message(strip_type_prefix(message, etype))
    frames = [frame.key for frame in parse_frames(stack)]
    if frames:
        # Keep files and functions (line numbers are gone), then scrub noise out of
        # them too: generated test ids and temp dirs show up in paths.
        head = [scrub_frame(key) for key in _meaningful(frames)[:TOP_FRAMES]]
    else:
        head = scrub(stack).splitlines()[:TOP_FRAMES]
    return [etype, text, *head]


def error_signature(message: str, stack: str = "", error_type: str = "") -> str:
    """64 lowercase hex chars identifying the failure's root cause."""
    text = _SEP.join(signature_parts(message, stack, error_type))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


_HARNESS = (
    "testing/testing.go",
    "runtime/panic.go",
    "unittest/case.py",
    "_pytest/",
    "pluggy/",
    "node:internal",
    "java.lang.reflect",
    "jdk.internal.reflect",
    "sun.reflect",
)


def _meaningful(keys: list[str]) -> list[str]:
    """Drop test-runner plumbing frames; they are the same for every failure."""
    kept = [key for key in keys if not any(marker in key for marker in _HARNESS)]
    return kept or keys
