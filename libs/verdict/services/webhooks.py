"""Outbound webhook subscriptions (admins only), a test delivery, and the delivery log.

A subscription's URL must be a public address on the allow-list (no SSRF); its signing
secret is shown once, at creation, and stored encrypted.
"""

from __future__ import annotations

import secrets as secrets_mod
from typing import Any

import asyncpg

from verdict.contracts.json_text import jsonable
from verdict.contracts.tracker import TEST_EVENT, WebhookCreate, WebhookUpdate
from verdict.errors import NotFound
from verdict.security.crypto import TokenCipher
from verdict.services.deps import Deps
from verdict.services.identity import Identity
from verdict.storage import webhooks as repo
from verdict.tracker import remote
from verdict.webhooks.targets import check_target


def _subscription(row: asyncpg.Record) -> dict[str, Any]:
    out = jsonable(row)
    out["events"] = list(row["events"])
    return out


def subscription_id(raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise NotFound("webhook subscription not found") from None


async def _require(conn: Any, sub_id: int) -> asyncpg.Record:
    row = await repo.get_subscription(conn, sub_id)
    if row is None:
        raise NotFound(f"webhook subscription {sub_id} not found")
    return row


async def create(deps: Deps, identity: Identity, body: WebhookCreate) -> dict[str, Any]:
    identity.require_admin()
    settings = deps.settings
    url = check_target(body.url, settings.allowed_hosts)
    secret = body.secret or "whsec_" + secrets_mod.token_urlsafe(32)
    secret_enc = TokenCipher.from_settings(settings).encrypt(secret) or b""
    async with deps.pool.acquire() as conn:
        row = await repo.create_subscription(
            conn,
            url=url,
            events=list(dict.fromkeys(body.events)),
            secret_enc=secret_enc,
            active=body.active,
            created_by=identity.username,
        )
    # The secret is shown once, here; it is stored encrypted and never listed.
    return {**_subscription(row), "secret": secret}


async def list_all(deps: Deps, identity: Identity) -> dict[str, Any]:
    identity.require_admin()
    async with deps.pool.acquire() as conn:
        rows = await repo.list_subscriptions(conn)
    return {"webhooks": [_subscription(r) for r in rows]}


async def get(deps: Deps, identity: Identity, sub_id: int) -> dict[str, Any]:
    identity.require_admin()
    async with deps.pool.acquire() as conn:
        return _subscription(await _require(conn, sub_id))


async def update(
    deps: Deps, identity: Identity, sub_id: int, body: WebhookUpdate
) -> dict[str, Any]:
    """Change only the fields sent."""
    identity.require_admin()
    settings = deps.settings
    url = check_target(body.url, settings.allowed_hosts) if body.url is not None else None
    secret_enc = TokenCipher.from_settings(settings).encrypt(body.secret) if body.secret else None
    events: list[str] | None = list(dict.fromkeys(body.events)) if body.events is not None else None
    async with deps.pool.acquire() as conn:
        row = await repo.update_subscription(
            conn, sub_id, url=url, events=events, secret_enc=secret_enc, active=body.active
        )
    if row is None:
        raise NotFound(f"webhook subscription {sub_id} not found")
    return _subscription(row)


async def delete(deps: Deps, identity: Identity, sub_id: int) -> dict[str, int]:
    identity.require_admin()
    async with deps.pool.acquire() as conn:
        if not await repo.delete_subscription(conn, sub_id):
            raise NotFound(f"webhook subscription {sub_id} not found")
    return {"deleted": sub_id}


async def test(deps: Deps, identity: Identity, sub_id: int) -> Any:
    """Deliver a `webhook.test` event once, now, and say how the receiver answered."""
    identity.require_admin()
    async with deps.pool.acquire() as conn:
        row = await _require(conn, sub_id)
        delivery_id = await repo.add_delivery(
            conn, sub_id, TEST_EVENT, {"subscription_id": sub_id, "url": row["url"]}
        )
    return await remote.call(
        deps.queue, deps.settings, "webhook_test", {"delivery_id": delivery_id}
    )


async def deliveries(deps: Deps, identity: Identity, sub_id: int, limit: int) -> dict[str, Any]:
    identity.require_admin()
    async with deps.pool.acquire() as conn:
        await _require(conn, sub_id)
        rows = await repo.list_deliveries(conn, sub_id, limit)
    return {"deliveries": [jsonable(r) for r in rows]}
