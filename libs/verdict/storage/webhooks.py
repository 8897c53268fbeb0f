"""Outbound webhook subscriptions and their delivery log."""

from __future__ import annotations

from typing import Any

import asyncpg

from verdict.storage.pool import Conn

_sub_columns = "id, url, events, active, created_by, created_at"

insert_subscription = f"""
insert into webhook_subscriptions (url, events, secret_enc, active, created_by)
values ($1, $2, $3, $4, $5)
returning {_sub_columns}
"""


async def create_subscription(
    conn: Conn, *, url: str, events: list[str], secret_enc: bytes, active: bool, created_by: str
) -> asyncpg.Record:
    row = await conn.fetchrow(insert_subscription, url, events, secret_enc, active, created_by)
    assert row is not None
    return row


select_subscriptions = f"select {_sub_columns} from webhook_subscriptions order by id"
select_subscription = f"select {_sub_columns} from webhook_subscriptions where id = $1"


async def list_subscriptions(conn: Conn) -> list[asyncpg.Record]:
    rows: list[asyncpg.Record] = await conn.fetch(select_subscriptions)
    return rows


async def get_subscription(conn: Conn, sub_id: int) -> asyncpg.Record | None:
    row: asyncpg.Record | None = await conn.fetchrow(select_subscription, sub_id)
    return row


update_subscription_row = f"""
update webhook_subscriptions
   set url = coalesce($2, url),
       events = coalesce($3, events),
       secret_enc = coalesce($4, secret_enc),
       active = coalesce($5, active)
 where id = $1
returning {_sub_columns}
"""


async def update_subscription(
    conn: Conn,
    sub_id: int,
    *,
    url: str | None,
    events: list[str] | None,
    secret_enc: bytes | None,
    active: bool | None,
) -> asyncpg.Record | None:
    row: asyncpg.Record | None = await conn.fetchrow(
        update_subscription_row, sub_id, url, events, secret_enc, active
    )
    return row


delete_subscription_row = "delete from webhook_subscriptions where id = $1 returning id"


async def delete_subscription(conn: Conn, sub_id: int) -> bool:
    return await conn.fetchval(delete_subscription_row, sub_id) is not None


insert_deliveries_for_event = """
insert into webhook_deliveries (subscription_id, event, payload, next_attempt_at)
select id, $1, $2, now() from webhook_subscriptions
 where active and $1 = any(events)
returning id
"""


async def add_deliveries(conn: Conn, event: str, payload: dict[str, Any]) -> list[int]:
    """One pending delivery per active subscription to `event`; their ids."""
    rows = await conn.fetch(insert_deliveries_for_event, event, payload)
    return [int(r["id"]) for r in rows]


insert_delivery = """
insert into webhook_deliveries (subscription_id, event, payload, next_attempt_at)
values ($1, $2, $3, now())
returning id
"""


async def add_delivery(conn: Conn, sub_id: int, event: str, payload: dict[str, Any]) -> int:
    delivery_id: int = await conn.fetchval(insert_delivery, sub_id, event, payload)
    return delivery_id


select_delivery = """
select d.id, d.subscription_id, d.event, d.payload, d.status, d.attempts, d.created_at,
       s.url, s.secret_enc, s.active
  from webhook_deliveries d join webhook_subscriptions s on s.id = d.subscription_id
 where d.id = $1
"""


async def get_delivery(conn: Conn, delivery_id: int) -> asyncpg.Record | None:
    row: asyncpg.Record | None = await conn.fetchrow(select_delivery, delivery_id)
    return row


record_attempt = """
update webhook_deliveries
   set attempts = attempts + 1,
       status = $2,
       last_status = $3,
       last_error = $4,
       next_attempt_at = case when $2 = 'pending'
                              then now() + make_interval(secs => $5) end,
       delivered_at = case when $2 = 'delivered' then now() end
 where id = $1
"""


async def record_delivery_attempt(
    conn: Conn,
    delivery_id: int,
    *,
    status: str,
    http_status: int | None,
    error: str,
    retry_in_s: float = 0.0,
) -> None:
    """status: delivered | pending (a retry is scheduled in `retry_in_s`) | failed."""
    await conn.execute(
        record_attempt, delivery_id, status, http_status, error[:2000], float(retry_in_s)
    )


select_sub_deliveries = """
select id, event, status, attempts, last_status, last_error, next_attempt_at, created_at,
       delivered_at
  from webhook_deliveries where subscription_id = $1
 order by created_at desc, id desc limit $2
"""


async def list_deliveries(conn: Conn, sub_id: int, limit: int) -> list[asyncpg.Record]:
    rows: list[asyncpg.Record] = await conn.fetch(select_sub_deliveries, sub_id, limit)
    return rows


select_overdue = """
select id from webhook_deliveries
 where status = 'pending' and next_attempt_at < now() - make_interval(secs => $1)
 order by next_attempt_at limit $2
"""


async def overdue_deliveries(conn: Conn, grace_s: float, limit: int = 500) -> list[int]:
    """Pending deliveries whose queue entry may be lost (Redis flushed, crash)."""
    rows = await conn.fetch(select_overdue, float(grace_s), limit)
    return [int(r["id"]) for r in rows]


# Key rotation (verdict rotate-key).
select_secret_ciphertexts = "select id, secret_enc from webhook_subscriptions"
update_secret_ciphertext = "update webhook_subscriptions set secret_enc = $2 where id = $1"


async def secret_ciphertexts(conn: Conn) -> list[asyncpg.Record]:
    return list(await conn.fetch(select_secret_ciphertexts))


async def set_secret_ciphertext(conn: Conn, sub_id: int, secret_enc: bytes) -> None:
    await conn.execute(update_secret_ciphertext, sub_id, secret_enc)
