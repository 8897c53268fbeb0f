"""`Idempotency-Key` on POST: the same key and request within the TTL (24 h) get the
first response again, status and body, without running the handler a second time.

Keys are scoped per client (API key, user, or address). The same key with another
request (method, path with query, or body) is a 422. A duplicate that arrives while
the first is still running gets 409 with `Retry-After: 1` at once; it does not wait
(a synchronous analysis may run for minutes, and holding a second connection open
that long helps nobody). Only answers below 500 are kept, except 409 and 429: after
a 5xx, an exception or a disconnect the claim is released and a retry runs afresh.
"""

from __future__ import annotations

import asyncio
import hashlib

from aiohttp import web

from services.gateway.identity import current_identity
from services.gateway.keys import SETTINGS, deps_of
from services.gateway.middlewares import REQUEST_ID_KEY, Handler, error_response
from services.gateway.ratelimit import client_key
from verdict.errors import BadRequest, Conflict, JobStillRunning, ValidationFailed
from verdict.storage import idempotency as repo

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
_NOT_KEPT = (409, 429)


class IdempotencyKeyReused(ValidationFailed):
    """This Idempotency-Key was used with a different request."""

    error = "idempotency_key_reused"


class IdempotencyKeyInUse(Conflict):
    """A request with this Idempotency-Key is still being processed."""

    error = "idempotency_key_in_use"


def _key(request: web.Request) -> str | None:
    raw = request.headers.get(HEADER)
    if raw is None:
        return None
    key = raw.strip()
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise BadRequest(f"{HEADER} must be 1 to {MAX_KEY_LENGTH} printable characters")
    return key


async def _fingerprint(request: web.Request) -> str:
    body = await request.read()
    digest = hashlib.sha256(f"{request.method} {request.path_qs}\n".encode())
    if len(body) > 1 << 20:
        await asyncio.to_thread(digest.update, body)
    else:
        digest.update(body)
    return digest.hexdigest()


async def _purge_now_and_then(request: web.Request, ttl_s: float) -> None:
    deps = deps_of(request)
    if deps.caches.idempotency_purge.due():
        async with deps.pool.acquire() as conn:
            await repo.purge(conn, ttl_s)


@web.middleware
async def idempotent(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.method != "POST":
        return await handler(request)
    key = _key(request)
    if key is None:
        return await handler(request)
    settings = request.app[SETTINGS]
    fingerprint = await _fingerprint(request)
    client = client_key(request, await current_identity(request))
    pool = deps_of(request).pool
    await _purge_now_and_then(request, settings.idempotency_ttl_s)
    async with pool.acquire() as conn:
        claimed = await repo.claim(
            conn,
            client,
            key,
            request.method,
            request.path_qs,
            fingerprint,
            ttl_s=settings.idempotency_ttl_s,
            # A claim older than the longest request can take was left by a crash.
            stale_s=settings.sync_timeout_s + 60,
        )
        row = None if claimed else await repo.get(conn, client, key)
    if not claimed:
        if row is not None and row["body_hash"] != fingerprint:
            raise IdempotencyKeyReused(
                f"this {HEADER} was already used with a different request (method, path or body)"
            )
        if row is None or row["status"] is None:
            busy = error_response(
                IdempotencyKeyInUse(
                    f"a request with this {HEADER} is still being processed; retry shortly"
                ),
                request.get(REQUEST_ID_KEY, ""),
            )
            busy.headers["Retry-After"] = "1"
            return busy
        replay = web.Response(status=row["status"], body=row["response"])
        replay.headers["Content-Type"] = row["content_type"]
        replay.headers[REPLAYED] = "true"
        return replay

    try:
        response = await handler(request)
    except JobStillRunning as exc:
        # An answer, not a failure: kept and replayed like the 202 it is.
        response = error_response(exc, request.get(REQUEST_ID_KEY, ""))
    except BaseException:
        async with pool.acquire() as conn:
            await repo.release(conn, client, key)
        raise
    body = response.body if isinstance(response, web.Response) else None
    keep = (
        isinstance(body, bytes)
        and not response.prepared
        and response.status < 500
        and response.status not in _NOT_KEPT
    )
    async with pool.acquire() as conn:
        if keep:
            assert isinstance(body, bytes)
            content_type = response.headers.get("Content-Type", "application/json")
            await repo.complete(conn, client, key, response.status, body, content_type)
        else:
            await repo.release(conn, client, key)
    return response
