"""Outbound webhook subscriptions (admin only), a test call, and the delivery log."""

from __future__ import annotations

import secrets as secrets_mod
from typing import Any

import asyncpg
from aiohttp import web

from services.gateway.body import read_model
from services.gateway.identity import require_admin
from services.gateway.keys import PG, REDIS, SETTINGS
from services.gateway.routes.results import int_query, jsonable
from verdict.contracts.tracker import TEST_EVENT, WebhookCreate, WebhookUpdate
from verdict.errors import NotFound
from verdict.security.crypto import TokenCipher
from verdict.storage import webhooks as repo
from verdict.tracker import remote
from verdict.webhooks.targets import check_target

routes = web.RouteTableDef()


def _subscription(row: asyncpg.Record) -> dict[str, Any]:
    out = jsonable(row)
    out["events"] = list(row["events"])
    return out


def _sub_id(request: web.Request) -> int:
    try:
        return int(request.match_info["webhook_id"])
    except ValueError:
        raise NotFound("webhook subscription not found") from None


async def _require(conn: Any, sub_id: int) -> asyncpg.Record:
    row = await repo.get_subscription(conn, sub_id)
    if row is None:
        raise NotFound(f"webhook subscription {sub_id} not found")
    return row


@routes.post("/api/webhooks")
async def create_webhook(request: web.Request) -> web.Response:
    identity = await require_admin(request)
    settings = request.app[SETTINGS]
    body = await read_model(request, WebhookCreate)
    url = check_target(body.url, settings.allowed_hosts)
    secret = body.secret or "whsec_" + secrets_mod.token_urlsafe(32)
    secret_enc = TokenCipher.from_settings(settings).encrypt(secret) or b""
    async with request.app[PG].acquire() as conn:
        row = await repo.create_subscription(
            conn,
            url=url,
            events=list(dict.fromkeys(body.events)),
            secret_enc=secret_enc,
            active=body.active,
            created_by=identity.username,
        )
    # The secret is shown once, here; it is stored encrypted and never listed.
    return web.json_response({**_subscription(row), "secret": secret}, status=201)


@routes.get("/api/webhooks")
async def list_webhooks(request: web.Request) -> web.Response:
    await require_admin(request)
    async with request.app[PG].acquire() as conn:
        rows = await repo.list_subscriptions(conn)
    return web.json_response({"webhooks": [_subscription(r) for r in rows]})


@routes.get("/api/webhooks/{webhook_id}")
async def get_webhook(request: web.Request) -> web.Response:
    await require_admin(request)
    async with request.app[PG].acquire() as conn:
        row = await _require(conn, _sub_id(request))
    return web.json_response(_subscription(row))


async def _update(request: web.Request) -> web.Response:
    await require_admin(request)
    settings = request.app[SETTINGS]
    sub_id = _sub_id(request)
    body = await read_model(request, WebhookUpdate)
    url = check_target(body.url, settings.allowed_hosts) if body.url is not None else None
    secret_enc = TokenCipher.from_settings(settings).encrypt(body.secret) if body.secret else None
    events: list[str] | None = list(dict.fromkeys(body.events)) if body.events is not None else None
    async with request.app[PG].acquire() as conn:
        row = await repo.update_subscription(
            conn, sub_id, url=url, events=events, secret_enc=secret_enc, active=body.active
        )
    if row is None:
        raise NotFound(f"webhook subscription {sub_id} not found")
    return web.json_response(_subscription(row))


@routes.patch("/api/webhooks/{webhook_id}")
async def patch_webhook(request: web.Request) -> web.Response:
    return await _update(request)


@routes.put("/api/webhooks/{webhook_id}")
async def put_webhook(request: web.Request) -> web.Response:
    return await _update(request)


@routes.delete("/api/webhooks/{webhook_id}")
async def delete_webhook(request: web.Request) -> web.Response:
    await require_admin(request)
    sub_id = _sub_id(request)
    async with request.app[PG].acquire() as conn:
        if not await repo.delete_subscription(conn, sub_id):
            raise NotFound(f"webhook subscription {sub_id} not found")
    return web.json_response({"deleted": sub_id})


@routes.post("/api/webhooks/{webhook_id}/test")
async def test_webhook(request: web.Request) -> web.Response:
    """Deliver a `webhook.test` event once, now, and say how the receiver answered."""
    await require_admin(request)
    sub_id = _sub_id(request)
    async with request.app[PG].acquire() as conn:
        row = await _require(conn, sub_id)
        delivery_id = await repo.add_delivery(
            conn, sub_id, TEST_EVENT, {"subscription_id": sub_id, "url": row["url"]}
        )
    data = await remote.call(
        request.app[REDIS], request.app[SETTINGS], "webhook_test", {"delivery_id": delivery_id}
    )
    return web.json_response(data)


@routes.get("/api/webhooks/{webhook_id}/deliveries")
async def list_deliveries(request: web.Request) -> web.Response:
    await require_admin(request)
    sub_id = _sub_id(request)
    limit = int_query(request, "limit", 50, lo=1, hi=500)
    async with request.app[PG].acquire() as conn:
        await _require(conn, sub_id)
        rows = await repo.list_deliveries(conn, sub_id, limit)
    return web.json_response({"deliveries": [jsonable(r) for r in rows]})
