"""Error signatures: the same root cause signs the same across builds.

signature = SHA-256 of (exception type, normalized message, normalized top frames).
When no frame can be parsed, the normalized head of the stack stands in for the
frames, so two failures with empty messages but different stacks never collide.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass

from verdict.triage.meaning import kept_spans
from verdict.triage.normalize import (
    MAX_TEXT,
    exception_type,
    headline,
    normalize_message,
    parse_frames,
    scrub,
    scrub_frame,
    strip_ansi,
    strip_type_prefix,
)

__all__ = [
    "TOP_FRAMES",
    "SignatureExplanation",
    "error_signature",
    "explain_signature",
    "normalize_message",
    "signature_parts",
]

TOP_FRAMES = 5
_SEP = "\x1f"


def signature_parts(message: str, stack: str = "", error_type: str = "") -> list[str]:
    """The normalized pieces that are hashed; exposed so a signature can be explained."""
    message, stack = strip_ansi(message), strip_ansi(stack)
    if not message.strip() and stack:
        # An empty message (JUnit <failure/> with the error only in its body) is
        # the stack's error line: two different errors must not sign alike.
        message = headline(stack)
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


@dataclass(frozen=True)
class SignatureExplanation:
    """Why two failures sign the same or not, in the words a UI can show."""

    signature: str
    exception_type: str
    message: str  # the normalized message that is hashed
    frames: tuple[str, ...]  # normalized top frames (or stack head) that are hashed
    kept: tuple[str, ...]  # cause-naming numbers kept (status/exit/signal/error codes…)
    scrubbed: dict[str, int]  # run noise replaced, by kind (<n>, <ts>, <ws>, <tmp>…)

    def to_json(self) -> dict[str, object]:
        return {
            "signature": self.signature,
            "exception_type": self.exception_type,
            "message": self.message,
            "frames": list(self.frames),
            "kept": list(self.kept),
            "scrubbed": dict(self.scrubbed),
        }


_TOKEN = re.compile(r"<(?:n|ts|ws|tmp|uuid|ip|hex|dur|port|seed)>")


def explain_signature(message: str, stack: str = "", error_type: str = "") -> SignatureExplanation:
    """The signature with its parts: what was hashed, what was kept, what was scrubbed."""
    parts = signature_parts(message, stack, error_type)
    counts = Counter(token for part in parts for token in _TOKEN.findall(part))
    kept = tuple(dict.fromkeys(kept_spans(strip_ansi(message)[:MAX_TEXT])))
    return SignatureExplanation(
        signature=hashlib.sha256(_SEP.join(parts).encode("utf-8")).hexdigest(),
        exception_type=parts[0],
        message=parts[1],
        frames=tuple(parts[2:]),
        kept=kept,
        scrubbed=dict(sorted(counts.items())),
    )


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
