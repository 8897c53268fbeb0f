"""Small value conversions: times, bounded text, first lines."""

from __future__ import annotations

import math
import re

_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")


def parse_time(raw: str | None) -> float | None:
    """Seconds from a time attribute, or None when it is missing or not a number.

    Producers write "1.5", "1,234.5" (thousands separator), "1.7e-05", "1,5"
    (decimal comma) and placeholders like "<<computed>>"; none of them should fail
    a report.
    """
    if raw is None:
        return None
    text = raw.strip()
    if "," in text:
        text = text.replace(",", "") if _THOUSANDS.match(text) else text.replace(",", ".")
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def bound_text(text: str, max_bytes: int) -> str:
    """Cut text to at most max_bytes of UTF-8, saying how much was dropped."""
    # A character is at most 4 UTF-8 bytes, so most texts skip the encode.
    if len(text) * 4 <= max_bytes:
        return text
    raw = text.encode("utf-8", "surrogatepass")
    if len(raw) <= max_bytes:
        return text
    kept = raw[:max_bytes].decode("utf-8", "ignore")
    return f"{kept}\n[... truncated {len(raw) - max_bytes} bytes ...]"


def first_line(text: str) -> str:
    for line in text.splitlines():
        stripped = line.strip()
        if stripped:
            return stripped
    return ""
