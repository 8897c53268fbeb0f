"""Idempotency keys: the first response to (client, key) is kept and replayed.

A row is claimed before the handler runs (status NULL = in progress), so a
concurrent duplicate sees the claim and is answered 409 instead of running twice.
"""

from __future__ import annotations

import asyncpg

from verdict.storage.pool import Conn

# This client's expired row for the key (older than the TTL, or an in-progress claim
# abandoned by a crash) is dropped first; then the key is claimed. No row back from
# the insert: someone holds it.
drop_expired_key = """
delete from idempotency_keys
 where client = $1 and key = $2
   and (created_at < now() - make_interval(secs => $3)
        or (status is null and created_at < now() - make_interval(secs => $4)))
"""
claim_key = """
insert into idempotency_keys (client, key, method, path, body_hash)
values ($1, $2, $3, $4, $5)
on conflict (client, key) do nothing
returning key
"""


async def claim(
    conn: Conn,
    client: str,
    key: str,
    method: str,
    path: str,
    body_hash: str,
    *,
    ttl_s: float,
    stale_s: float,
) -> bool:
    async with conn.transaction():
        await conn.execute(drop_expired_key, client, key, float(ttl_s), float(stale_s))
        claimed = await conn.fetchval(claim_key, client, key, method, path, body_hash)
    return claimed is not None


select_key = """
select method, path, body_hash, status, response, content_type from idempotency_keys
 where client = $1 and key = $2
"""


async def get(conn: Conn, client: str, key: str) -> asyncpg.Record | None:
    row: asyncpg.Record | None = await conn.fetchrow(select_key, client, key)
    return row


store_response = """
update idempotency_keys set status = $3, response = $4, content_type = $5
 where client = $1 and key = $2
"""


async def complete(
    conn: Conn, client: str, key: str, status: int, body: bytes, content_type: str
) -> None:
    await conn.execute(store_response, client, key, status, body, content_type)


delete_key = "delete from idempotency_keys where client = $1 and key = $2"


async def release(conn: Conn, client: str, key: str) -> None:
    """Forget a claim whose request failed, so the client's retry runs it again."""
    await conn.execute(delete_key, client, key)


delete_expired = "delete from idempotency_keys where created_at < now() - make_interval(secs => $1)"


async def purge(conn: Conn, ttl_s: float) -> None:
    await conn.execute(delete_expired, float(ttl_s))
