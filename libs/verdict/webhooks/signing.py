"""Signatures of outbound deliveries, and their check on a receiver's side.

Each delivery carries `X-Verdict-Timestamp: <unix seconds>` and
`X-Verdict-Signature: sha256=<hex HMAC-SHA256 over "<timestamp>.<raw body>">` keyed
by the subscription's secret. Signing the timestamp with the body lets a receiver
refuse replays: it recomputes the HMAC over the bytes it received and rejects a
timestamp older than a few minutes.
"""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-Verdict-Signature"
TIMESTAMP_HEADER = "X-Verdict-Timestamp"
EVENT_HEADER = "X-Verdict-Event"
DELIVERY_HEADER = "X-Verdict-Delivery"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify(
    secret: str,
    timestamp: str,
    body: bytes,
    signature: str,
    *,
    tolerance_s: float = 300.0,
    now: float | None = None,
) -> bool:
    """True when the signature is ours and the timestamp is within `tolerance_s`."""
    try:
        ts = int(timestamp)
    except ValueError:
        return False
    if abs((time.time() if now is None else now) - ts) > tolerance_s:
        return False
    return hmac.compare_digest(sign(secret, ts, body), signature)
