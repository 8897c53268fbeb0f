"""storage.idempotency against real Postgres: one claim per (client, key)."""

from __future__ import annotations

from verdict.storage import idempotency as repo


async def _claim(conn, client: str = "ip:1", key: str = "k") -> bool:
    return await repo.claim(conn, client, key, "POST", "/x", "hash", ttl_s=3600, stale_s=60)


async def test_a_key_is_claimed_once_then_replayed_then_released(pg):
    async with pg.acquire() as conn:
        assert await _claim(conn)
        assert not await _claim(conn)
        assert await _claim(conn, client="ip:2")  # keys are per client
        assert (await repo.get(conn, "ip:1", "k"))["status"] is None  # in progress
        await repo.complete(conn, "ip:1", "k", 201, b'{"id": 1}', "application/json")
        kept = await repo.get(conn, "ip:1", "k")
        assert (kept["status"], bytes(kept["response"])) == (201, b'{"id": 1}')
        await repo.release(conn, "ip:1", "k")
        assert await _claim(conn)


async def test_an_abandoned_claim_and_an_expired_key_make_way(pg):
    async with pg.acquire() as conn:
        assert await _claim(conn)
        await conn.execute("update idempotency_keys set created_at = now() - interval '2 minutes'")
        assert await _claim(conn)  # the in-progress claim was older than stale_s
        await repo.complete(conn, "ip:1", "k", 200, b"{}", "application/json")
        await conn.execute("update idempotency_keys set created_at = now() - interval '2 hours'")
        await repo.purge(conn, 3600)
        assert await repo.get(conn, "ip:1", "k") is None
