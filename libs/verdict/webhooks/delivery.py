"""One delivery attempt: sign, POST, record the outcome in the delivery log."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import UTC
from typing import Any

import aiohttp
import asyncpg

from verdict.errors import BadRequest
from verdict.security.crypto import TokenCipher
from verdict.settings import Settings
from verdict.storage import webhooks as repo
from verdict.webhooks.signing import (
    DELIVERY_HEADER,
    EVENT_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    sign,
)
from verdict.webhooks.targets import check_target

USER_AGENT = "verdict-webhooks"


@dataclass(frozen=True, slots=True)
class Outcome:
    delivery_id: int
    status: str  # delivered | pending | failed | skipped
    http_status: int | None = None
    error: str = ""
    retry_in_s: float | None = None


def body_of(row: Any) -> bytes:
    """The JSON document a receiver gets: event, delivery id, when, and the event's data."""
    created = row["created_at"].astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    document = {
        "event": row["event"],
        "delivery_id": row["id"],
        "timestamp": created,
        "data": row["payload"],
    }
    return json.dumps(document, separators=(",", ":"), sort_keys=True).encode()


async def attempt(
    pool: asyncpg.Pool,
    session: aiohttp.ClientSession,
    settings: Settings,
    delivery_id: int,
    *,
    retries: bool = True,
) -> Outcome:
    """Try once. A failure schedules the next try while the retry schedule
    (VERDICT_WEBHOOK_RETRY_SCHEDULE_S, counted by the row's attempts) lasts, then gives up.
    Bad targets, inactive subscriptions and unreadable secrets fail at once."""
    async with pool.acquire() as conn:
        row = await repo.get_delivery(conn, delivery_id)
    if row is None or row["status"] != "pending":
        return Outcome(delivery_id, "skipped")
    attempt_no = int(row["attempts"]) + 1
    http_status: int | None = None
    permanent = False
    if not row["active"]:
        error, permanent = "the subscription is inactive", True
    else:
        secret = TokenCipher.from_settings(settings).decrypt(row["secret_enc"])
        try:
            url = check_target(row["url"], settings.allowed_hosts)
            error = ""
        except BadRequest as exc:
            error, permanent = exc.detail, True
        if not error and not secret:
            error = "the subscription's secret cannot be decrypted with the current key"
            permanent = True
        if not error:
            http_status, error = await _post(session, settings, url, secret, row)

    if not error:
        outcome = Outcome(delivery_id, "delivered", http_status)
    else:
        schedule = settings.webhook_retry_schedule_s
        if retries and not permanent and attempt_no <= len(schedule):
            outcome = Outcome(delivery_id, "pending", http_status, error, schedule[attempt_no - 1])
        else:
            outcome = Outcome(delivery_id, "failed", http_status, error)
    async with pool.acquire() as conn:
        await repo.record_delivery_attempt(
            conn,
            delivery_id,
            status=outcome.status,
            http_status=http_status,
            error=error,
            retry_in_s=outcome.retry_in_s or 0.0,
        )
    return outcome


async def _post(
    session: aiohttp.ClientSession, settings: Settings, url: str, secret: str, row: Any
) -> tuple[int | None, str]:
    body = body_of(row)
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        EVENT_HEADER: row["event"],
        DELIVERY_HEADER: str(row["id"]),
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: sign(secret, timestamp, body),
    }
    try:
        async with session.post(
            url,
            data=body,
            headers=headers,
            timeout=aiohttp.ClientTimeout(total=settings.webhook_timeout_s),
            allow_redirects=False,
        ) as resp:
            if 200 <= resp.status < 300:
                return resp.status, ""
            text = (await resp.content.read(300)).decode("utf-8", "replace").strip()
            return resp.status, f"receiver answered {resp.status}" + (f": {text}" if text else "")
    except (aiohttp.ClientError, TimeoutError, OSError) as exc:
        return None, f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
