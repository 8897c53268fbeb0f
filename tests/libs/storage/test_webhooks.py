"""storage.webhooks against real Postgres: subscriptions and their deliveries."""

from __future__ import annotations

from verdict.storage import webhooks as repo


async def _subscribe(conn, url: str, events: list[str], active: bool = True):
    return await repo.create_subscription(
        conn, url=url, events=events, secret_enc=b"enc", active=active, created_by="ann"
    )


async def test_an_event_is_delivered_to_active_subscribers_of_it_only(pg):
    async with pg.acquire() as conn:
        done = await _subscribe(conn, "https://a.example/hook", ["analysis.completed"])
        await _subscribe(conn, "https://b.example/hook", ["analysis.failed"])
        await _subscribe(conn, "https://c.example/hook", ["analysis.completed"], active=False)
        ids = await repo.add_deliveries(conn, "analysis.completed", {"job_id": "j"})
        deliveries = await repo.list_deliveries(conn, done["id"], 10)
    assert len(ids) == 1 and [d["id"] for d in deliveries] == ids
    assert deliveries[0]["status"] == "pending"


async def test_update_changes_only_what_is_given_and_delete_cascades(pg):
    async with pg.acquire() as conn:
        sub = await _subscribe(conn, "https://a.example/hook", ["analysis.completed"])
        row = await repo.update_subscription(
            conn, sub["id"], url=None, events=None, secret_enc=None, active=False
        )
        assert row["url"] == sub["url"] and row["active"] is False
        await repo.add_delivery(conn, sub["id"], "webhook.test", {})
        assert await repo.delete_subscription(conn, sub["id"])
        assert await repo.get_subscription(conn, sub["id"]) is None
        assert await conn.fetchval("select count(*) from webhook_deliveries") == 0


async def test_overdue_pending_deliveries_are_found_for_requeueing(pg):
    async with pg.acquire() as conn:
        sub = await _subscribe(conn, "https://a.example/hook", ["analysis.completed"])
        fresh = await repo.add_delivery(conn, sub["id"], "webhook.test", {})
        old = await repo.add_delivery(conn, sub["id"], "webhook.test", {})
        await conn.execute(
            "update webhook_deliveries set next_attempt_at = now() - interval '2 minutes' "
            "where id = $1",
            old,
        )
        assert await repo.overdue_deliveries(conn, 60) == [old]
        assert fresh not in await repo.overdue_deliveries(conn, 60)
